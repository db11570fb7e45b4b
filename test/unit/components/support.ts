import type { KubeObject } from '../../../bootstrap/kube/client.js'
import type { ComponentDescription } from '../../../bootstrap/components/component.js'
import { parseClusterSpec, type ClusterSpec } from '../../../bootstrap/spec/load.js'
import { specText } from '../support/context.js'

/** The `components.crossplane` block of cluster.yaml, as YAML under `crossplane:`. */
export function crossplaneSpec(crossplane = 'enabled: true'): ClusterSpec {
  const block = crossplane
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n')
  return parseClusterSpec(specText({ extra: `components:\n  crossplane:\n${block}` }), '/repo/clusters/lab/cluster.yaml', '/repo', 'lab')
}

/** Every cloud on: the spec the golden files are made from. */
export const ALL_CLOUDS = `clouds:
  azure: { enabled: true }
  gcp: { enabled: true, projectID: example-project-123 }
  hetzner: { enabled: true, credentialsSecret: hcloud-token }`

export function objectsOf(description: ComponentDescription): KubeObject[] {
  if (description.source.type !== 'manifests') throw new Error(`${description.name} is a chart, not manifests`)
  return description.source.objects
}
