import { causeOf, HealthError, InterruptedError, isDeclined, KindlingError, stoppedError } from './errors.js'
import { executeStep, isBlocker } from './execute-step.js'
import type { Action, Step, StepContext, Wait } from './step.js'

export type StepStatus =
  | 'done' // check said the work was already done (and verify passed)
  | 'applied' // work was done in this run
  | 'planned' // dry run: check and plan only
  | 'unknown' // dry run: check could not ask the live system; plan printed anyway
  | 'would-stop' // dry run: check (preflight's) found what stops a real run before it changes anything; plan printed anyway
  | 'failed'
  | 'blocked' // a step it needs failed
  | 'cancelled' // a change failed or the run was interrupted before it started

export type Phase = 'check' | 'plan' | 'apply' | 'verify'

export interface StepReport {
  name: string
  title: string
  status: StepStatus
  detail?: string
  /** A done step that had no work in the first place: what it says instead of "up to date" (its check's verdict). */
  verdict?: string
  /** Milliseconds spent in each phase that ran. */
  timings: Partial<Record<Phase, number>> & { total: number }
  actions?: Action[]
  /** What the step watches once its work is done (a dry run lists them; a real run waits). */
  waits?: Wait[]
  error?: unknown
  /**
   * 'verify' when the step's work was done and only what it waited for is not healthy (yet): steps
   * that do not need it still start, as they would after a health check that fails.
   */
  failedIn?: 'verify'
}

export interface RunReport {
  ok: boolean
  dryRun: boolean
  interrupted: boolean
  steps: StepReport[]
  totalMs: number
}

/** Progress events; renderers (listr2, plain lines, JSON) subscribe to these. */
export interface RunObserver {
  stepStarted?(step: Step): void
  phaseStarted?(step: Step, phase: Phase): void
  stepFinished?(step: Step, report: StepReport): void
}

/** Order steps so each comes after everything it needs; unknown needs and cycles are programming errors. */
export function orderSteps(steps: readonly Step[]): Step[] {
  const byName = new Map(steps.map((step) => [step.name, step]))
  if (byName.size !== steps.length) throw new Error('two steps share a name')
  const ordered: Step[] = []
  const state = new Map<string, 'visiting' | 'done'>()
  const visit = (step: Step, trail: string[]): void => {
    if (state.get(step.name) === 'done') return
    if (state.get(step.name) === 'visiting') throw new Error(`steps form a cycle: ${[...trail, step.name].join(' -> ')}`)
    state.set(step.name, 'visiting')
    for (const need of step.needs) {
      const dependency = byName.get(need)
      if (!dependency) throw new Error(`step ${step.name} needs unknown step ${need}`)
      visit(dependency, [...trail, step.name])
    }
    state.set(step.name, 'done')
    ordered.push(step)
  }
  for (const step of steps) visit(step, [])
  return ordered
}

/**
 * Run steps as a DAG: a step starts once everything it needs has succeeded, so independent steps
 * run together. A failed step stops new steps from starting; failed health checks are collected
 * and only block the steps that need them. A dry run stops after check and plan. With
 * `keepGoing` (a command that only reads) a failure blocks only the steps that need it: one part
 * that cannot be read does not hide the others, and one read and found unhealthy blocks nothing.
 */
export async function runSteps(
  steps: readonly Step[],
  ctx: StepContext,
  observer: RunObserver = {},
  options: { keepGoing?: boolean } = {},
): Promise<RunReport> {
  const started = performance.now()
  const ordered = orderSteps(steps)
  ctx.facts.order = ordered.map((step) => step.name)
  const reports = new Map<string, StepReport>()
  const running = new Map<string, Promise<void>>()
  // The title of the first step whose work failed (not its health): no new step starts after it.
  /** How the run's first failure is named to the steps it stops: "Install Flux failed". */
  let firstFailure: string | undefined

  const settledOk = (name: string): boolean => {
    const report = reports.get(name)
    const status = report?.status
    // Read, and found unhealthy (a node not Ready): what needs it can still be read.
    if (status === 'failed' && options.keepGoing && causeOf(report?.error) instanceof HealthError) return true
    return status === 'done' || status === 'applied' || status === 'planned' || status === 'unknown' || status === 'would-stop'
  }

  const runOne = async (step: Step): Promise<void> => {
    observer.stepStarted?.(step)
    const report = await stopWithin(executeStep(step, ctx, observer), step, ctx.signal)
    if (report.status === 'failed' && report.failedIn !== 'verify' && !options.keepGoing) firstFailure ??= endedAt(report)
    reports.set(step.name, report)
    observer.stepFinished?.(step, report)
  }

  // Why a step does not start after a failure: a step it needs failed (or was itself stopped), else
  // the run's first failure. Independent steps fail in any order, so a step names its own cause,
  // the same in every run and every output.
  const stoppedBy = (step: Step): string => {
    for (const name of step.needs) {
      const need = reports.get(name)!
      if (need.status === 'failed') return endedAt(need)
      if ((need.status === 'cancelled' || need.status === 'blocked') && need.detail) return need.detail
    }
    return firstFailure!
  }

  const finish = (step: Step, status: StepStatus, detail: string): void => {
    const report: StepReport = { name: step.name, title: step.title, status, detail, timings: { total: 0 } }
    reports.set(step.name, report)
    observer.stepFinished?.(step, report)
  }

  for (;;) {
    for (const step of ordered) {
      if (reports.has(step.name) || running.has(step.name)) continue
      const needs = step.needs.map((name) => reports.get(name))
      if (needs.some((need) => need === undefined)) continue
      if (firstFailure !== undefined || ctx.signal.aborted) {
        finish(step, 'cancelled', ctx.signal.aborted ? stoppedWord(ctx.signal) : stoppedBy(step))
        continue
      }
      const failedNeed = step.needs.find((name) => !settledOk(name))
      if (failedNeed) {
        const need = reports.get(failedNeed)!
        // A command that only reads found a problem there, or never got to look; one that changes
        // things failed at it, or never ran it.
        const outcome = need.status === 'failed' ? (options.keepGoing ? 'has a problem' : 'failed') : options.keepGoing ? 'was not checked' : 'did not run'
        finish(step, 'blocked', `needs ${need.title}, which ${outcome}`)
        continue
      }
      running.set(
        step.name,
        runOne(step).finally(() => running.delete(step.name)),
      )
    }
    if (running.size === 0) break
    await Promise.race(running.values())
  }

  const list = ordered.map((step) => reports.get(step.name)!)
  return {
    ok: list.every((report) => report.status !== 'failed' && report.status !== 'blocked' && report.status !== 'cancelled' && !blocksRealRun(report)),
    dryRun: ctx.flags.dryRun,
    interrupted: ctx.signal.aborted,
    steps: list,
    totalMs: Math.round(performance.now() - started),
  }
}

/**
 * The longest chain of steps through the graph, by each step's own duration: the least time the
 * run could have taken with unlimited parallelism. A makespan close to it means no step waited
 * on anything it did not need.
 */
export function criticalPathMs(steps: readonly Step[], report: RunReport): number {
  const duration = new Map(report.steps.map((step) => [step.name, step.timings.total]))
  const memo = new Map<string, number>()
  const finish = (step: Step): number => {
    const known = memo.get(step.name)
    if (known !== undefined) return known
    const needs = step.needs.map((name) => steps.find((other) => other.name === name)).filter((other): other is Step => other !== undefined)
    const value = (duration.get(step.name) ?? 0) + Math.max(0, ...needs.map(finish))
    memo.set(step.name, value)
    return value
  }
  return Math.max(0, ...steps.map(finish))
}

/**
 * A dry-run step that found what would stop a real run at once: a missing prerequisite or bad
 * input, found by preflight's check or met by a later step's check or plan. The plan is still
 * printed, but the verdict (exit code, `ok`) is the real run's. Checks that could not ask a
 * cluster that does not exist yet are expected in a dry run.
 */
export function blocksRealRun(report: StepReport): boolean {
  return report.status === 'would-stop' || (report.status === 'unknown' && report.error !== undefined && isBlocker(report.error))
}

/** How long a step may take to notice an aborted run (cancel its request, kill its command) before it is left behind. */
export const STOP_GRACE_MS = 1000

/**
 * A step's work, or, once the run is aborted and the step has not stopped within the grace period
 * (a call that ignores the signal), a failed report naming the interrupt. Ctrl-C, SIGTERM and the
 * run's deadline therefore end a run within seconds, whatever the cluster does.
 */
async function stopWithin(work: Promise<StepReport>, step: Step, signal: AbortSignal): Promise<StepReport> {
  let timer: NodeJS.Timeout | undefined
  let onAbort: (() => void) | undefined
  const began = performance.now()
  const abandoned = new Promise<StepReport>((resolve) => {
    onAbort = () => {
      timer = setTimeout(() => {
        const total = Math.round(performance.now() - began)
        resolve({ name: step.name, title: step.title, status: 'failed', timings: { total }, error: stoppedError(signal, step.title) })
      }, STOP_GRACE_MS)
    }
    if (signal.aborted) onAbort()
    else signal.addEventListener('abort', onAbort, { once: true })
  })
  try {
    return await Promise.race([work, abandoned])
  } finally {
    clearTimeout(timer)
    if (onAbort) signal.removeEventListener('abort', onAbort)
  }
}

/** "interrupted" or "stopped at the deadline", for steps a stopped run never started. */
function stoppedWord(signal: AbortSignal): string {
  return signal.reason instanceof InterruptedError || !(signal.reason instanceof KindlingError) ? 'interrupted' : 'not started: the run reached its --timeout'
}

/** A failed step as the steps after it name it; a "no" at its question is no failure. */
function endedAt(report: StepReport): string {
  return isDeclined(report.error) ? `you answered no at ${report.title}` : `${report.title} failed`
}
