import { PrerequisiteError, ExitCode, InterruptedError, exitCodeOf, type ExitCode as ExitCodeValue } from '../engine/errors.js'
import { runSteps, type RunReport } from '../engine/run.js'
import type { RunFlags, Step, StepContext } from '../engine/step.js'
import { loadClusterSpec } from '../spec/load.js'
import { connectKube } from '../steps/connect.js'
import { stepsFor } from '../steps/index.js'
import { newFacts } from '../engine/facts.js'
import { summaryLines } from '../steps/summary.js'
import { DryRunRunner } from '../tools/dry-run-runner.js'
import { ExecRunner } from '../tools/exec-runner.js'
import type { Runner } from '../tools/runner.js'
import { Redactor } from '../tools/secrets.js'
import { formatError, formatPlan, formatTimings } from '../ui/format.js'
import { toJsonReport } from '../ui/json-report.js'
import { createReporter, type OutputMode } from '../ui/reporter.js'
import { parseDuration, parseFlags, type CliFlags, type CommandName } from './args.js'
import { helpText } from './help.js'
import { findRepoRoot, resolveClusterName } from './repo.js'

/** Where a command reads and writes; tests pass their own. */
export interface CliIo {
  stdout: (text: string) => void
  stderr: (text: string) => void
  isTTY: boolean
  cwd: string
  /** Interrupts (Ctrl-C); the entry point wires SIGINT and SIGTERM to it. */
  signal: AbortSignal
  /** Replaces the process Runner (tests). */
  runner?: Runner
}

const DEFAULT_HEALTH_TIMEOUT = '15m'

/**
 * Run one command to completion and return its exit code. The one top-level catch: every error
 * becomes a message (no stack for user errors) and an exit code; nothing here calls process.exit.
 */
export async function runCommand(command: CommandName, argv: readonly string[], io: CliIo): Promise<ExitCodeValue> {
  const redactor = new Redactor()
  const redact = (text: string): string => redactor.redact(text)
  let flags: CliFlags | undefined
  let cluster: string | undefined
  try {
    flags = parseFlags(command, argv)
    if (flags.help) {
      io.stdout(helpText(command))
      return ExitCode.ok
    }
    const repoRoot = findRepoRoot(io.cwd)
    cluster = resolveClusterName(repoRoot, flags.cluster)
    const spec = await loadClusterSpec(repoRoot, cluster)
    const healthTimeoutMs = parseDuration(flags.timeout ?? DEFAULT_HEALTH_TIMEOUT)
    // A run that may ask a question draws plain lines, so the progress display cannot overdraw the prompt.
    const mayAsk = !flags.yes && (command === 'destroy' || flags.recreate)
    const mode: OutputMode = flags.json ? 'json' : io.isTTY && !mayAsk ? 'tty' : 'plain'
    const runFlags: RunFlags = { dryRun: flags.dryRun, yes: flags.yes, recreate: flags.recreate, purge: flags.purge, verbose: flags.verbose }

    const steps = stepsFor(command, spec, { healthTimeoutMs, interactive: io.isTTY && !flags.json })
    const reporter = createReporter(steps, { mode, verbose: flags.verbose, write: io.stdout, redact })
    const realRunner = io.runner ?? new ExecRunner(redactor, (line) => reporter.log(line))
    const runner = flags.dryRun ? new DryRunRunner(realRunner, redactor) : realRunner
    const ctx: StepContext = {
      spec,
      runner,
      kube: memo(() => connectKube(spec, runner, io.signal)),
      log: (line) => reporter.log(line),
      signal: io.signal,
      secrets: redactor,
      flags: runFlags,
      facts: newFacts(),
    }

    const report = await runSteps(steps, ctx, reporter)
    await reporter.close()
    const summary = report.ok && !flags.dryRun ? summaryLines(ctx) : []
    if (mode === 'json') {
      io.stdout(`${JSON.stringify(toJsonReport(command, cluster, report, { summary }, redact), null, 2)}\n`)
    } else {
      if (flags.dryRun) io.stdout(`\n${formatPlan(report, redact)}\n`)
      if (summary.length) io.stdout(`\n${redact(summary.join('\n'))}\n`)
      if (!flags.dryRun) io.stdout(`\n${formatTimings(report)}\n`)
      if (!report.ok) io.stderr(`\n${failureSummary(report, steps, redact)}\n`)
    }
    return reportExitCode(report)
  } catch (error) {
    const code = exitCodeOf(error)
    if (flags?.json) {
      io.stdout(`${JSON.stringify(toJsonReport(command, cluster, undefined, { exitCode: code }, redact, error), null, 2)}\n`)
    } else {
      io.stderr(`${formatError(error, redact).join('\n')}\n`)
      if (code === ExitCode.failed && flags?.verbose && error instanceof Error && error.stack) io.stderr(`${redact(error.stack)}\n`)
    }
    return code
  }
}

/** Interrupted beats missing prerequisites, which beat ordinary failures. */
function reportExitCode(report: RunReport): ExitCodeValue {
  if (report.interrupted) return ExitCode.interrupted
  if (report.ok) return ExitCode.ok
  const codes = report.steps.filter((step) => step.error !== undefined).map((step) => exitCodeOf(step.error))
  if (codes.includes(ExitCode.interrupted)) return ExitCode.interrupted
  if (codes.includes(ExitCode.badInput)) return ExitCode.badInput
  if (codes.includes(ExitCode.missingPrerequisite)) return ExitCode.missingPrerequisite
  return ExitCode.failed
}

function failureSummary(report: RunReport, steps: readonly Step[], redact: (text: string) => string): string {
  const failed = report.steps.filter((step) => step.status === 'failed')
  const lines = failed.flatMap((step) => [`✖ ${step.title}`, ...formatError(step.error, redact).map((line) => `    ${line}`)])
  if (failed.some((step) => step.error instanceof PrerequisiteError || exitCodeOf(step.error) === ExitCode.missingPrerequisite)) {
    lines.push('', 'Nothing was changed. Fix the prerequisites above and run the same command again.')
  } else if (failed.some((step) => step.error instanceof InterruptedError) || report.interrupted) {
    lines.push('', 'Interrupted. Run the same command again to finish: completed steps are skipped.')
  } else if (steps.length > 0) {
    lines.push('', 'Run the same command again after fixing the cause: completed steps are skipped.')
  }
  return lines.join('\n')
}

function memo<T>(factory: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined
  return () => {
    value ??= factory()
    // A failed connection is not remembered: a later step may find the cluster up.
    value.catch(() => {
      value = undefined
    })
    return value
  }
}
