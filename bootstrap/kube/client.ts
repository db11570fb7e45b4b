import { readFileSync } from 'node:fs'
import * as k8s from '@kubernetes/client-node'
import { InterruptedError, KindlingError, PrerequisiteError, TimeoutError } from '../engine/errors.js'
import { mapLimit } from '../engine/map-limit.js'
import { MAX_KUBECONFIG_BYTES, plainFileProblem } from '../tools/files.js'
import { conditionTrue, lastMessage, type Condition, type ConditionResult } from './conditions.js'
import { apiError, isAbort, isUnknownKind, statusOf } from './api-errors.js'
import { isNetworkError, JsonObjectApi, type RequestBounds } from './json-api.js'
import { credentialsError, kubeconfigCheckCommand, KubeconfigError, kubeconfigLoadProblem, kubeconfigTextProblem } from './kubeconfig.js'
import { FIELD_MANAGER, formatRef, objectKey, refOf, revealSecrets, sameObject, type KubeObject, type ObjectRef } from './refs.js'

export { FIELD_MANAGER, formatRef, refOf, type KubeObject, type ObjectRef } from './refs.js'
export { KubeApiError } from './api-errors.js'
export { KubeconfigError, KubeCredentialsError } from './kubeconfig.js'

export type ApplyOutcome = 'created' | 'configured' | 'unchanged'
export interface ApplyResult {
  ref: string
  outcome: ApplyOutcome
  object: KubeObject
}

/** What a server-side dry-run apply says would happen. */
export interface PlanEntry {
  ref: string
  state: 'up to date' | 'create' | 'change'
}

export interface ListOptions {
  namespace?: string
  labelSelector?: string
  fieldSelector?: string
}

export interface WaitOptions {
  timeoutMs: number
  signal?: AbortSignal
}

const APPLY_CONCURRENCY = 8
const WATCH_RETRY_MS = 1000
const FIRST_KINDS = new Set(['CustomResourceDefinition', 'Namespace'])

/**
 * A kubeconfig whose credentials failing to apply say which user and plugin failed. The library
 * rejects with a failed `exec:` plugin's stderr as the whole message, often empty ("get server
 * version: "), or a JSON error quoting what the plugin printed. Requests and watches both ask here.
 */
class CredentialedKubeConfig extends k8s.KubeConfig {
  /** The file it was read from, for the command a message suggests. */
  file?: string

  override async applySecurityAuthentication(context: k8s.RequestContext): Promise<void> {
    try {
      await super.applySecurityAuthentication(context)
    } catch (error) {
      throw credentialsError(this.getCurrentUser(), error, { context: this.getCurrentContext(), file: this.file })
    }
  }

  override async applyToHTTPSOptions(opts: Parameters<k8s.KubeConfig['applyToHTTPSOptions']>[0]): Promise<void> {
    try {
      await super.applyToHTTPSOptions(opts)
    } catch (error) {
      throw credentialsError(this.getCurrentUser(), error, { context: this.getCurrentContext(), file: this.file })
    }
  }
}

/** A kubeconfig's text, to say what is wrong with it; undefined when it cannot be read now. */
function textOf(options: { file?: string; yaml?: string }): string | undefined {
  if (options.yaml !== undefined) return options.yaml
  if (!options.file) return undefined
  try {
    return readFileSync(options.file, 'utf8')
  } catch {
    return undefined
  }
}

function unreadableKubeconfig(options: { file?: string }, problem: string): KubeconfigError {
  return new KubeconfigError(`cannot read kubeconfig ${options.file ?? '(default)'}: ${problem}`, {
    details: options.file ? [`check it with \`${kubeconfigCheckCommand(options.file)}\` and correct it`] : [],
  })
}

/** The one module that talks to the Kubernetes API. */
export class KubeClient {
  readonly #objects: JsonObjectApi

  constructor(
    readonly config: k8s.KubeConfig,
    /** The context in use; kindling never switches to another. */
    readonly context: string,
    /** Deadlines and the run's signal, for every request this client sends. */
    private readonly bounds: RequestBounds = {},
  ) {
    this.#objects = JsonObjectApi.forConfig(config, bounds)
  }

  /**
   * Connect through exactly the named context of a kubeconfig file. A context the file does not
   * have is refused rather than falling back to the current one.
   */
  static fromKubeconfig(options: { file?: string; context: string; yaml?: string; bounds?: RequestBounds }): KubeClient {
    const config = new CredentialedKubeConfig()
    // Asked before the library reads it (synchronously): a pipe or `/dev/zero` would hang the process.
    const unreadable = options.yaml === undefined && options.file ? plainFileProblem(options.file, MAX_KUBECONFIG_BYTES) : undefined
    if (unreadable) throw new PrerequisiteError(`kubeconfig ${options.file} ${unreadable.problem}`)
    try {
      if (options.yaml !== undefined) config.loadFromString(options.yaml)
      else if (options.file) config.loadFromFile(options.file)
      else config.loadFromDefault()
    } catch (cause) {
      // The library's message quotes the lines around a YAML mistake, credentials included: it is
      // neither shown nor kept as the cause, which a report or --verbose would print.
      throw unreadableKubeconfig(options, kubeconfigLoadProblem(cause, textOf(options)))
    }
    const names = config.getContexts().map((context) => context.name)
    // No contexts at all: a file that is no kubeconfig (a list, a scalar) loads as an empty one.
    const shape = names.length === 0 ? kubeconfigTextProblem(textOf(options) ?? '') : undefined
    if (shape) throw unreadableKubeconfig(options, shape)
    if (!names.includes(options.context)) {
      throw new PrerequisiteError(`kubeconfig ${options.file ?? '(default)'} has no context named "${options.context}"`, {
        details: [`contexts there: ${names.join(', ') || '(none)'}`, 'kindling only uses the context the spec names'],
      })
    }
    config.setCurrentContext(options.context)
    config.file = options.file
    return new KubeClient(config, options.context, options.bounds)
  }

  /** The API server's version, e.g. "v1.34.0". */
  async serverVersion(): Promise<string> {
    const info = await this.call('get server version', () => this.#objects.request('GET', '/version', 'read'))
    return String(info.gitVersion)
  }

  /**
   * GET a path of a Service through the API server's proxy (`services/<name>:<port>/proxy`): a read,
   * so it needs no port-forward and writes nothing. The answer is parsed as JSON.
   */
  async serviceGet(service: { namespace: string; name: string; port: number }, path: string, query?: Record<string, string>): Promise<unknown> {
    const uri = `/api/v1/namespaces/${service.namespace}/services/${service.name}:${service.port}/proxy${path}`
    return this.call(`GET ${path} of Service ${service.namespace}/${service.name}`, () => this.#objects.request('GET', uri, 'read', { query }))
  }

  async get(ref: ObjectRef): Promise<KubeObject | undefined> {
    try {
      return await this.#objects.request('GET', { apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, namespace: ref.namespace } }, 'read')
    } catch (error) {
      if (statusOf(error) === 404 || isUnknownKind(error)) return undefined
      throw this.wrap(`get ${formatRef(ref)}`, error)
    }
  }

  async list(apiVersion: string, kind: string, options: ListOptions = {}): Promise<KubeObject[]> {
    return (await this.listRaw(apiVersion, kind, options)).items
  }

  private async listRaw(
    apiVersion: string,
    kind: string,
    options: ListOptions & { metadataOnly?: boolean },
  ): Promise<{ items: KubeObject[]; resourceVersion?: string }> {
    try {
      const query = { fieldSelector: options.fieldSelector, labelSelector: options.labelSelector }
      // Metadata only: a list of CRDs would otherwise carry every schema.
      const accept = options.metadataOnly ? 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json' : undefined
      const result = (await this.#objects.request('GET', { apiVersion, kind, metadata: { name: '', namespace: options.namespace } }, 'list', {
        query,
        accept,
      })) as unknown as { items: KubeObject[] | null; metadata?: { resourceVersion?: string } }
      // An empty metadata-only list comes back with `items: null`.
      return { items: (result.items ?? []).map((item) => ({ ...item, apiVersion, kind })), resourceVersion: result.metadata?.resourceVersion }
    } catch (error) {
      if (statusOf(error) === 404 || isUnknownKind(error)) return { items: [] }
      throw this.wrap(`list ${kind}`, error)
    }
  }

  /**
   * Server-side apply one object with kindling's field manager (or another, for a field kindling
   * sets once and the controller clears, like a refresh annotation); reports whether anything changed.
   * An object must set at least one field (a label will do): the API server keeps no ownership
   * record for an apply that owns nothing, and re-creates one, with a new resourceVersion, next time.
   */
  async apply(object: KubeObject, options: { fieldManager?: string } = {}): Promise<ApplyResult> {
    const before = await this.get(refOf(object))
    return this.applyOver(object, before?.metadata.resourceVersion as string | undefined, options)
  }

  /** Apply, knowing the live object's resourceVersion (undefined: absent): one request. */
  private async applyOver(object: KubeObject, liveVersion: string | undefined, options: { fieldManager?: string } = {}): Promise<ApplyResult> {
    const ref = formatRef(object)
    const after = await this.call(`apply ${ref}`, () => this.serverSideApply(object, { fieldManager: options.fieldManager ?? FIELD_MANAGER }))
    const outcome: ApplyOutcome = liveVersion === undefined ? 'created' : liveVersion === after.metadata.resourceVersion ? 'unchanged' : 'configured'
    return { ref, outcome, object: after }
  }

  /**
   * Apply a set of objects: CRDs and Namespaces first (CRDs waited on until Established), then
   * the rest in parallel. Server-side, so CRDs of any size apply. What exists is learnt with one
   * metadata-only list per kind and namespace, not a GET per object, so unchanged objects cost
   * one request each, as with `kubectl apply --server-side`.
   */
  async applyAll(objects: readonly KubeObject[], options: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<ApplyResult[]> {
    const first = objects.filter((object) => FIRST_KINDS.has(object.kind))
    const rest = objects.filter((object) => !FIRST_KINDS.has(object.kind))
    const applySet = async (set: readonly KubeObject[]): Promise<ApplyResult[]> => {
      const live = await this.liveVersions(set)
      return mapLimit(set, APPLY_CONCURRENCY, async (object) => {
        options.signal?.throwIfAborted()
        return this.applyOver(object, live.get(objectKey(object)))
      })
    }
    const firstResults = await applySet(first)
    await Promise.all(
      first
        .filter((object) => object.kind === 'CustomResourceDefinition')
        .map((crd) => this.waitFor(refOf(crd), conditionTrue('Established'), { timeoutMs: options.timeoutMs ?? 60_000, signal: options.signal })),
    )
    const restResults = await applySet(rest)
    const byObject = new Map<KubeObject, ApplyResult>()
    first.forEach((object, index) => byObject.set(object, firstResults[index]!))
    rest.forEach((object, index) => byObject.set(object, restResults[index]!))
    return objects.map((object) => byObject.get(object)!)
  }

  /** resourceVersion of each existing object among these, by objectKey: one metadata-only list per kind and namespace. */
  private async liveVersions(objects: readonly KubeObject[]): Promise<Map<string, string>> {
    const groups = new Map<string, { apiVersion: string; kind: string; namespace?: string }>()
    for (const object of objects)
      groups.set(objectKey({ ...object, metadata: { ...object.metadata, name: '' } }), {
        apiVersion: object.apiVersion,
        kind: object.kind,
        namespace: object.metadata.namespace,
      })
    const versions = new Map<string, string>()
    await mapLimit([...groups.values()], APPLY_CONCURRENCY, async ({ apiVersion, kind, namespace }) => {
      const { items } = await this.listRaw(apiVersion, kind, { namespace, metadataOnly: true })
      for (const item of items) {
        if (item.metadata.resourceVersion)
          versions.set(objectKey({ apiVersion, kind, metadata: { name: item.metadata.name, namespace } }), String(item.metadata.resourceVersion))
      }
    })
    return versions
  }

  /** What applying these objects would change, asked of the server with a dry-run apply. */
  async planApply(objects: readonly KubeObject[]): Promise<PlanEntry[]> {
    return mapLimit(objects, APPLY_CONCURRENCY, async (object) => {
      const ref = formatRef(object)
      const live = await this.get(refOf(object))
      if (!live) return { ref, state: 'create' as const }
      const dry = await this.call(`dry-run apply ${ref}`, () => this.serverSideApply(object, { fieldManager: FIELD_MANAGER, dryRun: true }))
      return { ref, state: sameObject(live, dry) ? ('up to date' as const) : ('change' as const) }
    })
  }

  private serverSideApply(object: KubeObject, options: { fieldManager: string; dryRun?: boolean }): Promise<KubeObject> {
    const query = { fieldManager: options.fieldManager, force: 'true', dryRun: options.dryRun ? 'All' : undefined }
    return this.#objects.request('PATCH', object, 'patch', { query, body: revealSecrets(object), contentType: k8s.PatchStrategy.ServerSideApply })
  }

  /** Delete an object; `absent` when it was not there. Does not wait for finalizers. */
  async delete(ref: ObjectRef): Promise<'deleted' | 'absent'> {
    try {
      const spec = { apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, namespace: ref.namespace } }
      await this.#objects.delete(spec, undefined, undefined, undefined, undefined, 'Background')
      return 'deleted'
    } catch (error) {
      if (statusOf(error) === 404 || isUnknownKind(error)) return 'absent'
      throw this.wrap(`delete ${formatRef(ref)}`, error)
    }
  }

  /** The most recent events about an object, oldest first, as "Warning Reason: message" lines. */
  async events(ref: ObjectRef, limit = 5): Promise<string[]> {
    const fieldSelector = `involvedObject.name=${ref.name},involvedObject.kind=${ref.kind}`
    const items = await this.list('v1', 'Event', { namespace: ref.namespace ?? 'default', fieldSelector }).catch(() => [])
    const time = (event: KubeObject): string => String(event.lastTimestamp ?? event.eventTime ?? event.metadata.creationTimestamp ?? '')
    return items
      .sort((a, b) => time(a).localeCompare(time(b)))
      .slice(-limit)
      .map(
        (event) =>
          `${String(event.type ?? 'Normal')} ${String(event.reason ?? '')}: ${String(event.message ?? '').trim()}${Number(event.count ?? 1) > 1 ? ` (x${String(event.count)})` : ''}`,
      )
  }

  /**
   * Wait until `condition` holds for an object, by watching it (no polling). Gives up at the
   * deadline, or at once when the condition reports a terminal failure; either error names the
   * object, the condition, its last message and recent events.
   */
  async waitFor(ref: ObjectRef, condition: Condition, options: WaitOptions): Promise<KubeObject | undefined> {
    const path = await this.collectionPath(ref)
    return new Promise<KubeObject | undefined>((resolve, reject) => {
      let last: ConditionResult = { done: false, message: 'not observed yet' }
      let stopWatch: AbortController | undefined
      let settled = false
      const finish = (outcome: () => void): void => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        options.signal?.removeEventListener('abort', onAbort)
        stopWatch?.abort()
        outcome()
      }
      const evaluate = (object: KubeObject | undefined): void => {
        last = condition.test(object)
        if (last.done) finish(() => resolve(object))
        else if (last.failed) void this.failure(ref, condition, last.failed, 'failed').then((error) => finish(() => reject(error)))
      }
      const onAbort = (): void => finish(() => reject(new InterruptedError(`interrupted while waiting for ${formatRef(ref)}`)))
      const timer = setTimeout(() => {
        void this.failure(ref, condition, last.message, `timed out after ${formatDuration(options.timeoutMs)}`).then((error) => finish(() => reject(error)))
      }, options.timeoutMs)
      options.signal?.addEventListener('abort', onAbort, { once: true })
      if (options.signal?.aborted) return onAbort()

      // List to learn the current state and resourceVersion, then watch from there; re-list when the server ends the watch.
      const listAndWatch = async (): Promise<void> => {
        if (settled) return
        const fieldSelector = `metadata.name=${ref.name}`
        const { items, resourceVersion } = await this.listRaw(ref.apiVersion, ref.kind, { namespace: ref.namespace, fieldSelector })
        evaluate(items[0])
        if (settled) return
        stopWatch = await new k8s.Watch(this.config).watch(
          path,
          { fieldSelector, resourceVersion, allowWatchBookmarks: true },
          (phase, object: KubeObject) => {
            if (phase === 'BOOKMARK' || phase === 'ERROR') return
            evaluate(phase === 'DELETED' ? undefined : object)
          },
          (error: unknown) => {
            if (settled) return
            if (error && statusOf(error) !== 410 && !isAbort(error)) {
              // The server went away (restarting): list and watch again shortly; the list retries with backoff.
              if (statusOf(error) === undefined && isNetworkError(error)) {
                setTimeout(() => void listAndWatch().catch(onListError), WATCH_RETRY_MS)
                return
              }
              finish(() => reject(this.wrap(`watch ${formatRef(ref)}`, error)))
              return
            }
            void listAndWatch().catch(onListError)
          },
        )
        if (settled) stopWatch.abort()
      }
      const onListError = (cause: unknown): void => finish(() => reject(cause))
      listAndWatch().catch(onListError)
    })
  }

  /** `/apis/apps/v1/namespaces/x/deployments`: the URL path of an object's collection. */
  private async collectionPath(ref: ObjectRef): Promise<string> {
    return this.#objects.collectionPath(ref.apiVersion, ref.kind, ref.namespace).catch((error: unknown) => {
      throw this.wrap(`find the API for ${ref.apiVersion} ${ref.kind}`, error)
    })
  }

  private async failure(ref: ObjectRef, condition: Condition, message: string | undefined, why: string): Promise<TimeoutError> {
    const object = await this.get(ref).catch(() => undefined)
    const events = await this.events(ref).catch(() => [])
    const lastSeen = message ?? lastMessage(object) ?? 'no status reported'
    return new TimeoutError(`${formatRef(ref)}: ${condition.description} ${why}; last: ${lastSeen}`, {
      details: events.length ? ['recent events:', ...events.map((line) => `  ${line}`)] : ['no recent events'],
    })
  }

  private async call<T>(what: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work()
    } catch (error) {
      throw this.wrap(what, error)
    }
  }

  private wrap(what: string, error: unknown): KindlingError {
    return apiError(what, error, this.context, this.bounds.signal)
  }
}

function formatDuration(ms: number): string {
  return ms >= 60_000 ? `${Math.round(ms / 6000) / 10} min` : `${Math.round(ms / 100) / 10} s`
}
