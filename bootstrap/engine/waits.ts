import { formatRef } from '../kube/client.js'
import { errorMessage, HealthError, KindlingError } from './errors.js'
import type { StepContext, Wait } from './step.js'

/** "wait until Provider provider-kubernetes is Healthy=True (up to 300 s)" */
export function describeWait(wait: Wait): string {
  return `wait until ${formatRef(wait.ref)} is ${wait.condition.description} (up to ${Math.round(wait.timeoutMs / 1000)} s)`
}

/**
 * Watch each wait in order, each within its own deadline. On a timeout or a terminal failure the
 * error gains what `explain` finds (the objects that are not ready, with their events).
 */
export async function runWaits(ctx: StepContext, waits: readonly Wait[]): Promise<void> {
  if (waits.length === 0) return
  const kube = await ctx.kube()
  for (const wait of waits) {
    try {
      const object = await kube.waitFor(wait.ref, wait.condition, { timeoutMs: wait.timeoutMs, signal: ctx.signal })
      ctx.log(`${formatRef(wait.ref)}: ${wait.condition.test(object).message ?? wait.condition.description}`)
    } catch (error) {
      if (!wait.explain || ctx.signal.aborted || !(error instanceof KindlingError)) throw error
      const more = await wait.explain(kube).catch((cause: unknown) => [`(could not look further: ${errorMessage(cause)})`])
      if (more.length === 0) throw error
      throw new HealthError(error.message, { cause: error, details: [...error.details, ...more] })
    }
  }
}
