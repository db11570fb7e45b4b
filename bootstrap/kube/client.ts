import * as k8s from '@kubernetes/client-node'
import type { KindlingError } from '../engine/errors.js'
import { mapLimit } from '../engine/map-limit.js'
import { conditionTrue, type Condition } from './conditions.js'
import { apiError, isUnknownKind, statusOf } from './api-errors.js'
import { JsonObjectApi, type RequestBounds } from './json-api.js'
import { loadKubeconfig } from './load-config.js'
import { FIELD_MANAGER, formatRef, objectKey, refOf, revealSecrets, sameObject, type KubeObject, type ObjectRef } from './refs.js'
import { watchFor, type WaitOptions, type WatchedObject } from './wait-for.js'

export { formatRef, refOf, type KubeObject, type ObjectRef } from './refs.js'
export type { WaitOptions } from './wait-for.js'

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

export interface ListOptions extends RequestOptions {
  namespace?: string
  labelSelector?: string
  fieldSelector?: string
}

export interface RequestOptions {
  /** Cancels the request before the run's signal does: a best-effort lookup with a budget of its own. */
  signal?: AbortSignal
}

const APPLY_CONCURRENCY = 8
const FIRST_KINDS = new Set(['CustomResourceDefinition', 'Namespace'])

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
  static fromKubeconfig(options: Parameters<typeof loadKubeconfig>[0] & { bounds?: RequestBounds }): KubeClient {
    return new KubeClient(loadKubeconfig(options), options.context, options.bounds)
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

  async get(ref: ObjectRef, options: RequestOptions = {}): Promise<KubeObject | undefined> {
    try {
      const spec = { apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, namespace: ref.namespace } }
      return await this.#objects.request('GET', spec, 'read', { signal: options.signal })
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
        signal: options.signal,
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
  async events(ref: ObjectRef, limit = 5, options: RequestOptions = {}): Promise<string[]> {
    const fieldSelector = `involvedObject.name=${ref.name},involvedObject.kind=${ref.kind}`
    const items = await this.list('v1', 'Event', { namespace: ref.namespace ?? 'default', fieldSelector, signal: options.signal }).catch(() => [])
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
    const watched: WatchedObject = {
      config: this.config,
      path,
      list: (fieldSelector) => this.listRaw(ref.apiVersion, ref.kind, { namespace: ref.namespace, fieldSelector }),
      get: (target, signal) => this.get(target, { signal }),
      events: (target, signal) => this.events(target, undefined, { signal }),
      wrap: (what, error) => this.wrap(what, error),
    }
    return watchFor(watched, ref, condition, options)
  }

  /** `/apis/apps/v1/namespaces/x/deployments`: the URL path of an object's collection. */
  private async collectionPath(ref: ObjectRef): Promise<string> {
    return this.#objects.collectionPath(ref.apiVersion, ref.kind, ref.namespace).catch((error: unknown) => {
      throw this.wrap(`find the API for ${ref.apiVersion} ${ref.kind}`, error)
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
