import https from 'node:https'
import { setTimeout as sleep } from 'node:timers/promises'
import * as k8s from '@kubernetes/client-node'
import { VERSION } from '../project.js'
import type { KubeObject } from './client.js'

const MAX_ATTEMPTS_ON_429 = 10

/** How kindling names itself to the API server: audit logs and `managedFields` tell its requests apart. */
export const USER_AGENT = `kindling/${VERSION}`

/** Deadlines every request to the API server gets; a run's signal cancels any request in flight. */
export interface RequestBounds {
  /** The run's signal: Ctrl-C, SIGTERM or the run's `--timeout`. */
  signal?: AbortSignal
  /** One request (not a watch) gives up after this long. */
  requestTimeoutMs?: number
  /** A refused or reset connection (an API server restarting) is retried with backoff for this long. */
  retryForMs?: number
  /**
   * Until the server has answered once, refusals are retried only this long (default: `retryForMs`).
   * For a cluster kindling does not start itself: one that was never there (a wrong address, a
   * stopped machine) is reported in seconds. A kind cluster kindling just started gets the full window.
   */
  firstContactRetryMs?: number
}

const DEFAULT_REQUEST_TIMEOUT_MS = 30_000
const DEFAULT_RETRY_FOR_MS = 60_000
/** An adopted cluster's server that never answered: long enough for three tries (1 s, 2 s, 4 s apart). */
export const FIRST_CONTACT_RETRY_MS = 8_000
const NETWORK_ERRORS = /ECONNREFUSED|ECONNRESET|EPIPE|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|socket hang up|premature close/i

/** The connection failed (refused, reset, unreachable, cut short): the server may be restarting. Not an HTTP answer. */
export function isNetworkError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return (typeof code === 'string' && NETWORK_ERRORS.test(code)) || NETWORK_ERRORS.test(error instanceof Error ? error.message : String(error))
}

/** The API server did not answer one request in time. */
export class RequestTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`the API server did not answer within ${Math.round(timeoutMs / 1000)} s`)
  }
}

/**
 * The API server answered every attempt of one request with 429 Too Many Requests (API priority and
 * fairness shedding load, a new CRD's storage still initializing) until the attempts or the
 * request's window ran out.
 */
export class TooManyRequestsError extends Error {
  constructor(
    readonly attempts: number,
    readonly waitedMs: number,
    /** The server's own words, from its Status body. */
    readonly serverMessage: string | undefined,
  ) {
    super(`the API server answered 429 Too Many Requests ${timesOf(attempts)} in ${Math.round(waitedMs / 1000)} s`)
  }
}

/** The same failure again, as a fresh error: the library rewrites the message of what it catches. */
function again(error: Error): Error {
  if (error instanceof RequestTimeoutError) return new RequestTimeoutError(error.timeoutMs)
  return Object.assign(new Error(error.message), { code: (error as { code?: unknown }).code })
}

/**
 * Every request the library sends, bounded: the run's signal and a per-request deadline cancel it,
 * a refused or reset connection, or a 503 from an API server shutting down or starting, is retried
 * with backoff (1 s, 2 s, 4 s, up to 8 s) until
 * `retryForMs`, and requests share keep-alive connections (the library makes a new https.Agent,
 * so a new TLS handshake, for every request).
 */
class BoundedHttp implements k8s.PromiseHttpLibrary {
  readonly #inner = new k8s.IsomorphicFetchHttpLibrary()
  readonly #pools = new Map<string, https.Agent>()
  /** The server has answered at least once (any HTTP status): it exists, so a refusal now is a restart. */
  #answered = false
  /**
   * With `firstContactRetryMs`: until the server answers, one window for every request of the run
   * together, not one each, so a server the preflight found unreachable is not retried again by
   * every later step.
   */
  #firstContactUntil: number | undefined
  /** Why the server never answered within that window: every later request is told at once. */
  #neverAnswered: Error | undefined

  constructor(private readonly bounds: RequestBounds) {}

  /** `send`, also cancelled by `own`: a request the caller stops needing before the run ends. */
  async send(request: k8s.RequestContext, own?: AbortSignal): Promise<k8s.ResponseContext> {
    const stop = own && this.bounds.signal ? AbortSignal.any([this.bounds.signal, own]) : (own ?? this.bounds.signal)
    const timeoutMs = this.bounds.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS
    const retryForMs = this.bounds.retryForMs ?? DEFAULT_RETRY_FOR_MS
    const firstContact = this.bounds.firstContactRetryMs
    if (firstContact !== undefined) this.#firstContactUntil ??= Date.now() + Math.min(retryForMs, firstContact)
    const firstContactOnly = !this.#answered && this.#firstContactUntil !== undefined
    if (firstContactOnly && this.#neverAnswered && Date.now() >= this.#firstContactUntil!) throw again(this.#neverAnswered)
    const giveUpAt = firstContactOnly ? this.#firstContactUntil! : Date.now() + retryForMs
    // A server that accepts and never answers (a firewall, a machine gone) is held to the same
    // window as one that refuses: no request outlives it until the server has answered once.
    const limitMs = firstContactOnly ? Math.max(1000, Math.min(timeoutMs, this.#firstContactUntil! - Date.now())) : timeoutMs
    const agent = this.pooled(request.getAgent())
    if (agent) request.setAgent(agent)
    request.setHeaderParam('User-Agent', USER_AGENT)
    for (let attempt = 1; ; attempt++) {
      const deadline = AbortSignal.timeout(limitMs)
      request.setSignal(stop ? AbortSignal.any([stop, deadline]) : deadline)
      const backoff = Math.min(1000 * 2 ** (attempt - 1), 8000)
      try {
        const response = await this.#inner.send(request).toPromise()
        this.#answered = true
        // 503 from the API server itself (not a Service behind its proxy): it is shutting down or
        // starting, as in a restart; come back like after a refused connection.
        if (response.httpStatusCode !== 503 || request.getUrl().includes('/proxy') || Date.now() + backoff > giveUpAt)
          return this.bounded(response, deadline, limitMs, own)
        await response.body.text().catch(() => '')
        await sleep(backoff, undefined, { signal: stop })
      } catch (error) {
        const cut = this.cutShort(error, deadline, limitMs, own)
        if (cut) throw cut
        if (!isNetworkError(error) || Date.now() + backoff > giveUpAt) throw isNetworkError(error) ? this.remember(error as Error) : error
        await sleep(backoff, undefined, { signal: stop })
      }
    }
  }

  /**
   * The response with its body read under the same deadline and named the same way when it passes:
   * a server that sends its headers and then stalls did not answer either. The fetch library would
   * say "The user aborted a request", which nobody did.
   */
  private bounded(response: k8s.ResponseContext, deadline: AbortSignal, limitMs: number, own: AbortSignal | undefined): k8s.ResponseContext {
    const read = async <T>(body: () => Promise<T>): Promise<T> => {
      try {
        return await body()
      } catch (error) {
        throw this.cutShort(error, deadline, limitMs, own) ?? error
      }
    }
    return new k8s.ResponseContext(response.httpStatusCode, response.headers, {
      text: () => read(() => response.body.text()),
      binary: () => read(() => response.body.binary()),
    })
  }

  /**
   * Why a request (or the reading of its body) ended early: the run was stopped, or its deadline
   * passed, or its caller no longer needs it; undefined for any other failure. A fresh error, never the signal's reason: the library
   * rewrites the message of what it catches.
   */
  private cutShort(error: unknown, deadline: AbortSignal, limitMs: number, own: AbortSignal | undefined): Error | undefined {
    if (this.bounds.signal?.aborted) return new Error('request cancelled: the run was stopped', { cause: error })
    if (own?.aborted) return new Error('request cancelled: its answer was no longer needed', { cause: error })
    if (deadline.aborted) return this.remember(new RequestTimeoutError(limitMs))
    return undefined
  }

  /** Keep why a server that never answered failed, while it has not answered (first contact only). */
  private remember(error: Error): Error {
    if (!this.#answered && this.#firstContactUntil !== undefined) this.#neverAnswered = error
    return error
  }

  /** A keep-alive agent with the same TLS settings as the one the library made for this request. */
  private pooled(agent: unknown): https.Agent | undefined {
    if (!(agent instanceof https.Agent)) return undefined
    const { ca, cert, key, pfx, rejectUnauthorized, servername } = agent.options
    const id = JSON.stringify([ca, cert, key, pfx, rejectUnauthorized, servername].map((value) => (value === undefined ? null : String(value))))
    let pool = this.#pools.get(id)
    if (!pool) {
      pool = new https.Agent({ ...agent.options, keepAlive: true })
      this.#pools.set(id, pool)
    }
    return pool
  }
}

/**
 * The generic object API, but sending and returning objects as the API server's own JSON. The
 * library's typed (de)serializer renames keys such as `x-kubernetes-preserve-unknown-fields` and
 * drops fields its models do not know yet, which would silently change what kindling applies.
 * Every request, the library's own discovery included, goes through `BoundedHttp`.
 */
export class JsonObjectApi extends k8s.KubernetesObjectApi {
  #bounds: RequestBounds = {}
  #http!: BoundedHttp

  static forConfig(config: k8s.KubeConfig, bounds: RequestBounds = {}): JsonObjectApi {
    const cluster = config.getCurrentCluster()
    if (!cluster) throw new Error('the kubeconfig context names no cluster')
    const http = new BoundedHttp(bounds)
    const api = new JsonObjectApi(
      k8s.createConfiguration({
        baseServer: new k8s.ServerConfiguration(cluster.server, {}),
        authMethods: { default: config },
        httpApi: k8s.wrapHttpLibrary(http),
      }),
    )
    api.setDefaultNamespace(config)
    api.#bounds = bounds
    api.#http = http
    return api
  }

  async request(
    method: 'GET' | 'PATCH',
    spec: KubeObject | string,
    action: 'read' | 'list' | 'patch',
    options: {
      query?: Record<string, string | undefined>
      body?: unknown
      contentType?: string
      accept?: string
      /** Cancels this request (its pauses included) before the run's signal does: best-effort diagnostics. */
      signal?: AbortSignal
    } = {},
  ): Promise<KubeObject> {
    const uri = typeof spec === 'string' ? spec : await this.specUriPath(spec as k8s.KubernetesObject, action)
    const context = this.configuration.baseServer.makeRequestContext(uri, method === 'GET' ? k8s.HttpMethod.GET : k8s.HttpMethod.PATCH)
    context.setHeaderParam('Accept', options.accept ?? 'application/json')
    for (const [name, value] of Object.entries(options.query ?? {})) if (value !== undefined) context.setQueryParam(name, value)
    if (options.body !== undefined) {
      context.setHeaderParam('Content-Type', options.contentType ?? 'application/json')
      context.setBody(JSON.stringify(options.body))
    }
    await this.configuration.authMethods.default?.applySecurityAuthentication(context)
    // A server that asks to come back is waited for as long as one that restarts: it has answered,
    // so it gets the full window even where a first contact gets only seconds.
    const started = Date.now()
    const giveUpAt = started + (this.#bounds.retryForMs ?? DEFAULT_RETRY_FOR_MS)
    const run = this.#bounds.signal
    const stop = options.signal && run ? AbortSignal.any([run, options.signal]) : (options.signal ?? run)
    for (let attempt = 1; ; attempt++) {
      const response = await this.#http.send(context, options.signal)
      const text = await response.body.text()
      // 429: the server asks to come back (a new CRD's storage initializing, priority and fairness).
      if (response.httpStatusCode === 429) {
        const pauseMs = Math.min(Number(response.headers['retry-after']) || 1, 5) * 1000
        if (attempt < MAX_ATTEMPTS_ON_429 && Date.now() + pauseMs <= giveUpAt) {
          // The pause answers to the run's signal (and the caller's), not to the deadline of the attempt just made:
          // that one can be a second long while the server is still on first contact.
          await sleep(pauseMs, undefined, { signal: stop })
          continue
        }
        // A Service behind the API server's proxy said it: its own words, as any other answer.
        if (!uri.includes('/proxy')) throw new TooManyRequestsError(attempt, Date.now() - started, statusMessage(text))
      }
      if (response.httpStatusCode < 200 || response.httpStatusCode > 299)
        throw new k8s.ApiException(response.httpStatusCode, 'Unsuccessful HTTP Request', text, response.headers)
      return JSON.parse(text) as KubeObject
    }
  }

  /** `/apis/apps/v1/namespaces/x/deployments`: a kind's collection path, from the library's own discovery. */
  collectionPath(apiVersion: string, kind: string, namespace?: string): Promise<string> {
    return this.specUriPath({ apiVersion, kind, metadata: { namespace } }, 'list')
  }
}

/** The `message` of a Kubernetes Status body, if that is what the text is. */
function statusMessage(text: string): string | undefined {
  try {
    const message = (JSON.parse(text) as { message?: unknown } | null)?.message
    return typeof message === 'string' && message.trim() ? message.trim() : undefined
  } catch {
    return undefined
  }
}

/** "once", "3 times" */
export function timesOf(count: number): string {
  return count === 1 ? 'once' : `${count} times`
}
