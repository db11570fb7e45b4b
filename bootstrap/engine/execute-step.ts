// One step's phases in order: check, then plan and apply (or, in a dry run, plan and preview),
// then verify; whatever happens becomes the step's report, its errors wrapped with the step's title.

import { executeActions } from './actions.js'
import { errorMessage, ExitCode, exitCodeOf, InterruptedError, KindlingError, NotCreatedYetError, RefusalError, StepError, stoppedError } from './errors.js'
import type { Phase, RunObserver, StepReport, StepStatus } from './run.js'
import type { Action, Step, StepContext } from './step.js'
import { runWaits } from './waits.js'

/** Run one step through its phases: its report says how it ended, with timings and the error if any. */
export async function executeStep(step: Step, ctx: StepContext, observer: RunObserver): Promise<StepReport> {
  const timings: StepReport['timings'] = { total: 0 }
  const begin = performance.now()
  const timed = async <T>(phase: Phase, work: () => Promise<T> | T): Promise<T> => {
    observer.phaseStarted?.(step, phase)
    const start = performance.now()
    try {
      return await work()
    } finally {
      timings[phase] = Math.round(performance.now() - start)
    }
  }
  const report = (status: StepStatus, extra: Partial<StepReport> = {}): StepReport => {
    timings.total = Math.round(performance.now() - begin)
    return { name: step.name, title: step.title, status, timings, ...extra }
  }

  const wrap = (error: unknown): KindlingError => (ctx.signal.aborted ? stoppedError(ctx.signal, step.title) : wrapStepError(step, error))
  let checkDetail: string | undefined
  let verdict: string | undefined
  let did: string | undefined
  let checkError: unknown
  let checkState: 'done' | 'todo' | 'unknown'
  let stops = false
  let found: unknown
  try {
    const result = await timed('check', () => step.check(ctx))
    checkState = result.state
    checkDetail = result.detail
    verdict = result.state === 'done' ? result.verdict : undefined
    did = result.state === 'todo' ? result.did : undefined
    found = result.found
  } catch (error) {
    if (!ctx.flags.dryRun || ctx.signal.aborted || error instanceof InterruptedError) return report('failed', { error: wrap(error) })
    // A dry run on a machine without the cluster (or its tools) still shows the whole plan; in a
    // cluster (or Git server) the plan creates, everything is known to be still to do.
    const notCreated = error instanceof NotCreatedYetError
    checkState = notCreated ? 'todo' : 'unknown'
    // A step that needs nothing (preflight) looked at everything: a missing tool or answer is what
    // it found, not a failure to look; after it, the same cause means the step could not check.
    // A refusal is what any step's check found.
    stops = !notCreated && ((step.needs.length === 0 && isBlocker(error)) || error instanceof RefusalError)
    checkDetail = notCreated || stops ? errorMessage(error) : `could not check: ${errorMessage(error)}`
    checkError = notCreated ? undefined : error
  }

  try {
    if (ctx.flags.dryRun) {
      let actions: Action[] = []
      try {
        if (checkState !== 'done') actions = await timed('plan', () => step.plan(ctx, found))
      } catch (error) {
        // A plan that needs what is missing (the cluster cannot be reached, a token is not set):
        // the step is unknown, its cause kept for the verdict, and the steps after it still planned.
        if (ctx.signal.aborted || error instanceof InterruptedError) throw error
        return report('unknown', { detail: `could not plan: ${errorMessage(error)}`, error: checkError ?? error })
      }
      await previewApplies(ctx, actions)
      const waits = step.waits ? await step.waits(ctx) : undefined
      const status = stops ? 'would-stop' : checkState === 'unknown' ? 'unknown' : checkState === 'done' ? 'done' : 'planned'
      return report(status, {
        detail: checkState === 'done' ? (checkDetail ?? 'up to date') : checkDetail,
        actions,
        waits,
        error: checkError,
        ...(verdict && { verdict }),
      })
    }
    if (checkState === 'todo') {
      const actions = await timed('plan', () => step.plan(ctx, found))
      await timed('apply', () => (step.apply ? step.apply(ctx, actions) : executeActions(ctx, actions)))
    }
  } catch (error) {
    return report('failed', { error: wrap(error), detail: checkDetail })
  }

  let proved: string | undefined
  if (step.verify || step.waits) {
    try {
      await timed('verify', async () => {
        if (step.waits) await runWaits(ctx, await step.waits(ctx))
        proved = (await step.verify?.(ctx, found)) ?? undefined
      })
    } catch (error) {
      return report('failed', { error: wrap(error), detail: checkDetail, failedIn: 'verify' })
    }
  }
  // Once the work is applied, what check found missing is no longer true: the line says what was done.
  return report(checkState === 'done' ? 'done' : 'applied', {
    detail: proved ?? (checkState === 'done' ? (checkDetail ?? 'up to date') : did),
    ...(verdict && { verdict }),
  })
}

/** A missing prerequisite or a bad input: what stops a real run before it changes anything. */
export function isBlocker(error: unknown): boolean {
  const code = exitCodeOf(error)
  return code === ExitCode.missingPrerequisite || code === ExitCode.badInput
}

/**
 * In a dry run, ask the live cluster (when there is one) what each planned apply would do, so the
 * plan says "up to date" for what exists and lists what does not.
 */
async function previewApplies(ctx: StepContext, actions: Action[]): Promise<void> {
  const applies = actions.filter((action): action is Extract<Action, { type: 'apply' }> => action.type === 'apply')
  if (applies.length === 0) return
  const kube = await ctx.kube().catch(() => undefined)
  if (!kube) return
  for (const action of applies) {
    action.preview = await kube.planApply(action.objects).catch(() => undefined)
  }
}

function wrapStepError(step: Step, error: unknown): KindlingError {
  if (error instanceof InterruptedError) return error
  if (error instanceof StepError) return error
  const details = error instanceof KindlingError ? error.details : []
  return new StepError(step.title, { cause: error, details })
}
