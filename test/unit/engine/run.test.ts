import { describe, expect, it } from 'vitest'
import { ExitCode, exitCodeOf, HealthError, InterruptedError, PrerequisiteError, RefusalError, TimeoutError } from '../../../bootstrap/engine/errors.js'
import { blocksRealRun, criticalPathMs, orderSteps, runSteps, STOP_GRACE_MS, type RunReport } from '../../../bootstrap/engine/run.js'
import type { Action, CheckResult, Step, StepContext } from '../../../bootstrap/engine/step.js'
import { formatStepLine } from '../../../bootstrap/ui/format.js'
import { testContext } from '../support/context.js'

interface Probe {
  applied: string[]
  events: string[]
}

/** A step whose phases record what ran; `state` is flipped to done once applied, like a real system. */
function step(
  name: string,
  needs: string[],
  probe: Probe,
  options: { done?: boolean; applyFails?: boolean; verifyFails?: boolean; checkFails?: boolean; applyMs?: number } = {},
): Step {
  let done = options.done ?? false
  return {
    name,
    title: `Step ${name}`,
    needs,
    async check(): Promise<CheckResult> {
      if (options.checkFails) throw new PrerequisiteError(`${name}: tool missing`)
      return done ? { state: 'done', detail: 'already there' } : { state: 'todo' }
    },
    plan: (): Action[] => [{ type: 'note', text: `would do ${name}` }],
    async apply() {
      probe.events.push(`start ${name}`)
      await new Promise((resolve) => setTimeout(resolve, options.applyMs ?? 5))
      probe.events.push(`end ${name}`)
      if (options.applyFails) throw new Error(`${name} broke`)
      probe.applied.push(name)
      done = true
    },
    async verify() {
      if (options.verifyFails) throw new HealthError(`${name} is not healthy`)
    },
  }
}

const newProbe = (): Probe => ({ applied: [], events: [] })

describe('step engine', () => {
  it('orders steps after everything they need', () => {
    const probe = newProbe()
    const ordered = orderSteps([step('c', ['b'], probe), step('b', ['a'], probe), step('a', [], probe)])
    expect(ordered.map((s) => s.name)).toEqual(['a', 'b', 'c'])
  })

  it('rejects cycles and unknown needs', () => {
    const probe = newProbe()
    expect(() => orderSteps([step('a', ['b'], probe), step('b', ['a'], probe)])).toThrow(/cycle: a -> b -> a/)
    expect(() => orderSteps([step('a', ['x'], probe)])).toThrow(/unknown step x/)
  })

  it('runs independent steps concurrently and dependent ones after', async () => {
    const probe = newProbe()
    const steps = [
      step('root', [], probe),
      step('left', ['root'], probe, { applyMs: 30 }),
      step('right', ['root'], probe, { applyMs: 30 }),
      step('join', ['left', 'right'], probe),
    ]
    const report = await runSteps(steps, testContext())
    expect(report.ok).toBe(true)
    expect(probe.events.slice(0, 2)).toEqual(['start root', 'end root'])
    // Both branches start before either ends.
    expect(probe.events.slice(2, 4).sort()).toEqual(['start left', 'start right'])
    expect(probe.events.slice(-2)).toEqual(['start join', 'end join'])
  })

  it('skips a step whose check says done, and a second run changes nothing', async () => {
    const probe = newProbe()
    const steps = [step('a', [], probe), step('b', ['a'], probe, { done: true })]
    const first = await runSteps(steps, testContext())
    expect(first.steps.map((s) => s.status)).toEqual(['applied', 'done'])
    const second = await runSteps(steps, testContext())
    expect(second.steps.map((s) => s.status)).toEqual(['done', 'done'])
    expect(probe.applied).toEqual(['a'])
  })

  it('records per-step timings for each phase that ran', async () => {
    const report = await runSteps([step('a', [], newProbe(), { applyMs: 20 })], testContext())
    const timings = report.steps[0]!.timings
    expect(Object.keys(timings).sort()).toEqual(['apply', 'check', 'plan', 'total', 'verify'])
    expect(timings.apply).toBeGreaterThanOrEqual(15)
    expect(timings.total).toBeGreaterThanOrEqual(timings.apply!)
  })

  it('stops starting changes after the first failed change', async () => {
    const probe = newProbe()
    const steps = [step('a', [], probe, { applyFails: true, applyMs: 1 }), step('slow', [], probe, { applyMs: 30 }), step('after', ['slow'], probe)]
    const report = await runSteps(steps, testContext())
    expect(report.ok).toBe(false)
    expect(report.steps.map((s) => [s.name, s.status])).toEqual([
      ['a', 'failed'],
      ['slow', 'applied'],
      ['after', 'cancelled'],
    ])
    expect(probe.applied).toEqual(['slow'])
  })

  it('a step a failed step needs names that one as its cause, whichever independent step failed first', async () => {
    const probe = newProbe()
    const steps = [
      step('fast', [], probe, { applyFails: true, applyMs: 1 }),
      step('slow', [], probe, { applyFails: true, applyMs: 30 }),
      step('after-slow', ['slow'], probe),
      step('after-that', ['after-slow'], probe),
    ]
    const report = await runSteps(steps, testContext())
    expect(report.steps.map((s) => [s.name, s.status, s.detail])).toEqual([
      ['fast', 'failed', undefined],
      ['slow', 'failed', undefined],
      ['after-slow', 'cancelled', 'Step slow failed'],
      ['after-that', 'cancelled', 'Step slow failed'],
    ])
  })

  it('collects health failures and only blocks the steps that need them', async () => {
    const probe = newProbe()
    const steps = [
      step('x', [], probe, { verifyFails: true }),
      step('y', [], probe, { verifyFails: true }),
      step('z', [], probe),
      step('needs-x', ['x'], probe),
    ]
    const report = await runSteps(steps, testContext())
    expect(report.steps.map((s) => [s.name, s.status])).toEqual([
      ['x', 'failed'],
      ['y', 'failed'],
      ['z', 'applied'],
      ['needs-x', 'blocked'],
    ])
    expect(report.steps.filter((s) => s.error).map((s) => (s.error as Error).message)).toEqual(['Step x: x is not healthy', 'Step y: y is not healthy'])
  })

  it('after applying, says what the step did rather than what its check found missing', async () => {
    const said = (result: CheckResult): Step => ({ ...step('a', [], newProbe()), check: async () => result })
    const run = async (result: CheckResult) => (await runSteps([said(result)], testContext())).steps[0]!
    expect(formatStepLine(await run({ state: 'todo', detail: 'a does not exist', did: 'created a' }))).toMatch(/^✔ Step a: done — created a/)
    // A step that cannot say what it did says only that it is done: what was missing is no longer true.
    expect(formatStepLine(await run({ state: 'todo', detail: 'a does not exist' }))).toMatch(/^✔ Step a: done( \(|$)/)
    // Nothing was needed in the first place: the verdict, not "up to date".
    expect(formatStepLine(await run({ state: 'done', verdict: 'passed', detail: '3 checks' }))).toMatch(/^✔ Step a: passed — 3 checks/)
  })

  it('dry run checks and plans but never applies', async () => {
    const probe = newProbe()
    const steps = [step('a', [], probe), step('b', ['a'], probe, { done: true }), step('c', ['a'], probe, { checkFails: true })]
    const report = await runSteps(steps, testContext({ flags: { dryRun: true } }))
    expect(probe.events).toEqual([])
    expect(report.steps.map((s) => [s.name, s.status, s.actions?.length])).toEqual([
      ['a', 'planned', 1],
      ['b', 'done', 0],
      ['c', 'unknown', 1],
    ])
    expect(report.steps[2]!.detail).toMatch(/could not check: c: tool missing/)
    // The verdict is the real run's: a missing prerequisite would stop it.
    expect(report.ok).toBe(false)
    expect(blocksRealRun(report.steps[2]!)).toBe(true)
  })

  it('a dry run says a step that needs nothing found a blocker, and that the steps after it could not check', async () => {
    const probe = newProbe()
    const steps = [step('preflight', [], probe, { checkFails: true }), step('cluster', ['preflight'], probe, { checkFails: true })]
    const report = await runSteps(steps, testContext({ flags: { dryRun: true } }))
    expect(report.steps.map((s) => [s.name, s.status, s.detail])).toEqual([
      ['preflight', 'would-stop', 'preflight: tool missing'],
      ['cluster', 'unknown', 'could not check: cluster: tool missing'],
    ])
    expect(formatStepLine(report.steps[0]!)).toMatch(/✖ Step preflight: would stop a real run — preflight: tool missing/)
    expect(formatStepLine(report.steps[1]!)).toMatch(/\? Step cluster: to do \(state unknown\) — could not check/)
    expect(report.ok).toBe(false)
  })

  it('a dry run says any step whose check refuses to go on (a question it cannot ask) would stop a real run', async () => {
    const probe = newProbe()
    const refuses: Step = {
      ...step('confirm', ['preflight'], probe),
      check: () => Promise.reject(new RefusalError('refusing to destroy without --yes in a non-interactive shell')),
    }
    const report = await runSteps([step('preflight', [], probe), refuses], testContext({ flags: { dryRun: true } }))
    expect(formatStepLine(report.steps[1]!)).toMatch(/^✖ Step confirm: would stop a real run — refusing to destroy without --yes/)
    expect(report.ok).toBe(false)
  })

  it('a dry run whose checks cannot ask a cluster that does not exist yet is still ok', async () => {
    const noCluster: Step = { ...step('a', [], newProbe()), check: async () => Promise.reject(new Error('no such cluster yet')) }
    const report = await runSteps([noCluster], testContext({ flags: { dryRun: true } }))
    expect(report.steps[0]!.status).toBe('unknown')
    expect(report.ok).toBe(true)
  })

  it('a dry run whose plan needs what is missing (a token not set) marks that step unknown and still plans the steps after it', async () => {
    const probe = newProbe()
    const needsToken: Step = {
      ...step('credentials', [], probe),
      plan: () => Promise.reject(new PrerequisiteError('environment variable LAB_TOKEN is not set')),
    }
    const report = await runSteps([needsToken, step('sync', ['credentials'], probe)], testContext({ flags: { dryRun: true } }))
    expect(report.steps.map((s) => [s.name, s.status, s.detail])).toEqual([
      ['credentials', 'unknown', 'could not plan: environment variable LAB_TOKEN is not set'],
      ['sync', 'planned', undefined],
    ])
    expect(report.steps[1]!.actions).toEqual([{ type: 'note', text: 'would do sync' }])
    // The real run would stop there: the verdict says so.
    expect(report.ok).toBe(false)
    expect(exitCodeOf(report.steps[0]!.error)).toBe(ExitCode.missingPrerequisite)
  })

  it('a command that only reads keeps going after a failure: only the steps that need the failed one are blocked', async () => {
    const probe = newProbe()
    const steps = [
      step('caches', [], probe, { applyFails: true }),
      step('cluster', [], probe, { applyMs: 20 }),
      step('sync', ['cluster'], probe),
      step('after', ['caches'], probe),
    ]
    const stopped = await runSteps(steps, testContext())
    expect(stopped.steps.map((s) => s.status)).toEqual(['failed', 'applied', 'cancelled', 'cancelled'])
    const kept = await runSteps(
      [
        step('caches', [], newProbe(), { applyFails: true }),
        step('cluster', [], newProbe(), { applyMs: 20 }),
        step('sync', ['cluster'], newProbe()),
        step('after', ['caches'], newProbe()),
        step('last', ['after'], newProbe()),
      ],
      testContext(),
      {},
      { keepGoing: true },
    )
    expect(kept.steps.map((s) => [s.name, s.status, s.detail])).toEqual([
      ['caches', 'failed', undefined],
      ['cluster', 'applied', undefined],
      ['sync', 'applied', undefined],
      ['after', 'blocked', 'needs Step caches, which has a problem'],
      // What was never looked at is said so, not counted as a second problem.
      ['last', 'blocked', 'needs Step after, which was not checked'],
    ])
    expect(kept.ok).toBe(false)
  })

  it('a command that only reads goes on past a part it read and found unhealthy: what needs it is still read', async () => {
    const unhealthy: Step = { ...step('cluster', [], newProbe()), check: () => Promise.reject(new HealthError('nodes not Ready: b')) }
    const unreadable: Step = { ...step('caches', [], newProbe()), check: () => Promise.reject(new Error('cannot read the caches')) }
    const kept = await runSteps(
      [unhealthy, unreadable, step('sync', ['cluster'], newProbe(), { done: true }), step('after', ['caches'], newProbe())],
      testContext(),
      {},
      {
        keepGoing: true,
      },
    )
    expect(kept.steps.map((s) => [s.name, s.status])).toEqual([
      ['cluster', 'failed'],
      ['caches', 'failed'],
      ['sync', 'done'],
      ['after', 'blocked'],
    ])
    expect(kept.ok).toBe(false)
  })

  it('a failed check outside a dry run keeps its exit code (missing prerequisite: 3)', async () => {
    const report = await runSteps([step('a', [], newProbe(), { checkFails: true }), step('b', ['a'], newProbe())], testContext())
    expect(report.steps.map((s) => s.status)).toEqual(['failed', 'cancelled'])
    expect(exitCodeOf(report.steps[0]!.error)).toBe(ExitCode.missingPrerequisite)
  })

  it('an interrupt cancels what has not started and reports it', async () => {
    const controller = new AbortController()
    const probe = newProbe()
    const interrupting: Step = {
      ...step('a', [], probe),
      async apply(ctx: StepContext) {
        controller.abort()
        ctx.signal.throwIfAborted()
      },
    }
    const report = await runSteps([interrupting, step('b', ['a'], probe)], testContext({ signal: controller.signal }))
    expect(report.interrupted).toBe(true)
    expect(report.steps.map((s) => s.status)).toEqual(['failed', 'cancelled'])
    expect(probe.applied).toEqual([])
  })

  it('leaves behind a step that ignores the interrupt after the grace period: SIGTERM stays 143', async () => {
    const controller = new AbortController()
    const hanging: Step = { ...step('a', [], newProbe()), apply: () => new Promise<void>(() => {}) }
    setTimeout(() => controller.abort(new InterruptedError('interrupted', 'SIGTERM')), 50)
    const started = performance.now()
    const report = await runSteps([hanging, step('b', ['a'], newProbe())], testContext({ signal: controller.signal }))
    expect(performance.now() - started).toBeLessThan(50 + STOP_GRACE_MS + 1000)
    expect(report.interrupted).toBe(true)
    expect(report.steps.map((s) => s.status)).toEqual(['failed', 'cancelled'])
    expect(exitCodeOf(report.steps[0]!.error)).toBe(ExitCode.terminated)
  })

  it('a run stopped at its deadline reports a timeout, not an interrupt', async () => {
    const controller = new AbortController()
    const hanging: Step = { ...step('a', [], newProbe()), apply: () => new Promise<void>(() => {}) }
    setTimeout(() => controller.abort(new TimeoutError('the run did not finish within --timeout 1s')), 20)
    const report = await runSteps([hanging, step('b', ['a'], newProbe())], testContext({ signal: controller.signal }))
    expect(report.steps[0]!.error).toBeInstanceOf(TimeoutError)
    expect(String(report.steps[0]!.error)).toContain('--timeout 1s')
    expect(report.steps[1]!.detail).toContain('--timeout')
  })

  it('keeps an interrupt an interrupt through the step wrapper', async () => {
    const failing: Step = { ...step('a', [], newProbe()), apply: async () => Promise.reject(new InterruptedError()) }
    const report = await runSteps([failing], testContext())
    expect(exitCodeOf(report.steps[0]!.error)).toBe(ExitCode.interrupted)
  })

  it('measures the critical path: the longest chain of step durations through the graph', () => {
    const probe = newProbe()
    const steps = [step('a', [], probe), step('b', ['a'], probe), step('c', ['a'], probe), step('d', ['b', 'c'], probe)]
    const timed = (name: string, total: number) => ({ name, title: name, status: 'applied' as const, timings: { total } })
    const report: RunReport = {
      ok: true,
      dryRun: false,
      interrupted: false,
      totalMs: 100,
      steps: [timed('a', 10), timed('b', 50), timed('c', 20), timed('d', 5)],
    }
    expect(criticalPathMs(steps, report)).toBe(65)
  })
})
