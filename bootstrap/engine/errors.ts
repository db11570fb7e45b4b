/** Exit codes shared by every entry point; documented in `--help` and the README. */
export const ExitCode = {
  ok: 0,
  failed: 1,
  badInput: 2,
  missingPrerequisite: 3,
  interrupted: 130,
} as const
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]

/** Base of every error the tool raises on purpose; `exitCode` decides how the process ends. */
export class KindlingError extends Error {
  readonly exitCode: ExitCode = ExitCode.failed
  /** Extra lines shown under the message (hints, lists of problems). */
  readonly details: string[]

  constructor(message: string, options: { cause?: unknown; details?: string[] } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
    this.details = options.details ?? []
  }
}

/** The user gave something we cannot use: a spec, a flag, a file. Nothing was changed. */
export class BadInputError extends KindlingError {
  override readonly exitCode = ExitCode.badInput
}

/** A tool, daemon, port or context the run needs is missing. Nothing was changed. */
export class PrerequisiteError extends KindlingError {
  override readonly exitCode = ExitCode.missingPrerequisite
}

/** The user pressed Ctrl-C (or the process got SIGTERM). */
export class InterruptedError extends KindlingError {
  override readonly exitCode = ExitCode.interrupted
  constructor(message = 'interrupted') {
    super(message)
  }
}

/** A step failed; `cause` holds what went wrong inside it. */
export class StepError extends KindlingError {
  constructor(
    readonly step: string,
    options: { cause?: unknown; details?: string[] } = {},
  ) {
    super(`${step}: ${errorMessage(options.cause) || 'failed'}`, options)
  }
}

/** Several independent checks failed; each one is a line of `details`. */
export class HealthError extends KindlingError {}

/** A watch reached its deadline; the message names the object, condition and last message. */
export class TimeoutError extends KindlingError {}

/** The message of any thrown value, without a stack. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message
  if (typeof error === 'string') return error
  return error === undefined ? '' : String(error)
}

/** The exit code a thrown value maps to: the one place that decides it. */
export function exitCodeOf(error: unknown): ExitCode {
  if (error instanceof KindlingError) {
    // A step failure caused by a missing prerequisite or an interrupt keeps that meaning.
    if (error instanceof StepError && error.cause !== undefined) {
      const inner = exitCodeOf(error.cause)
      if (inner !== ExitCode.failed) return inner
    }
    return error.exitCode
  }
  return ExitCode.failed
}
