// Waiting for a condition on one object by watching it: list, watch from the list's
// resourceVersion, list again when the server ends the watch, and give up at the deadline.

import * as k8s from '@kubernetes/client-node'
import { InterruptedError, TimeoutError, type KindlingError } from '../engine/errors.js'
import { withinBudget } from '../engine/within.js'
import { isAbort, statusOf } from './api-errors.js'
import { lastMessage, type Condition, type ConditionResult } from './conditions.js'
import { isNetworkError } from './json-api.js'
import { formatRef, type KubeObject, type ObjectRef } from './refs.js'

const WATCH_RETRY_MS = 1000
/**
 * How long a failed wait spends describing its object (a get and its events) before it reports the
 * failure anyway: a stalled server would otherwise hold a timeout back by two request deadlines.
 */
export const DIAGNOSTICS_MS = 3000

export interface WaitOptions {
  timeoutMs: number
  signal?: AbortSignal
}

/** What a wait asks of the API client about the object it watches. */
export interface WatchedObject {
  config: k8s.KubeConfig
  /** The URL path of the object's collection, which the watch is opened on. */
  path: string
  /** The objects the field selector picks, and the resourceVersion to watch from. */
  list(fieldSelector: string): Promise<{ items: KubeObject[]; resourceVersion?: string }>
  /** Both are best-effort, cancelled by `signal` once the failure is to be reported. */
  get(ref: ObjectRef, signal?: AbortSignal): Promise<KubeObject | undefined>
  events(ref: ObjectRef, signal?: AbortSignal): Promise<string[]>
  /** An API failure as the client words it: what was being done, the error, the context. */
  wrap(what: string, error: unknown): KindlingError
}

/**
 * The watch behind `KubeClient.waitFor`: the object once `condition` holds; a TimeoutError at the
 * deadline or on a terminal failure, an InterruptedError when the signal aborts.
 */
export function watchFor(api: WatchedObject, ref: ObjectRef, condition: Condition, options: WaitOptions): Promise<KubeObject | undefined> {
  return new Promise<KubeObject | undefined>((resolve, reject) => {
    let last: ConditionResult = { done: false, message: 'not observed yet' }
    let stopWatch: AbortController | undefined
    let settled = false
    let retry: NodeJS.Timeout | undefined
    const finish = (outcome: () => void): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      clearTimeout(retry)
      options.signal?.removeEventListener('abort', onAbort)
      stopWatch?.abort()
      outcome()
    }
    const evaluate = (object: KubeObject | undefined): void => {
      last = condition.test(object)
      if (last.done) finish(() => resolve(object))
      else if (last.failed) void failure(api, ref, condition, last.failed, 'failed').then((error) => finish(() => reject(error)))
    }
    const onAbort = (): void => finish(() => reject(new InterruptedError(`interrupted while waiting for ${formatRef(ref)}`)))
    const timer = setTimeout(() => {
      void failure(api, ref, condition, last.message, `timed out after ${formatDuration(options.timeoutMs)}`).then((error) => finish(() => reject(error)))
    }, options.timeoutMs)
    options.signal?.addEventListener('abort', onAbort, { once: true })
    if (options.signal?.aborted) return onAbort()

    // Again after a pause: the server went away, or ended the watch as soon as it began.
    const listAndWatchSoon = (): void => {
      if (settled) return
      clearTimeout(retry)
      retry = setTimeout(() => void listAndWatch().catch(onListError), WATCH_RETRY_MS)
    }
    // List to learn the current state and resourceVersion, then watch from there; re-list when the server ends the watch.
    const listAndWatch = async (): Promise<void> => {
      if (settled) return
      const fieldSelector = `metadata.name=${ref.name}`
      const { items, resourceVersion } = await api.list(fieldSelector)
      evaluate(items[0])
      if (settled) return
      const watchedSince = Date.now()
      stopWatch = await new k8s.Watch(api.config).watch(
        api.path,
        { fieldSelector, resourceVersion, allowWatchBookmarks: true },
        (phase, object: KubeObject) => {
          if (phase === 'BOOKMARK' || phase === 'ERROR') return
          evaluate(phase === 'DELETED' ? undefined : object)
        },
        (error: unknown) => {
          if (settled) return
          if (error && statusOf(error) !== 410 && !isAbort(error)) {
            // The server went away (restarting): list and watch again shortly; the list retries with backoff.
            if (statusOf(error) === undefined && isNetworkError(error)) return listAndWatchSoon()
            finish(() => reject(api.wrap(`watch ${formatRef(ref)}`, error)))
            return
          }
          // A watch the server (or a proxy before it) ends as soon as it begins would otherwise be
          // opened again at once, hundreds of times a second, until the deadline.
          if (Date.now() - watchedSince < WATCH_RETRY_MS) return listAndWatchSoon()
          void listAndWatch().catch(onListError)
        },
      )
      if (settled) stopWatch.abort()
    }
    const onListError = (cause: unknown): void => finish(() => reject(cause))
    listAndWatch().catch(onListError)
  })
}

/**
 * The failure, described by the object's last message and recent events as far as the server tells
 * them within DIAGNOSTICS_MS: what it has not answered by then is left out, and its requests cancelled.
 */
async function failure(api: WatchedObject, ref: ObjectRef, condition: Condition, message: string | undefined, why: string): Promise<TimeoutError> {
  // events is undefined only when the server did not answer in time (a failed lookup is []); got, whenever the object could not be read.
  const [got, events] = await Promise.all([
    // Wrapped: an object the server says is not there (undefined) is not one it did not answer about.
    withinBudget(DIAGNOSTICS_MS, (signal) =>
      api.get(ref, signal).then(
        (object) => ({ object }),
        () => undefined,
      ),
    ),
    withinBudget(DIAGNOSTICS_MS, (signal) => api.events(ref, signal).catch(() => [])),
  ])
  const lastSeen = message ?? (got ? lastMessage(got.object) : undefined) ?? 'no status reported'
  const described =
    events === undefined
      ? [`events not shown: the API server did not answer within ${formatDuration(DIAGNOSTICS_MS)}`]
      : events.length
        ? ['recent events:', ...events.map((line) => `  ${line}`)]
        : ['no recent events']
  return new TimeoutError(`${formatRef(ref)}: ${condition.description} ${why}; last: ${lastSeen}`, { details: described })
}

function formatDuration(ms: number): string {
  return ms >= 60_000 ? `${Math.round(ms / 6000) / 10} min` : `${Math.round(ms / 100) / 10} s`
}
