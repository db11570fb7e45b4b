import { execa, type ExecaError } from 'execa'
import { InterruptedError, PrerequisiteError, stoppedError } from '../engine/errors.js'
import { installHint } from './catalog.js'
import { CommandError, formatCommand, stderrTail, type Command, type RunOptions, type RunResult, type Runner } from './runner.js'
import { Secret, type Redactor } from './secrets.js'

/** No external command runs longer than this unless it says so (`kind create cluster` takes minutes, not hours). */
export const DEFAULT_COMMAND_TIMEOUT_MS = 20 * 60_000

/** A cancelled or timed-out child gets SIGTERM, then SIGKILL this much later: a stopped run ends within seconds. */
const FORCE_KILL_AFTER_MS = 1000

/** Debug sink: each command line and its outcome, already redacted. */
export type CommandLog = (line: string) => void

/** The real Runner: every external process kindling starts goes through here. */
export class ExecRunner implements Runner {
  constructor(
    private readonly redactor: Redactor,
    private readonly log: CommandLog = () => {},
  ) {}

  async run(command: Command, options: RunOptions = {}): Promise<RunResult> {
    const line = this.redactor.redact(formatCommand(command))
    this.log(`$ ${line}`)
    const env = Object.fromEntries(
      Object.entries(command.env ?? {}).map(([key, value]) => [key, value instanceof Secret ? value.reveal() : value]),
    )
    const input = command.input instanceof Secret ? command.input.reveal() : command.input
    try {
      const result = await execa(command.file, command.args, {
        env,
        input,
        cwd: command.cwd,
        reject: false,
        stripFinalNewline: true,
        cancelSignal: options.signal,
        timeout: command.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
        forceKillAfterDelay: FORCE_KILL_AFTER_MS,
        all: false,
      })
      if (result.isCanceled) throw stopped(options.signal, `running ${line}`)
      if (result.failed && result.exitCode === undefined) throw toStartError(command, result as unknown as ExecaError, line)
      const exitCode = result.exitCode ?? 1
      const stdout = String(result.stdout ?? '')
      const stderr = String(result.stderr ?? '')
      this.log(`  exit ${exitCode}`)
      if (exitCode !== 0 && !(command.okExitCodes ?? []).includes(exitCode)) {
        throw new CommandError(line, exitCode, stderrTail(stderr, this.redactor))
      }
      return { command: line, exitCode, stdout, stderr }
    } catch (error) {
      if (options.signal?.aborted && !(error instanceof InterruptedError)) throw stopped(options.signal, `running ${line}`)
      throw error
    }
  }
}

function toStartError(command: Command, error: ExecaError, line: string): Error {
  if (error.code === 'ENOENT') {
    return new PrerequisiteError(`${command.file} is not installed or not on PATH`, {
      details: [installHint(command.file)],
    })
  }
  if (error.timedOut) return new CommandError(line, 124, `timed out after ${Math.round((command.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS) / 1000)} s`)
  return new CommandError(line, 127, error.shortMessage ?? error.message)
}

function stopped(signal: AbortSignal | undefined, what: string): Error {
  return signal ? stoppedError(signal, what) : new InterruptedError(`${what}: interrupted`)
}
