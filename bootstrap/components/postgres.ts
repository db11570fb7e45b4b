import type { KubeObject } from '../kube/client.js'
import { conditionTrue } from '../kube/conditions.js'
import type { ClusterSpec } from '../spec/load.js'
import type { Component } from './component.js'
import { CROSSPLANE_NAMESPACE } from './crossplane.js'
import { azureComposition } from './postgres/azure.js'
import { examples } from './postgres/examples.js'
import { gcpComposition } from './postgres/gcp.js'
import { hetznerComposition } from './postgres/hetzner.js'
import { localComposition, localRbac } from './postgres/local.js'
import { GROUP, renderXrd, VERSION, XRD_NAME, type Target } from './postgres/xrd.js'

const COMPOSITIONS: Record<Target, () => KubeObject> = {
  local: localComposition,
  azure: azureComposition,
  gcp: gcpComposition,
  hetzner: hetznerComposition,
}

const ALL_TARGETS = Object.keys(COMPOSITIONS) as Target[]

/** The targets the XRD accepts: local always, each cloud once the spec enables it (its kinds exist only then). */
function targetsOf(spec: ClusterSpec): Target[] {
  const { clouds } = spec.components.crossplane
  return ['local', ...(['azure', 'gcp', 'hetzner'] as const).filter((cloud) => clouds[cloud].enabled)]
}

/**
 * The self-service PostgresInstance API (platform.kindling.dev/v1alpha1): the namespaced XRD and
 * one Composition per target, each labelled `platform.kindling.dev/target`. All four Compositions
 * are always there (they are only data), but the XRD accepts only the targets the spec offers, so
 * asking for a cloud whose provider is not installed is refused by the API server at once. Every target
 * composes only namespaced resources in the XR's own namespace (a namespaced XR can compose
 * nothing else) and a connection Secret with host, port, username, password, database, sslmode and
 * uri. The Compositions name Functions, so this depends on crossplane-packages; the XRD itself
 * needs only Crossplane core. Healthy when the XRD is Established. The examples (one per target)
 * are kept beside the manifests and never applied.
 */
export const postgres: Component = {
  name: 'postgres',
  enabled: (spec: ClusterSpec) => spec.components.crossplane.enabled && spec.components.crossplane.postgres.enabled,
  describe: (spec: ClusterSpec) => {
    const targets = targetsOf(spec)
    return {
      name: 'postgres',
      title: 'PostgresInstance API',
      namespace: CROSSPLANE_NAMESPACE,
      dependsOn: ['crossplane-packages'],
      source: { type: 'manifests', objects: [localRbac(), renderXrd(targets), ...ALL_TARGETS.map((target) => COMPOSITIONS[target]())] },
      health: [
        { ref: { apiVersion: 'apiextensions.crossplane.io/v2', kind: 'CompositeResourceDefinition', name: XRD_NAME }, condition: conditionTrue('Established') },
      ],
      readiness: [{ apiVersion: 'apiextensions.crossplane.io/v2', kind: 'CompositeResourceDefinition', condition: 'Established' }],
      extraFiles: examples(ALL_TARGETS, spec),
      summary: [`PostgresInstance (${GROUP}/${VERSION}) for targets ${targets.join(', ')}; examples in ${spec.repository.path}/components/postgres/examples/`],
    }
  },
}
