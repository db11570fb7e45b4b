import type { KubeClient } from '../kube/client.js'
import { formatRef } from '../kube/refs.js'
import { errorMessage, HealthError, KindlingError } from './errors.js'
import type { StepContext, Wait } from './step.js'
import { withinBudget } from './within.js'

/**
 * How long a failed wait spends finding what was not ready: a few requests, which a server that has
 * stopped answering would otherwise hold for 30 s each before the failure is reported. As long as
 * `--timeout` leaves for it at most.
 */
export const EXPLAIN_MS = 5000

/** "wait until Provider provider-kubernetes is Healthy=True (up to 300 s)" */
export function describeWait(wait: Wait, qualified = false): string {
  // Conditions read "Healthy=True" or "ready with all replicas at the current revision"; "exists" reads as it is.
  const state = /^exists$/.test(wait.condition.description) ? wait.condition.description : `is ${wait.condition.description}`
  const group = qualified ? ` (${wait.ref.apiVersion.split('/')[0]})` : ''
  return `wait until ${formatRef(wait.ref)}${group} ${state} (up to ${Math.round(wait.timeoutMs / 1000)} s)`
}

/**
 * A step's waits described in order; two objects of one kind and name from different API groups
 * (each Crossplane provider's `ClusterProviderConfig default`) are told apart by their group.
 */
export function describeWaits(waits: readonly Wait[]): string[] {
  const seen = new Map<string, number>()
  const key = (wait: Wait): string => formatRef(wait.ref)
  for (const wait of waits) seen.set(key(wait), (seen.get(key(wait)) ?? 0) + 1)
  return waits.map((wait) => describeWait(wait, (seen.get(key(wait)) ?? 0) > 1))
}

/**
 * Watch each wait in order. The whole list shares one deadline, the longest single timeout, so
 * ten component waits under `--timeout 10m` take at most ten minutes, not a hundred; with
 * --timeout, none outlasts the run (`waitsEndBy`). On a timeout or a terminal failure the error
 * gains what `explain` finds (the objects that are not ready, with their events) within EXPLAIN_MS.
 */
export async function runWaits(ctx: StepContext, waits: readonly Wait[]): Promise<void> {
  if (waits.length === 0) return
  const kube = await ctx.kube()
  const deadline = Math.min(Date.now() + Math.max(...waits.map((wait) => wait.timeoutMs)), ctx.waitsEndBy ?? Infinity)
  for (const wait of waits) {
    try {
      const timeoutMs = Math.max(1, Math.min(wait.timeoutMs, deadline - Date.now()))
      const object = await kube.waitFor(wait.ref, wait.condition, { timeoutMs, signal: ctx.signal })
      ctx.log(`${formatRef(wait.ref)}: ${wait.condition.test(object).message ?? wait.condition.description}`)
    } catch (error) {
      if (ctx.signal.aborted || !(error instanceof KindlingError)) throw error
      const more = wait.explain ? await explainWithin(wait.explain, kube) : []
      const details = [...error.details, ...(more.length ? ['not ready:', ...more.map((line) => `  ${line}`)] : [])]
      throw new HealthError(error.message, { cause: error, details })
    }
  }
}

/** What `explain` finds within EXPLAIN_MS; past that its requests are cancelled and it is said so. */
async function explainWithin(explain: NonNullable<Wait['explain']>, kube: KubeClient): Promise<string[]> {
  const found = await withinBudget(EXPLAIN_MS, (signal) =>
    explain(kube, signal).catch((cause: unknown) => [`(could not look further: ${errorMessage(cause)})`]),
  )
  return found ?? [`(could not look further: the API server did not answer within ${EXPLAIN_MS / 1000} s)`]
}
