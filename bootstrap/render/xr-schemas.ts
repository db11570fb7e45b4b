import type { KubeObject } from '../kube/client.js'

// JSON Schemas for the resources of the APIs a repository defines itself (Crossplane XRDs, such as
// kindling's PostgresInstance), in the layout kubeconform reads: the validate workflow checks an
// app team's XR as it checks a Deployment, with no cluster to ask. A public schema catalog cannot
// know these APIs; without them every XR would fail as "no schema found".

type Schema = Record<string, unknown>

const NAME_REF: Schema = { type: 'object', required: ['name'], properties: { name: { type: 'string' } } }
const LABEL_SELECTOR: Schema = {
  type: 'object',
  required: ['matchLabels'],
  properties: { matchLabels: { type: 'object', additionalProperties: { type: 'string' } } },
}

/**
 * What Crossplane v2 adds under `spec.crossplane` of a namespaced XR's CRD (its internal/xcrd
 * CompositeResourceSpecProps); the integration tests compare these names with the CRD the real
 * Crossplane generates.
 */
export const CROSSPLANE_SPEC_FIELDS: Readonly<Record<string, Schema>> = {
  compositionRef: NAME_REF,
  compositionSelector: LABEL_SELECTOR,
  compositionRevisionRef: NAME_REF,
  compositionRevisionSelector: LABEL_SELECTOR,
  compositionUpdatePolicy: { type: 'string', enum: ['Automatic', 'Manual'] },
  resourceRefs: { type: 'array', items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
}

/**
 * Objects that list their properties accept no others, as the API server with strict field
 * validation does: a misspelt `storageGb` fails the pull request instead of being dropped.
 */
function closed(schema: Schema): Schema {
  const copy: Schema = { ...schema }
  if (copy.properties)
    copy.properties = Object.fromEntries(Object.entries(copy.properties as Record<string, Schema>).map(([name, field]) => [name, closed(field)]))
  if (copy.items && typeof copy.items === 'object' && !Array.isArray(copy.items)) copy.items = closed(copy.items as Schema)
  if (copy.additionalProperties && typeof copy.additionalProperties === 'object') copy.additionalProperties = closed(copy.additionalProperties as Schema)
  for (const keyword of ['allOf', 'anyOf', 'oneOf'])
    if (Array.isArray(copy[keyword])) copy[keyword] = (copy[keyword] as Schema[]).map((branch) => closed(branch))
  if (copy.properties && copy.additionalProperties === undefined && !copy['x-kubernetes-preserve-unknown-fields']) copy.additionalProperties = false
  return copy
}

interface XrdVersion {
  name: string
  served?: boolean
  schema?: { openAPIV3Schema?: Schema }
}

/** One schema per served version of every XRD among `objects`, keyed by kubeconform's `{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json`. */
export function xrJsonSchemas(objects: readonly KubeObject[]): Map<string, Schema> {
  const schemas = new Map<string, Schema>()
  for (const object of objects) {
    if (object.kind !== 'CompositeResourceDefinition' || !object.apiVersion.startsWith('apiextensions.crossplane.io/')) continue
    const spec = object.spec as { group: string; names: { kind: string }; versions?: XrdVersion[] }
    for (const version of spec.versions ?? []) {
      if (version.served === false) continue
      const openApi = version.schema?.openAPIV3Schema ?? {}
      const properties = (openApi.properties ?? {}) as Schema
      const ownSpec = (properties.spec ?? { type: 'object' }) as Schema
      const xrSpec = {
        ...ownSpec,
        type: 'object',
        properties: { ...((ownSpec.properties ?? {}) as Schema), crossplane: { type: 'object', properties: CROSSPLANE_SPEC_FIELDS } },
      }
      const schema = closed({
        type: 'object',
        required: ['apiVersion', 'kind', 'metadata', 'spec'],
        properties: {
          apiVersion: { type: 'string', enum: [`${spec.group}/${version.name}`] },
          kind: { type: 'string', enum: [spec.names.kind] },
          metadata: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
          spec: xrSpec,
          // Written by Crossplane, never in Git; open so a pasted `kubectl get -o yaml` still reads.
          status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        },
      })
      schemas.set(`${spec.group}/${spec.names.kind.toLowerCase()}_${version.name}.json`, { $schema: 'http://json-schema.org/draft-07/schema#', ...schema })
    }
  }
  return schemas
}
