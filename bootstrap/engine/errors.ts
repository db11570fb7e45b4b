/** Exit codes shared by every entry point; documented in `--help` and the README. */
export const ExitCode = {
  ok: 0,
  failed: 1,
  badInput: 2,
  missingPrerequisite: 3,
  interrupted: 130,
  terminated: 143,
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

/**
 * A step's check found what it will not go past: a question it cannot ask off a terminal, a change
 * it makes only with a flag, something another tool owns. A real run stops there, nothing changed;
 * a dry run marks the step "would stop a real run", whatever step it is.
 */
export class RefusalError extends BadInputError {}

/**
 * A dry run asked for what an earlier step of its own plan creates (the cluster, the in-cluster
 * Git server): what needs it is all still to do, which is known without asking.
 */
export class NotCreatedYetError extends KindlingError {}

/** A dry run asked for a cluster its own plan creates first: what lives there is all still to do. */
export class ClusterNotCreatedError extends NotCreatedYetError {}

/** A tool, daemon, port or context the run needs is missing. Nothing was changed. */
export class PrerequisiteError extends KindlingError {
  override readonly exitCode = ExitCode.missingPrerequisite
}

export type StopSignal = 'SIGINT' | 'SIGTERM'

/** The user pressed Ctrl-C (SIGINT, exit 130) or the process got SIGTERM (exit 143). */
export class InterruptedError extends KindlingError {
  override readonly exitCode: ExitCode

  constructor(
    message = 'interrupted',
    readonly signal: StopSignal = 'SIGINT',
  ) {
    super(message)
    this.exitCode = signal === 'SIGTERM' ? ExitCode.terminated : ExitCode.interrupted
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

/** What went wrong inside a failed step: the cause a StepError wraps, or the error itself. */
export function causeOf(error: unknown): unknown {
  return error instanceof StepError ? error.cause : error
}

/** Several independent checks failed; each one is a line of `details`. */
export class HealthError extends KindlingError {}

/**
 * The person answered no at a confirmation. Bad input by exit code (2), as a refusal off a
 * terminal is, but a choice, not a fault: the output says so instead of asking for a fix.
 */
export class DeclinedError extends BadInputError {}

/** Whether a step ended because the person answered no (the step wraps what its action threw). */
export function isDeclined(error: unknown): boolean {
  return error instanceof DeclinedError || (error instanceof StepError && error.cause instanceof DeclinedError)
}

/** A watch reached its deadline; the message names the object, condition and last message. */
export class TimeoutError extends KindlingError {}

/**
 * The error to raise for work stopped by an aborted run signal, keeping the reason's meaning:
 * Ctrl-C and SIGTERM stay interrupts, the run's `--timeout` deadline stays a timeout.
 */
export function stoppedError(signal: AbortSignal, what: string): KindlingError {
  const reason: unknown = signal.reason
  if (reason instanceof InterruptedError) return new InterruptedError(`${what}: interrupted`, reason.signal)
  if (reason instanceof TimeoutError) return new TimeoutError(`${what}: ${reason.message}`, { details: reason.details })
  return new InterruptedError(`${what}: interrupted`)
}

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
