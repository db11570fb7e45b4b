import { InterruptedError, type ExitCode, type StopSignal } from '../engine/errors.js'
import { killRunningGroups } from '../tools/children.js'
import type { CommandName } from './args.js'
import { anchoredKubeconfig, shellFolder } from './cwd.js'
import { runCommand } from './main.js'
import { canDrawLive, personCanAnswer } from './terminal.js'

/** After the first Ctrl-C or SIGTERM the process ends within this long, even if something ignores the signal. */
const HARD_STOP_MS = 1800

/**
 * Wire a command to the real process: argv, stdout/stderr, TTY detection and signals.
 * The first Ctrl-C (SIGINT) or SIGTERM cancels the run: requests and commands in flight are
 * aborted, the summary says what was left unfinished, and the process exits 130 (SIGTERM: 143).
 * A second signal, or anything still running after HARD_STOP_MS, ends it at once, and takes
 * every external command still running (with whatever it started) along.
 */
export async function runEntry(command: CommandName): Promise<never> {
  keepOnWhenReaderLeaves()
  return exitAfterOutput(await runWithSignals(command, process.argv.slice(2)))
}

/** Set once stdout and stderr are listened on: a second call adds no second listener. */
let keepingOn = false

/**
 * `kindling status | head -1`: the reader of stdout (or stderr) may leave before the command ends.
 * Node then reports the next write as an 'error' event (EPIPE) that nothing handles, and the
 * process dies with a stack trace and exit 1 in the middle of whatever it was doing (a bootstrap
 * half applied). Output nobody reads is dropped instead; the command finishes and exits with its
 * own code.
 */
export function keepOnWhenReaderLeaves(): void {
  if (keepingOn) return
  keepingOn = true
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error
    })
  }
}

/** How long the process waits for a reader to take the rest of its output before it exits anyway. */
const DRAIN_MS = 30_000

/**
 * Exit once stdout and stderr have handed everything to the OS. A pipe takes 64 KiB at a time:
 * `process.exit` right after a larger `--json` document would cut it off mid-string for `jq`.
 */
export async function exitAfterOutput(code: number): Promise<never> {
  const drained = (stream: NodeJS.WriteStream): Promise<void> =>
    new Promise((resolve) => {
      // The callback of an empty write runs once every earlier write is flushed (or the reader left).
      if (stream.destroyed || !stream.writable) resolve()
      else stream.write('', () => resolve())
    })
  const deadline = new Promise<void>((resolve) => setTimeout(resolve, DRAIN_MS).unref())
  await Promise.race([Promise.all([drained(process.stdout), drained(process.stderr)]), deadline])
  process.exit(code)
}

/**
 * Signals for a command with nothing to wind down (the wizard off a terminal): the first Ctrl-C or
 * SIGTERM says what stopped it and what is left (`left`), stops every external command it started
 * instead of leaving it running, and ends the process by the same signal (exit 130 or 143 to a
 * shell), as it would have without this handler.
 */
export function exitOnSignals(left: string): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stderr.write(`\n${signalWord(signal)}: stopped; ${left}\n`)
      killRunningGroups()
      process.kill(process.pid, signal)
    })
  }
  process.on('exit', killRunningGroups)
}

/** A stop signal as the person who sent it knows it. */
const signalWord = (signal: StopSignal): string => (signal === 'SIGINT' ? 'Ctrl-C' : 'SIGTERM')

/** One command in this process with the terminal's signals wired to it; returns its exit code. */
export async function runWithSignals(command: CommandName, argv: readonly string[]): Promise<ExitCode> {
  const controller = new AbortController()
  const onSignal = (signal: StopSignal): void => {
    const reason = new InterruptedError('interrupted', signal)
    if (controller.signal.aborted) process.exit(reason.exitCode)
    process.stderr.write(`\n${signalWord(signal)}: stopping (again to exit now)\n`)
    controller.abort(reason)
    setTimeout(() => {
      process.stderr.write('stopped before cleanup finished; run the same command again to finish\n')
      process.exit(reason.exitCode)
    }, HARD_STOP_MS).unref()
  }
  // However the process ends (a second Ctrl-C, the hard stop, a crash), no command it started lives on.
  process.on('exit', killRunningGroups)
  process.on('SIGINT', () => onSignal('SIGINT'))
  process.on('SIGTERM', () => onSignal('SIGTERM'))
  // A deleted folder is refused by the command itself: after --help, and as JSON under --json.
  const cwd = shellFolder()
  const kubeconfig = anchoredKubeconfig(process.env.KUBECONFIG, cwd)
  if (kubeconfig !== undefined) process.env.KUBECONFIG = kubeconfig
  return runCommand(command, argv, {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    isTTY: canDrawLive(),
    canAsk: personCanAnswer(),
    cwd,
    signal: controller.signal,
  })
}
