import { describe, expect, it } from 'vitest'
import type { StepReport } from '../../../bootstrap/engine/run.js'
import type { Step } from '../../../bootstrap/engine/step.js'
import { createReporter } from '../../../bootstrap/ui/reporter.js'

const step = (name: string): Step => ({ name, title: `Step ${name}`, needs: [], check: async () => ({ state: 'done' as const }), plan: () => [] })
const report = (name: string, status: StepReport['status']): StepReport => ({ name, title: `Step ${name}`, status, timings: { total: 1 } })

/** Resolves with 'closed', or 'hung' if close() has not returned within `ms`. */
async function closesWithin(close: Promise<void>, ms: number): Promise<string> {
  return Promise.race([close.then(() => 'closed'), new Promise<string>((resolve) => setTimeout(() => resolve('hung'), ms).unref())])
}

describe('the live task list', () => {
  it('closes when steps finish before the list has drawn them (a fast status run)', async () => {
    const steps = ['preflight', 'cluster', 'status'].map(step)
    const reporter = createReporter(steps, { mode: 'tty', verbose: false, write: () => {}, redact: (text) => text })
    // All at once, before listr2 has started a single task.
    reporter.phaseStarted?.(steps[0]!, 'check')
    reporter.stepFinished?.(steps[0]!, report('preflight', 'failed'))
    reporter.stepFinished?.(steps[1]!, report('cluster', 'blocked'))
    reporter.stepFinished?.(steps[2]!, report('status', 'done'))
    expect(await closesWithin(reporter.close(), 5000)).toBe('closed')
  })

  it('closes when a run ends with steps it never started (interrupted)', async () => {
    const steps = ['preflight', 'cluster'].map(step)
    const reporter = createReporter(steps, { mode: 'tty', verbose: false, write: () => {}, redact: (text) => text })
    reporter.stepFinished?.(steps[0]!, report('preflight', 'applied'))
    expect(await closesWithin(reporter.close(), 5000)).toBe('closed')
  })
})
