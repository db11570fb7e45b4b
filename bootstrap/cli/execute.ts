import { causeOf, ClusterNotCreatedError, ExitCode, InterruptedError, exitCodeOf, stoppedError, type ExitCode as ExitCodeValue } from '../engine/errors.js'
import { newFacts } from '../engine/facts.js'
import { acquireRunLock } from '../engine/lock.js'
import { blocksRealRun, runSteps, type RunReport, type StepReport } from '../engine/run.js'
import type { RunFlags, Step, StepContext } from '../engine/step.js'
import type { ClusterSpec } from '../spec/load.js'
import { connectKube } from '../steps/connect.js'
import { stepsFor } from '../steps/index.js'
import { clusterNeverCreated } from '../steps/provider/index.js'
import { summaryLines } from '../steps/summary.js'
import { DryRunRunner } from '../tools/dry-run-runner.js'
import { ExecRunner } from '../tools/exec-runner.js'
import { platformFetch } from '../tools/git-host.js'
import type { Redactor } from '../tools/secrets.js'
import { colorEnabled } from '../ui/color.js'
import { formatError, formatPlan, formatTimings } from '../ui/format.js'
import { toJsonReport } from '../ui/json-report.js'
import { comparison, declined, reportsDir, saveRunReport, skippedSteps } from '../ui/run-report.js'
import { createReporter, type OutputMode } from '../ui/reporter.js'
import type { CliFlags, CommandName } from './args.js'
import type { CliIo } from './main.js'

export interface Execution {
  command: CommandName
  cluster: string
  spec: ClusterSpec
  flags: CliFlags
  healthTimeoutMs: number
  /** The run's signal: Ctrl-C, SIGTERM or the `--timeout` deadline. */
  signal: AbortSignal
  /** With --timeout: when waits give up, just before the run's deadline (see StepContext.waitsEndBy). */
  waitsEndBy?: number
  redactor: Redactor
}

/** Run a command's steps with progress, then print the plan, summary, timings or failures it calls for. */
export async function executeCommand(
  { command, cluster, spec, flags, healthTimeoutMs, signal, waitsEndBy, redactor }: Execution,
  io: CliIo,
): Promise<ExitCodeValue> {
  const redact = (text: string): string => redactor.redact(text)
  // status only reads: no lock, no saved report, every part read even when one fails, worded as found.
  const readOnly = command === 'status'
  // A run that may ask a question draws plain lines, so the progress display cannot overdraw the prompt.
  const mayAsk = io.canAsk && !flags.yes && (command === 'destroy' || flags.recreate || (command === 'bootstrap' && !flags.noPush))
  // A terminal that asked for no colour (NO_COLOR) gets plain lines too: no escape codes at all, not even the live display's cursor moves.
  const mode: OutputMode = flags.json ? 'json' : io.isTTY && !mayAsk && colorEnabled(process.env, io.isTTY) ? 'tty' : 'plain'
  const runFlags: RunFlags = {
    dryRun: flags.dryRun,
    yes: flags.yes,
    recreate: flags.recreate,
    purge: flags.purge,
    verbose: flags.verbose,
    noPush: flags.noPush,
  }

  for (const note of unusedKindFlags(spec, flags)) io.stderr(`note: ${note}\n`)
  const steps = stepsFor(command, spec, {
    healthTimeoutMs,
    interactive: io.canAsk && !flags.json,
    // A person at a terminal who asked for JSON is refused for that reason, not told there is no terminal.
    unasked: io.canAsk && flags.json ? 'under --json' : undefined,
  })
  // Until the progress display is drawn (status's first question), --verbose lines go straight to stderr.
  let log = (line: string): void => {
    if (flags.verbose) io.stderr(`${redact(line)}\n`)
  }
  const realRunner = io.runner ?? new ExecRunner(redactor, (line) => log(line))
  const runner = flags.dryRun ? new DryRunRunner(realRunner, redactor) : realRunner
  const facts = newFacts()
  const connect = memo(() => connectKube(spec, runner, signal, redactor))
  const ctx: StepContext = {
    spec,
    runner,
    // A dry run does not ask for a cluster its plan would create first: the answer is known.
    kube: () =>
      flags.dryRun && facts.clusterToCreate
        ? Promise.reject(new ClusterNotCreatedError(`${facts.clusterToCreate} is created first: all of this is still to do`))
        : connect(),
    log: (line) => log(line),
    signal,
    secrets: redactor,
    flags: runFlags,
    facts,
    waitsEndBy,
    env: process.env,
    fetch: platformFetch,
  }

  // status of a cluster never created has nothing to read: one line and the command that creates
  // it, before any progress is drawn. --json still reads every part, with .status.cluster.exists false.
  const neverCreated = readOnly && mode !== 'json' ? await clusterNeverCreated(ctx) : undefined
  if (neverCreated) {
    io.stderr(`${notCreatedLines(neverCreated, redact).join('\n')}\n`)
    return ExitCode.failed
  }

  // Commands that change the cluster hold its lock for the whole run; reading and dry runs need none.
  const lock = !readOnly && !flags.dryRun ? acquireRunLock(spec.name, command) : undefined
  const reporter = createReporter(steps, { mode, verbose: flags.verbose, write: io.stdout, redact, readOnly })
  log = (line) => reporter.log(line)

  let report: RunReport
  try {
    // status only reads: a part that cannot be read (the registry caches) does not hide the rest.
    report = await runSteps(steps, ctx, reporter, { keepGoing: readOnly })
  } finally {
    lock?.release()
  }
  await reporter.close()
  // status shows its view whatever it found; other commands summarise only a run that succeeded.
  const summary = (report.ok || readOnly) && !flags.dryRun ? summaryLines(ctx) : []
  const exitCode = reportExitCode(report, signal)
  // status only reads: nothing it found in place is work a re-run skips.
  const skipped = readOnly ? [] : skippedSteps(report)
  // What a failed run printed last, the fix and what stands, for a script reading --json as well.
  const outcome = report.ok ? undefined : flags.dryRun ? [dryRunVerdict(report)] : failureSummary(command, report, steps, signal, redact).split('\n')
  // The text's blank separator lines are no data.
  const outcomeJson = outcome?.filter(Boolean)
  const extra = { summary, exitCode, outcome: outcomeJson, ...(readOnly ? { status: ctx.facts.status } : { skipped }) }
  const document = toJsonReport(command, cluster, report, extra, redact)
  // Runs that change the cluster leave a report outside Git, compared with the previous one.
  const saved = !readOnly && !flags.dryRun ? saveRunReport(reportsDir(cluster), command, document) : {}
  if (mode === 'json') {
    io.stdout(`${JSON.stringify({ ...document, report: saved.saved?.file, previous: saved.previous }, null, 2)}\n`)
    if (saved.problem) io.stderr(`note: ${redact(saved.problem)}\n`)
  } else {
    if (flags.dryRun) io.stdout(`\n${formatPlan(report, redact)}\n`)
    if (flags.dryRun && outcome) io.stderr(`${outcome.join('\n')}\n`)
    if (summary.length) io.stdout(`\n${redact(summary.join('\n'))}\n`)
    // status is a view of the cluster: how long reading it took is noise unless asked for.
    if (!flags.dryRun && (!readOnly || flags.verbose)) io.stdout(`\n${formatTimings(report)}\n`)
    if (!flags.dryRun && skipped.length) io.stdout(`Already done, skipped: ${skipped.join(', ')}\n`)
    if (saved.saved) io.stdout(`Report: ${saved.saved.file} — ${comparison(command, report, saved.previous)}\n`)
    if (saved.problem) io.stderr(`note: ${redact(saved.problem)}\n`)
    if (!flags.dryRun && outcome) io.stderr(`\n${outcome.join('\n')}\n`)
  }
  return exitCode
}

/** Flags only a kind cluster has use for, given for an existing one: said, not silently dropped. */
export function unusedKindFlags(spec: ClusterSpec, flags: Pick<CliFlags, 'recreate' | 'purge'>): string[] {
  if (spec.provider.type === 'kind') return []
  const notes: string[] = []
  if (flags.recreate) notes.push(`--recreate is for kind clusters; kindling never re-creates an existing cluster (${spec.name}): ignored`)
  if (flags.purge) notes.push(`--purge deletes a kind cluster's registry caches; an existing cluster (${spec.name}) has none: ignored`)
  return notes
}

/** A stopped run (its signal's reason), then interrupts, bad input, missing prerequisites, ordinary failures. */
function reportExitCode(report: RunReport, signal: AbortSignal): ExitCodeValue {
  if (report.interrupted) return exitCodeOf(stoppedError(signal, 'run'))
  if (report.ok) return ExitCode.ok
  // A dry run's code is the real run's, and a real run stops at the first step that would stop it:
  // the steps after it never run, so what their checks found (destroy's question, refused off a
  // terminal, behind a preflight that finds tools missing: exit 2 for the real run's 3) is no part of it.
  const first = report.dryRun ? report.steps.find(blocksRealRun) : undefined
  if (first?.error !== undefined) return exitCodeOf(first.error)
  const codes = report.steps.filter((step) => step.error !== undefined).map((step) => exitCodeOf(step.error))
  if (codes.includes(ExitCode.interrupted)) return ExitCode.interrupted
  if (codes.includes(ExitCode.badInput)) return ExitCode.badInput
  if (codes.includes(ExitCode.missingPrerequisite)) return ExitCode.missingPrerequisite
  return ExitCode.failed
}

/** Why a dry run's verdict is not ok: the steps whose checks would stop a real run, by number in the plan. */
function dryRunVerdict(report: RunReport): string {
  const numbered = report.steps.map((step, index) => ({ step, name: `step ${index + 1} (${step.name})` }))
  const blocking = numbered.filter(({ step }) => blocksRealRun(step)).map(({ name }) => name)
  // A stopped run (Ctrl-C, --timeout) fails the steps it cut short: that is no finding to fix.
  const failed = report.interrupted ? [] : numbered.filter(({ step }) => step.status === 'failed').map(({ name }) => name)
  // Stopped before a step found anything: the plan above is only part of it.
  if (!blocking.length && !failed.length) return 'The dry run stopped before the plan was complete. Nothing was changed.'
  // A real run stops at the first; the later ones often only repeat its cause (a cluster that cannot be reached).
  const [first, ...later] = blocking.length ? blocking : failed
  const also = later.length ? `; ${later.join(', ')} ${later.length === 1 ? 'reports a problem' : 'report problems'} too, often the same one` : ''
  return `A real run would stop now: fix what ${first} of the plan reports, then run it again${also}. Nothing was changed.`
}

/**
 * A failed step's lines in the closing summary. Its error's first line names the step already
 * (`Check prerequisites: 2 prerequisites missing`), so that line heads the block: a title above it
 * would say the step twice, right under the progress line that said it too.
 */
function failedStepLines(step: StepReport, redact: (text: string) => string): string[] {
  const [first = '', ...rest] = formatError(step.error, redact)
  if (!first.startsWith(`${step.title}: `)) return [`✖ ${step.title}`, ...[first, ...rest].map((line) => `    ${line}`)]
  return [`✖ ${first}`, ...rest.map((line) => `  ${line}`)]
}

/**
 * The failed steps with their errors, then what to do next. status only reads: it leaves nothing
 * half done and a re-run skips nothing, so it is told to look again, not to finish.
 */
export function failureSummary(command: CommandName, report: RunReport, steps: readonly Step[], signal: AbortSignal, redact: (text: string) => string): string {
  const readOnly = command === 'status'
  const failed = report.steps.filter((step) => step.status === 'failed')
  // A cluster never created has nothing to show: one line says so and how to create it.
  const notCreated =
    readOnly && !report.interrupted ? failed.map((step) => causeOf(step.error)).find((cause) => cause instanceof ClusterNotCreatedError) : undefined
  if (notCreated) return notCreatedLines(notCreated, redact).join('\n')
  const lines = failed.flatMap((step) => failedStepLines(step, redact))
  // A "no" at a question needs no fix: say what stands, and the way to go ahead is in its details.
  if (declined(report)) {
    // Every question comes before the change it asks about, so only the steps that applied count.
    const changed = report.steps.some((step) => step.status === 'applied')
    lines.push('', changed ? 'Stopped where you answered no; what was done before it stays.' : 'Stopped where you answered no. Nothing was changed.')
    return lines.join('\n')
  }
  if (report.interrupted) {
    const reason = stoppedError(signal, 'run')
    const unfinished = report.steps.filter((step) => step.status === 'failed' || step.status === 'cancelled' || step.status === 'blocked')
    lines.push('', reason instanceof InterruptedError ? `Stopped (${reason.signal}).` : `Stopped: ${reason.message.replace(/^run: /, '')}.`)
    if (unfinished.length) lines.push(readOnly ? 'Not checked:' : 'Left unfinished:', ...unfinished.map((step) => `  - ${step.title}`))
    lines.push(readOnly ? 'status changed nothing; run it again to check everything.' : 'Run the same command again to finish: completed steps are skipped.')
  } else if (
    failed.length > 0 &&
    !mayHaveChanged(report) &&
    failed.every((step) => [ExitCode.missingPrerequisite, ExitCode.badInput].includes(exitCodeOf(step.error) as 2 | 3))
  ) {
    // Refused before anything changed: a missing tool, or an answer a shell cannot give.
    const what = failed.every((step) => exitCodeOf(step.error) === ExitCode.missingPrerequisite) ? 'the prerequisites above' : 'what is listed above'
    lines.push('', readOnly ? `status changed nothing. Fix ${what}, then run it again.` : `Nothing was changed. Fix ${what} and run the same command again.`)
  } else if (failed.some((step) => step.error instanceof InterruptedError)) {
    lines.push(
      '',
      readOnly
        ? 'Interrupted. status changed nothing; run it again to check everything.'
        : 'Interrupted. Run the same command again to finish: completed steps are skipped.',
    )
  } else if (steps.length > 0) {
    lines.push(
      '',
      readOnly
        ? 'status changed nothing. Fix what is listed above, then run it again to check.'
        : 'Run the same command again after fixing the cause: completed steps are skipped.',
    )
  }
  return lines.join('\n')
}

/**
 * Whether the run may have changed something: a step that applied its work, or one that failed
 * once its apply had begun (kind created the cluster, then reading its kubeconfig failed).
 */
function mayHaveChanged(report: RunReport): boolean {
  return report.steps.some((step) => step.status === 'applied' || (step.status === 'failed' && step.timings.apply !== undefined))
}

/** A cluster never created, as status says it: one line, then the command that creates it. */
function notCreatedLines(error: ClusterNotCreatedError, redact: (text: string) => string): string[] {
  const [message, ...details] = formatError(error, redact)
  return [`✖ ${message}`, ...details.map((line) => `  ${line}`)]
}

/** `factory`'s promise, shared by every call until one fails. */
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
