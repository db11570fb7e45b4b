import { color } from './color.js'
import { describeAction } from '../engine/actions.js'
import { describeWaits } from '../engine/waits.js'
import { errorMessage, isDeclined, KindlingError } from '../engine/errors.js'
import type { RunReport, StepReport, StepStatus } from '../engine/run.js'

const SYMBOL: Record<StepStatus, string> = {
  done: color.green('✔'),
  applied: color.green('✔'),
  planned: color.cyan('○'),
  unknown: color.yellow('?'),
  'would-stop': color.red('✖'),
  failed: color.red('✖'),
  blocked: color.gray('↷'),
  cancelled: color.gray('↷'),
}

const WORD: Record<StepStatus, string> = {
  done: 'up to date',
  applied: 'done',
  planned: 'to do',
  unknown: 'to do (state unknown)',
  'would-stop': 'would stop a real run',
  failed: 'failed',
  blocked: 'blocked',
  cancelled: 'cancelled',
}

/** `status` only reads: what a step found is "ok" or "a problem", and what it could not reach is "not checked". */
const READ_ONLY_WORD: Partial<Record<StepStatus, string>> = {
  done: 'ok',
  failed: 'problem found',
  blocked: 'not checked',
  cancelled: 'not checked',
}

export interface StepLineOptions {
  /** Worded for a command that only reads (`status`), not one that changes the cluster. */
  readOnly?: boolean
}

/**
 * A step that had no work in the first place says so ("passed", "nothing to delete") rather than
 * "up to date"; status keeps its three words for every part.
 */
function statusWord(report: StepReport, options: StepLineOptions = {}): string {
  // Answering no is a choice: it ends the run (exit 2) but nothing broke.
  if (report.status === 'failed' && isDeclined(report.error)) return 'declined'
  if (options.readOnly) return READ_ONLY_WORD[report.status] ?? WORD[report.status]
  return report.status === 'done' && report.verdict ? report.verdict : WORD[report.status]
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`
}

/** One line per finished step: symbol, name, what happened, how long. */
export function formatStepLine(report: StepReport, options: StepLineOptions = {}): string {
  const detail = report.detail ? ` — ${report.detail}` : ''
  const time = report.timings.total > 0 ? color.gray(` (${seconds(report.timings.total)})`) : ''
  return `${SYMBOL[report.status]} ${report.title}: ${statusWord(report, options)}${detail}${time}`
}

/** The error of a failed step and every detail line under it (hints, problems, events). */
export function formatError(error: unknown, redact: (text: string) => string): string[] {
  const lines = [errorMessage(error)]
  let cursor: unknown = error
  const seen = new Set<unknown>()
  while (cursor instanceof KindlingError && !seen.has(cursor)) {
    seen.add(cursor)
    lines.push(...cursor.details.map((detail) => indent(detail, '  ')))
    cursor = cursor.cause
  }
  // One entry per printed line, so callers can indent every line of a multi-line detail.
  return [...new Set(lines)].flatMap((line) => redact(line).split('\n'))
}

/** The dry-run plan: every step in order, with the exact commands and manifests it would use. */
export function formatPlan(report: RunReport, redact: (text: string) => string): string {
  const out: string[] = [color.bold('Plan (dry run: nothing was changed)'), '']
  // Where a cause was first shown with its fix: later steps it also kept from checking point there.
  const shownAt = new Map<string, number>()
  report.steps.forEach((step, index) => {
    out.push(
      // The detail after a dash, as on the step's line: it may hold parentheses of its own.
      `${index + 1}. ${SYMBOL[step.status]} ${color.bold(step.name)} — ${step.title}: ${statusWord(step)}${step.detail ? ` — ${redact(step.detail)}` : ''}`,
    )
    for (const action of step.actions ?? []) {
      out.push(indent(describeAction(action, redact), '     '))
    }
    for (const wait of describeWaits(step.waits ?? [])) out.push(indent(`then ${redact(wait)}`, '     '))
    if (step.error) {
      const lines = formatError(step.error, redact)
      const key = lines.join('\n')
      const first = shownAt.get(key)
      if (first === undefined) shownAt.set(key, index + 1)
      // The step's line already says the error's message when it is the step's detail (preflight's "2 prerequisites missing").
      const details = step.detail !== undefined && redact(step.detail) === lines[0] ? lines.slice(1) : lines
      out.push(...(first === undefined ? details : [`fix: see step ${first} (the same cause)`]).map((line) => `     ${color.red(line)}`))
    }
    out.push('')
  })
  return out.join('\n')
}

/** Per-step timings, slowest first, for the end of a run. */
export function formatTimings(report: RunReport): string {
  const rows = report.steps.filter((step) => step.timings.total > 0).sort((a, b) => b.timings.total - a.timings.total)
  const lines = rows.map((step) => {
    const phases = (['check', 'plan', 'apply', 'verify'] as const)
      .filter((phase) => step.timings[phase] !== undefined)
      .map((phase) => `${phase} ${seconds(step.timings[phase]!)}`)
      .join(', ')
    return `  ${step.name.padEnd(18)} ${seconds(step.timings.total).padStart(7)}  ${color.gray(phases)}`
  })
  return [`Timings (total ${seconds(report.totalMs)}):`, ...lines].join('\n')
}

function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((line) => (line ? prefix + line : line))
    .join('\n')
}
