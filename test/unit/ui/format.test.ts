import { describe, expect, it } from 'vitest'
import { PrerequisiteError } from '../../../bootstrap/engine/errors.js'
import type { RunReport, StepReport } from '../../../bootstrap/engine/run.js'
import { formatPlan } from '../../../bootstrap/ui/format.js'

const missingKind = () => new PrerequisiteError('kind is not installed or not on PATH', { details: ['install it: https://kind.sigs.k8s.io'] })
const unknown = (name: string): StepReport => ({
  name,
  title: `Step ${name}`,
  status: 'unknown',
  detail: 'could not check: kind is not installed or not on PATH',
  timings: { total: 1 },
  error: missingKind(),
})

describe('the dry-run plan', () => {
  it('shows a cause and its fix once; later steps it kept from checking point back to it', () => {
    const report: RunReport = { ok: false, dryRun: true, interrupted: false, totalMs: 3, steps: [unknown('cluster'), unknown('engine'), unknown('sync')] }
    const plan = formatPlan(report, (text) => text)
    expect(plan.match(/install it: https:\/\/kind\.sigs\.k8s\.io/g)).toHaveLength(1)
    expect(plan.split('\n').filter((line) => line.includes('fix: see step 1 (the same cause)'))).toHaveLength(2)
  })

  it("says a step's error once when its line already holds the message, and lists what is under it", () => {
    const missing = new PrerequisiteError('2 prerequisites missing', {
      details: ['kind installed: kind is not installed', 'helm installed: helm is not installed'],
    })
    const preflight: StepReport = {
      name: 'preflight',
      title: 'Check prerequisites',
      status: 'would-stop',
      detail: missing.message,
      timings: { total: 1 },
      error: missing,
    }
    const plan = formatPlan({ ok: false, dryRun: true, interrupted: false, totalMs: 1, steps: [preflight] }, (text) => text)
    expect(plan.match(/2 prerequisites missing/g)).toHaveLength(1)
    expect(plan).toContain('kind installed: kind is not installed')
    expect(plan).toContain('helm installed: helm is not installed')
  })
})
