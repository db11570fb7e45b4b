import { Listr } from 'listr2'
import type { Phase, RunObserver, StepReport } from '../engine/run.js'
import type { Step } from '../engine/step.js'
import { formatError, formatStepLine } from './format.js'

export type OutputMode = 'tty' | 'plain' | 'json'

/** Shows progress while steps run; `close` waits for the display to settle. */
export interface Reporter extends RunObserver {
  log(line: string): void
  close(): Promise<void>
}

export interface ReporterOptions {
  mode: OutputMode
  verbose: boolean
  write: (text: string) => void
  redact: (text: string) => string
  /** The command only reads (`status`): steps are worded as what they found, not as work done. */
  readOnly?: boolean
}

/** Pick the renderer once, from the output mode: listr2 on a TTY, plain lines otherwise, silent for JSON. */
export function createReporter(steps: readonly Step[], options: ReporterOptions): Reporter {
  if (options.mode === 'json') return { log: () => {}, close: async () => {} }
  if (options.mode === 'plain') return plainReporter(options)
  return listrReporter(steps, options)
}

function plainReporter({ write, redact, verbose, readOnly }: ReporterOptions): Reporter {
  return {
    stepStarted: (step) => write(`▶ ${step.title}\n`),
    phaseStarted: (step, phase) => {
      if (verbose) write(`  ${step.name}: ${phase}\n`)
    },
    // The full error (every hint and detail) is printed once, at the end: in the plan or the failure summary.
    stepFinished: (_step, report) => {
      write(`${redact(formatStepLine(report, { readOnly }))}\n`)
      if (report.status === 'failed' && report.error) write(`    ${formatError(report.error, redact)[0]}\n`)
    },
    log: (line) => {
      if (verbose) write(`  ${redact(line)}\n`)
    },
    close: async () => {},
  }
}

const PHASE_WORD: Record<Phase, string> = { check: 'checking', plan: 'planning', apply: 'applying', verify: 'waiting until healthy' }

/** close() waits at most this long for the list to draw its last frame. */
const CLOSE_DEADLINE_MS = 2000

/**
 * listr2 draws one line per step; our engine decides order and concurrency, and each listr2 task
 * just mirrors its step's state. listr2 starts its tasks a moment after the run starts, so what
 * the engine reports is kept per step and read by the task whenever it starts: a step that
 * finishes first (a fast check) is shown finished, never left spinning.
 */
function listrReporter(steps: readonly Step[], { redact, verbose, readOnly }: ReporterOptions): Reporter {
  const finished = new Map<string, (report: StepReport | undefined) => void>()
  const reports = new Map(steps.map((step) => [step.name, new Promise<StepReport | undefined>((resolve) => finished.set(step.name, resolve))] as const))
  const phases = new Map<string, string>()
  const outputs = new Map<string, (text: string) => void>()
  const list = new Listr(
    steps.map((step) => ({
      title: step.title,
      task: async (_ctx: unknown, task: { title: string; output: string; skip(message?: string): void }) => {
        outputs.set(step.name, (text) => {
          task.output = redact(text)
        })
        const phase = phases.get(step.name)
        if (phase) task.output = redact(phase)
        const report = await reports.get(step.name)!
        if (!report) return task.skip(`${step.title}: not run`)
        task.title = redact(formatStepLine(report, { readOnly }).replace(/^\S+ /, ''))
        if (report.status === 'failed') throw new Error(formatError(report.error, redact)[0])
        // Not ticked: a dry run's "to do", "state unknown" and "would stop a real run" are not done.
        if (['blocked', 'cancelled', 'planned', 'unknown', 'would-stop'].includes(report.status)) task.skip(task.title)
      },
    })),
    { concurrent: true, exitOnError: false, rendererOptions: { collapseErrors: false, showErrorMessage: true }, registerSignalListeners: false },
  )
  const running = list.run().catch(() => {})
  return {
    phaseStarted: (step, phase) => {
      phases.set(step.name, PHASE_WORD[phase])
      outputs.get(step.name)?.(PHASE_WORD[phase])
    },
    stepFinished: (step, report) => finished.get(step.name)?.(report),
    log: (line) => {
      if (verbose) process.stderr.write(`${redact(line)}\n`)
    },
    close: async () => {
      // Steps the run never reached end as "not run"; a renderer that still does not finish is left behind.
      for (const settle of finished.values()) settle(undefined)
      await Promise.race([running, new Promise((resolve) => setTimeout(resolve, CLOSE_DEADLINE_MS).unref())])
    },
  }
}
