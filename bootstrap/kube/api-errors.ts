import { KindlingError, PrerequisiteError, errorMessage, stoppedError } from '../engine/errors.js'
import { isNetworkError, RequestTimeoutError, timesOf, TooManyRequestsError } from './json-api.js'

/** An API call failed; the message has the verb, the object and the server's own words. */
class KubeApiError extends KindlingError {
  constructor(
    message: string,
    readonly status: number | undefined,
    options: { cause?: unknown } = {},
  ) {
    super(message, options)
  }
}

/**
 * What a failed API call means to a user: stopped by the run, a server that does not answer or
 * cannot be reached (a prerequisite: exit 3), or the server's own refusal with its HTTP status.
 */
export function apiError(what: string, error: unknown, context: string, signal?: AbortSignal): KindlingError {
  if (error instanceof KindlingError) return error
  if (signal?.aborted) return stoppedError(signal, what)
  if (error instanceof RequestTimeoutError) {
    return new PrerequisiteError(`${what}: the API server of context "${context}" did not answer within ${Math.round(error.timeoutMs / 1000)} s`, {
      cause: error,
      details: ['it accepts connections but does not respond: check that the control plane is running and not overloaded'],
    })
  }
  if (error instanceof TooManyRequestsError) {
    const seconds = Math.round(error.waitedMs / 1000)
    return new PrerequisiteError(
      `${what}: the API server of context "${context}" kept asking to slow down (HTTP 429 Too Many Requests, ${timesOf(error.attempts)} in ${seconds} s)`,
      {
        cause: error,
        details: [
          ...(error.serverMessage ? [`it said: ${error.serverMessage}`] : []),
          'it is overloaded, or still starting (a new CRD being set up): wait a minute and run the same command again;',
          "if it keeps happening, look at the control plane's load and its API priority and fairness (kubectl get flowschemas,prioritylevelconfigurations)",
        ],
      },
    )
  }
  const status = statusOf(error)
  if (status === undefined && !(error instanceof Error && (error.name === 'FetchError' || isNetworkError(error)))) {
    return new KindlingError(`${what}: ${errorMessage(error).split('\n')[0]}`, { cause: error })
  }
  if (status === undefined) {
    return new PrerequisiteError(`${what}: cannot reach the API server of context "${context}": ${errorMessage(error).split('\n')[0]}`, { cause: error })
  }
  const serverMessage = parseStatusMessage((error as { body?: unknown }).body)
  return new KubeApiError(`${what}: ${serverMessage ?? errorMessage(error).split('\n')[0]} (HTTP ${status})`, status, { cause: error })
}

/** The HTTP status of a failed call, when the server answered. */
export function statusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown; statusCode?: unknown } | null)?.code ?? (error as { statusCode?: unknown } | null)?.statusCode
  return typeof code === 'number' ? code : undefined
}

/** The server does not serve this kind (a CRD not installed yet). A group it does not serve at all is a 404; an unreachable server is neither. */
export function isUnknownKind(error: unknown): boolean {
  return /Unrecognized API version and kind/.test(errorMessage(error)) && statusOf(error) === undefined
}

export function isAbort(error: unknown): boolean {
  return (error as { name?: string } | null)?.name === 'AbortError'
}

function parseStatusMessage(body: unknown): string | undefined {
  const parsed = typeof body === 'string' ? safeJson(body) : body
  const message = (parsed as { message?: unknown } | undefined)?.message
  return typeof message === 'string' ? message : undefined
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
