import { KindlingError } from '../engine/errors.js'
import type { Redactor, Secret } from './secrets.js'

/** One external process to run. Secrets may travel only through `input` or `env`, never `args`. */
export interface Command {
  file: string
  args: readonly string[]
  /** Standard input; a Secret here is revealed only to the child process. */
  input?: string | Secret
  env?: Readonly<Record<string, string | Secret>>
  cwd?: string
  /** True for commands that only read (`kind get clusters`): a dry run still executes them. */
  readOnly?: boolean
  /** Treat these exit codes as results, not failures (e.g. `docker inspect` of a missing object). */
  okExitCodes?: readonly number[]
  timeoutMs?: number
  /**
   * May ask the person at the terminal (a `git push` with the user's own credentials: a password,
   * a key's passphrase): it runs in kindling's own process group, where the terminal is, instead
   * of a group of its own; stopping it then stops the command alone.
   */
  foreground?: boolean
}

export interface RunResult {
  /** The command as a line a user could paste into a shell (secrets never appear in it). */
  command: string
  exitCode: number
  stdout: string
  stderr: string
}

export interface RunOptions {
  signal?: AbortSignal
}

/** The one way kindling starts processes; injected so dry runs and tests can swap it. */
export interface Runner {
  run(command: Command, options?: RunOptions): Promise<RunResult>
}

const STDERR_TAIL_LINES = 15

/**
 * A process failed. Carries the pasteable command, its exit code and the tail of its stderr.
 * `how` replaces "failed (exit N)" when kindling itself stopped the command: its exit then
 * follows from being stopped and says nothing of why.
 */
export class CommandError extends KindlingError {
  constructor(
    readonly command: string,
    readonly commandExitCode: number,
    readonly stderrTail: string,
    how = `failed (exit ${commandExitCode})`,
  ) {
    super(`command ${how}: ${command}`, {
      details: stderrTail ? stderrTail.split('\n') : [],
    })
  }
}

/** The last lines of a process's stderr, with secrets masked. */
export function stderrTail(stderr: string, redactor: Redactor): string {
  const lines = stderr.trimEnd().split('\n')
  return redactor.redact(lines.slice(-STDERR_TAIL_LINES).join('\n'))
}

const SAFE_WORD = /^[\w@%+=:,./-]+$/

/** Quote one argument the way a POSIX shell would need it. */
export function shellQuote(word: string): string {
  if (word !== '' && SAFE_WORD.test(word)) return word
  return `'${word.replaceAll("'", `'\\''`)}'`
}

/** The command as one pasteable line; env vars holding secrets are shown by name only. */
export function formatCommand(command: Command): string {
  const env = Object.entries(command.env ?? {}).map(([key, value]) => (typeof value === 'string' ? `${key}=${shellQuote(value)}` : `${key}=<${value.label}>`))
  const words = [...env, command.file, ...command.args].map((word, index) => (index < env.length ? word : shellQuote(word)))
  const line = words.join(' ')
  return command.input === undefined ? line : `${line} < <stdin>`
}
