import { setMaxListeners } from 'node:events'
import { ExitCode, TimeoutError, exitCodeOf, type ExitCode as ExitCodeValue } from '../engine/errors.js'
import type { Runner } from '../tools/runner.js'
import { usableStateDir } from '../state.js'
import { Redactor } from '../tools/secrets.js'
import { parseDuration, parseFlags, type CliFlags, type CommandName } from './args.js'
import { folderGoneError } from './cwd.js'
import { helpText } from './help.js'
import { findRepoRoot, resolveClusterName } from './repo.js'

/** Where a command reads and writes; tests pass their own. */
export interface CliIo {
  stdout: (text: string) => void
  stderr: (text: string) => void
  /** stdout is a terminal: the live progress display and colours may be drawn there. */
  isTTY: boolean
  /** A person can answer questions (stdin and stderr on a terminal, not CI): see personCanAnswer. */
  canAsk: boolean
  /** The folder the command runs in; undefined when it was deleted or moved away (refused after --help). */
  cwd: string | undefined
  /** Interrupts (Ctrl-C); the entry point wires SIGINT and SIGTERM to it. */
  signal: AbortSignal
  /** Replaces the process Runner (tests). */
  runner?: Runner
}

const DEFAULT_HEALTH_TIMEOUT_MS = 15 * 60_000
const RUN_LISTENERS = 1000

/**
 * Run one command to completion and return its exit code. The one top-level catch: every error
 * becomes a message (no stack for user errors) and an exit code; nothing here calls process.exit.
 */
export async function runCommand(command: CommandName, argv: readonly string[], io: CliIo): Promise<ExitCodeValue> {
  const redactor = new Redactor()
  const redact = (text: string): string => redactor.redact(text)
  let flags: CliFlags | undefined
  let cluster: string | undefined
  let signal = io.signal
  try {
    flags = parseFlags(command, argv)
    if (flags.help) {
      io.stdout(helpText(command))
      return ExitCode.ok
    }
    if (io.cwd === undefined) throw folderGoneError()
    const repoRoot = findRepoRoot(io.cwd)
    cluster = resolveClusterName(repoRoot, flags.cluster)
    // Loaded on demand, like everything after flag parsing: `--help` needs none of it.
    const { loadClusterSpec } = await import('../spec/load.js')
    const spec = await loadClusterSpec(repoRoot, cluster)
    const { checkSecretVariables, registerSecretVariables } = await import('../steps/secret-values.js')
    registerSecretVariables(spec, process.env, redactor)
    // destroy reads no secret: a bad one must not stand in the way of removing the cluster; status
    // reads the branch with the token, and only bootstrap hands a password on.
    if (command !== 'destroy') checkSecretVariables(spec, process.env, { readsPasswords: command === 'bootstrap' })
    // Runs that change the cluster keep a lock and a report: a place they cannot use stops a dry run too.
    if (command !== 'status') usableStateDir(repoRoot, process.env, cluster)
    if (command === 'bootstrap') (await import('../steps/spec-files.js')).assertKeysOutsideRepository(spec)
    const runTimeoutMs = flags.timeout === undefined ? undefined : parseDuration(flags.timeout)
    const healthTimeoutMs = runTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS
    signal = runSignal(io.signal, runTimeoutMs, flags.timeout)
    const waitsEndBy = runTimeoutMs === undefined ? undefined : Date.now() + runTimeoutMs - explainMargin(runTimeoutMs)
    // Every step, command and API request listens for the stop at once (dozens in a dry run):
    // Node's leak warning at 11 listeners would be noise on stderr, not a leak.
    setMaxListeners(RUN_LISTENERS, signal)
    // The steps, the API client and the progress display load only now: help, flag and spec errors answer without them.
    const { executeCommand } = await import('./execute.js')
    return await executeCommand({ command, cluster, spec, flags, healthTimeoutMs, signal, waitsEndBy, redactor }, io)
  } catch (error) {
    const code = exitCodeOf(error)
    const [{ formatError }, { toJsonReport }] = await Promise.all([import('../ui/format.js'), import('../ui/json-report.js')])
    // A flag error still answers a script that asked for JSON (`--json` given, whatever else was wrong).
    if (flags?.json ?? argv.includes('--json')) {
      const dryRun = flags?.dryRun ?? argv.includes('--dry-run')
      io.stdout(`${JSON.stringify(toJsonReport(command, cluster, undefined, { exitCode: code, dryRun }, redact, error), null, 2)}\n`)
    } else {
      io.stderr(`${formatError(error, redact).join('\n')}\n`)
      if (code === ExitCode.failed && flags?.verbose && error instanceof Error && error.stack) io.stderr(`${redact(error.stack)}\n`)
    }
    return code
  }
}

/**
 * How long before --timeout's deadline waits give up: time to ask the API which objects were not
 * ready (a few requests) before the stop cuts every request off. A tenth of a short run, at most 5 s.
 */
function explainMargin(runTimeoutMs: number): number {
  return Math.min(5_000, runTimeoutMs / 10)
}

/**
 * The run's own signal: the caller's (Ctrl-C, SIGTERM) or, with `--timeout`, the deadline of the
 * whole run, whichever comes first. Either reason reaches every step, request and command.
 */
function runSignal(outer: AbortSignal, timeoutMs: number | undefined, flag: string | undefined): AbortSignal {
  if (timeoutMs === undefined) return outer
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(new TimeoutError(`the run did not finish within --timeout ${flag}`)), timeoutMs)
  timer.unref()
  const onOuter = (): void => {
    clearTimeout(timer)
    controller.abort(outer.reason)
  }
  if (outer.aborted) onOuter()
  else outer.addEventListener('abort', onOuter, { once: true })
  return controller.signal
}
