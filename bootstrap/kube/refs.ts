// Objects and references to them: plain data, importable without loading the API client.

import { Secret } from '../tools/secrets.js'
import type { PlanEntry } from './client.js'

/** The field manager every kindling apply uses, so re-applies own the same fields. */
export const FIELD_MANAGER = 'kindling'

/** The field manager of the annotation that asks an engine to look at Git now: kept apart, so it owns none of the sync objects' fields. */
export const REFRESH_FIELD_MANAGER = 'kindling-refresh'

/** Any Kubernetes object. Values may be `Secret`s; they are revealed only on the way to the API. */
export interface KubeObject {
  apiVersion: string
  kind: string
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; [key: string]: unknown }
  [key: string]: unknown
}

/** Enough to find one object. */
export interface ObjectRef {
  apiVersion: string
  kind: string
  name: string
  namespace?: string
}

export function refOf(object: KubeObject | ObjectRef): ObjectRef {
  if ('metadata' in object) return { apiVersion: object.apiVersion, kind: object.kind, name: object.metadata.name, namespace: object.metadata.namespace }
  return object
}

/** "Deployment flux-system/source-controller" */
export function formatRef(ref: ObjectRef | KubeObject): string {
  const { kind, name, namespace } = refOf(ref)
  return `${kind} ${namespace ? `${namespace}/` : ''}${name}`
}

/** Replace every `Secret` with its value: the last moment before the API sees it. */
export function revealSecrets(value: unknown): unknown {
  if (value instanceof Secret) return value.reveal()
  if (Array.isArray(value)) return value.map(revealSecrets)
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, revealSecrets(inner)]))
  return value
}

/**
 * Whether a server-side dry-run apply would leave the live object as it is. Field ownership, the
 * resourceVersion and the status are left out: controllers write status all the time (a Flux or
 * Crossplane object between the read and the dry run), and an apply never changes it.
 */
export function sameObject(live: KubeObject, dry: KubeObject): boolean {
  const strip = (object: KubeObject): string => {
    const {
      managedFields: _m,
      resourceVersion: _r,
      ...metadata
    } = object.metadata as KubeObject['metadata'] & { managedFields?: unknown; resourceVersion?: string }
    const { status: _s, ...rest } = object as KubeObject & { status?: unknown }
    return JSON.stringify({ ...rest, metadata })
  }
  return strip(live) === strip(dry)
}

/** One string per object: apiVersion, kind, namespace and name. */
export function objectKey(object: KubeObject): string {
  return `${object.apiVersion}|${object.kind}|${object.metadata.namespace ?? ''}|${object.metadata.name}`
}

/** What applying the entries of a dry-run apply that are not up to date did: "created Service a/b, changed Deployment a/c". */
export function describeApplied(entries: readonly PlanEntry[]): string {
  return entries
    .filter((entry) => entry.state !== 'up to date')
    .map((entry) => `${entry.state === 'create' ? 'created' : 'changed'} ${entry.ref}`)
    .join(', ')
}
