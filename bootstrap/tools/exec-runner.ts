import os from 'node:os'
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process'
import { accessSync, constants, statSync } from 'node:fs'
import path from 'node:path'
import type { ExecaError } from 'execa'
import { InterruptedError, PrerequisiteError, stoppedError } from '../engine/errors.js'
import { clip } from '../spec/quoting.js'
import { installHint } from './catalog.js'
import { signalCommand, trackGroup, untrackGroup } from './children.js'
import { CommandError, formatCommand, stderrTail, type Command, type RunOptions, type RunResult, type Runner } from './runner.js'
import { Secret, type Redactor } from './secrets.js'

/** No external command runs longer than this unless it says so (`kind create cluster` takes minutes, not hours). */
const DEFAULT_COMMAND_TIMEOUT_MS = 20 * 60_000

/** More output than any command kindling runs prints (a Helm chart's manifests are a few MB): one that runs away is stopped. */
const MAX_OUTPUT_CHARACTERS = 100_000_000

/** A cancelled or timed-out command's process group gets SIGTERM, then SIGKILL this much later: a stopped run ends within seconds. */
const FORCE_KILL_AFTER_MS = 1000

/** Debug sink: each command line and its outcome, already redacted. */
export type CommandLog = (line: string) => void

/**
 * A program the system would not start for want of permission (EACCES): a file on PATH without its
 * execute bit, or a folder on PATH this user may not search. A missing prerequisite with its own
 * fix, not "not installed", which would send the person to install what is there.
 */
export class NotRunnableError extends PrerequisiteError {}

/** The real Runner: every external process kindling starts goes through here. */
export class ExecRunner implements Runner {
  constructor(
    private readonly redactor: Redactor,
    private readonly log: CommandLog = () => {},
  ) {}

  async run(command: Command, options: RunOptions = {}): Promise<RunResult> {
    const line = this.redactor.redact(formatCommand(command))
    this.log(`$ ${line}`)
    const env = Object.fromEntries(Object.entries(command.env ?? {}).map(([key, value]) => [key, value instanceof Secret ? value.reveal() : value]))
    const input = command.input instanceof Secret ? command.input.reveal() : command.input
    const timeoutMs = command.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS
    // One stop for both the caller's signal and the deadline. The command leads its own process
    // group and the whole group is stopped: killing only `git` would leave `git-remote-https`
    // holding the output pipes open, and the command would outlive its deadline.
    const stop = new AbortController()
    const timedOut = new Error('deadline')
    const timer = setTimeout(() => stop.abort(timedOut), timeoutMs)
    const onCancel = (): void => stop.abort(options.signal?.reason)
    if (options.signal?.aborted) onCancel()
    else options.signal?.addEventListener('abort', onCancel, { once: true })
    let pid: number | undefined
    // Only a command that really started is signalled, and only through its own group: the
    // subprocess library is never asked to kill (a kill of a process that failed to start can
    // reach pid 0, which is this process's own group, and whatever shell started it).
    const detached = !command.foreground
    const stopCommand = (): void => {
      if (pid === undefined) return
      const target = pid
      signalCommand(target, 'SIGTERM', { group: detached })
      setTimeout(() => signalCommand(target, 'SIGKILL', { group: detached }), FORCE_KILL_AFTER_MS).unref()
    }
    stop.signal.addEventListener('abort', stopCommand, { once: true })
    // The deadline passed, or the caller stopped the run: what the caller is told.
    const stoppedBy = (started: boolean): Error =>
      stop.signal.reason === timedOut
        ? new CommandError(line, 124, `did not finish within ${formatSeconds(timeoutMs)}${started ? '; stopped it and what it started' : ''}`)
        : stopped(options.signal, `running ${line}`)
    try {
      // Loaded with the first command, not with the module: the first progress line comes before it.
      const { execa } = await import('execa')
      // Stopped before it started: nothing to start.
      if (stop.signal.aborted) throw stoppedBy(false)
      const subprocess = execa(command.file, command.args, {
        env,
        input,
        cwd: command.cwd,
        reject: false,
        stripFinalNewline: true,
        detached,
        all: false,
        maxBuffer: MAX_OUTPUT_CHARACTERS,
      })
      pid = subprocess.pid
      if (pid !== undefined && detached) trackGroup(pid)
      if (stop.signal.aborted) stopCommand()
      const result = await subprocess
      if (stop.signal.aborted) throw stoppedBy(true)
      if (result.isMaxBuffer) {
        // The library stops the command itself; what it started is in its group.
        stopCommand()
        this.log(`  too much output: ${commandHead(line)}`)
        throw new CommandError(
          line,
          result.exitCode ?? exitCodeOfSignal(result.signal),
          [
            `printed more than ${MAX_OUTPUT_CHARACTERS / 1_000_000} MB, far more than it should; stopped it and what it started`,
            // What it said last may say why; each line cut short, as one of them may be the flood.
            ...stderrTail(String(result.stderr ?? ''), this.redactor)
              .split('\n')
              .filter(Boolean)
              .map((said) => clip(said, 200)),
          ].join('\n'),
          'stopped (too much output)',
        )
      }
      if (result.failed && result.exitCode === undefined) {
        this.log(`  did not start: ${commandHead(line)}`)
        throw toStartError(command, result as unknown as ExecaError, line, env.PATH ?? process.env.PATH ?? '')
      }
      const exitCode = result.exitCode ?? 1
      const stdout = String(result.stdout ?? '')
      const stderr = String(result.stderr ?? '')
      this.log(`  exit ${exitCode}: ${commandHead(line)}`)
      if (exitCode !== 0 && !(command.okExitCodes ?? []).includes(exitCode)) {
        throw new CommandError(line, exitCode, stderrTail(stderr, this.redactor))
      }
      return { command: line, exitCode, stdout, stderr }
    } catch (error) {
      if (options.signal?.aborted && !(error instanceof InterruptedError)) throw stopped(options.signal, `running ${line}`)
      throw error
    } finally {
      clearTimeout(timer)
      options.signal?.removeEventListener('abort', onCancel)
      if (pid !== undefined) untrackGroup(pid)
    }
  }
}

/**
 * The start of a command line, for the --verbose line that ends it: commands run side by side, so
 * a bare `exit 1` could belong to any of those started before it.
 */
function commandHead(line: string): string {
  return clip(line, 60)
}

/** What a shell reports for a command ended by a signal: 128 plus its number (SIGTERM: 143). */
function exitCodeOfSignal(signal: string | undefined): number {
  const number = signal ? os.constants.signals[signal as NodeJS.Signals] : undefined
  return number === undefined ? 1 : 128 + number
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`
}

function toStartError(command: Command, error: ExecaError, line: string, searchPath: string): Error {
  if (error.code === 'ENOENT') {
    return new PrerequisiteError(`${command.file} is not installed or not on PATH`, {
      details: [installHint(command.file)],
    })
  }
  if (error.code === 'EACCES') {
    const { problem, fix } = notRunnable(command.file, searchPath)
    return new NotRunnableError(problem, { details: [fix] })
  }
  return new CommandError(line, 127, error.shortMessage ?? error.message)
}

/**
 * Why the system refused to start `file` (EACCES), looked for as it looked: the first file of that
 * name on PATH without its execute bit (a download never made executable: `chmod +x` was skipped),
 * else the folders on PATH this user may not search, where it may be or may not.
 */
export function notRunnable(file: string, searchPath: string): { problem: string; fix: string } {
  const candidates = file.includes('/') ? [file] : searchPath.split(path.delimiter).map((folder) => path.join(folder || '.', file))
  const unsearchable: string[] = []
  for (const candidate of candidates) {
    let isFile: boolean
    try {
      isFile = statSync(candidate).isFile()
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EACCES') unsearchable.push(path.dirname(candidate))
      continue
    }
    if (!isFile) continue
    try {
      accessSync(candidate, constants.X_OK)
    } catch {
      return { problem: `${file} cannot be run: ${candidate} is not executable`, fix: `make it executable: chmod +x ${candidate}` }
    }
  }
  if (unsearchable.length === 0) return { problem: `${file} cannot be run (permission denied)`, fix: installHint(file) }
  const folders = [...new Set(unsearchable)]
  return {
    problem: `${file} is not installed, or is in a folder on PATH you may not search: ${folders.join(', ')}`,
    fix: `${installHint(file)}; and take ${folders.length === 1 ? 'that folder' : 'those folders'} (another user's?) out of PATH`,
  }
}

function stopped(signal: AbortSignal | undefined, what: string): Error {
  return signal ? stoppedError(signal, what) : new InterruptedError(`${what}: interrupted`)
}

/**
 * Start a process the way the Runner starts a command, for a library that wants a ChildProcess of
 * its own (the API client's kubeconfig credential plugins): leading a process group (stopped with
 * whatever it started, also when kindling exits), and killed after `timeoutMs`, when `onStopped`
 * is told so.
 */
export function spawnBounded(command: string, args: readonly string[], options: SpawnOptions, timeoutMs: number, onStopped: () => void): ChildProcess {
  const child = spawn(command, args, { ...options, detached: true })
  const pid = child.pid
  if (pid === undefined) return child
  trackGroup(pid)
  const timer = setTimeout(() => {
    onStopped()
    signalCommand(pid, 'SIGKILL')
  }, timeoutMs)
  timer.unref()
  child.on('close', () => {
    clearTimeout(timer)
    untrackGroup(pid)
  })
  return child
}
