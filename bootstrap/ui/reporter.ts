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
}

/** Pick the renderer once, from the output mode: listr2 on a TTY, plain lines otherwise, silent for JSON. */
export function createReporter(steps: readonly Step[], options: ReporterOptions): Reporter {
  if (options.mode === 'json') return { log: () => {}, close: async () => {} }
  if (options.mode === 'plain') return plainReporter(options)
  return listrReporter(steps, options)
}

function plainReporter({ write, redact, verbose }: ReporterOptions): Reporter {
  return {
    stepStarted: (step) => write(`▶ ${step.title}\n`),
    phaseStarted: (step, phase) => {
      if (verbose) write(`  ${step.name}: ${phase}\n`)
    },
    // The full error (every hint and detail) is printed once, at the end: in the plan or the failure summary.
    stepFinished: (_step, report) => {
      write(`${redact(formatStepLine(report))}\n`)
      if (report.status === 'failed' && report.error) write(`    ${formatError(report.error, redact)[0]}\n`)
    },
    log: (line) => {
      if (verbose) write(`  ${redact(line)}\n`)
    },
    close: async () => {},
  }
}

const PHASE_WORD: Record<Phase, string> = { check: 'checking', plan: 'planning', apply: 'applying', verify: 'waiting until healthy' }

/**
 * listr2 draws one line per step; our engine decides order and concurrency, and each listr2 task
 * just mirrors its step's state through a promise the engine settles.
 */
function listrReporter(steps: readonly Step[], { redact, verbose }: ReporterOptions): Reporter {
  const settle = new Map<string, (report: StepReport) => void>()
  const outputs = new Map<string, (text: string) => void>()
  const list = new Listr(
    steps.map((step) => ({
      title: step.title,
      task: (_ctx: unknown, task: { title: string; output: string; skip(message?: string): void }) =>
        new Promise<void>((resolve, reject) => {
          outputs.set(step.name, (text) => {
            task.output = redact(text)
          })
          settle.set(step.name, (report) => {
            task.title = redact(formatStepLine(report).replace(/^\S+ /, ''))
            if (report.status === 'failed') reject(new Error(formatError(report.error, redact)[0]))
            else if (report.status === 'blocked' || report.status === 'cancelled' || report.status === 'planned' || report.status === 'unknown') {
              // Not ticked: a dry run's "to do" and "state unknown" are not done.
              task.skip(task.title)
              resolve()
            } else resolve()
          })
        }),
    })),
    { concurrent: true, exitOnError: false, rendererOptions: { collapseErrors: false, showErrorMessage: true }, registerSignalListeners: false },
  )
  const running = list.run().catch(() => {})
  return {
    phaseStarted: (step, phase) => outputs.get(step.name)?.(PHASE_WORD[phase]),
    stepFinished: (step, report) => settle.get(step.name)?.(report),
    log: (line) => {
      if (verbose) process.stderr.write(`${redact(line)}\n`)
    },
    close: async () => {
      await running
    },
  }
}
