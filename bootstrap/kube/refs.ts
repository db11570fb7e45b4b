// Objects and references to them: plain data, importable without loading the API client.

/** The field manager every kindling apply uses, so re-applies own the same fields. */
export const FIELD_MANAGER = 'kindling'

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
