import { deploymentAvailable } from '../kube/conditions.js'
import type { ClusterSpec } from '../spec/load.js'
import type { Component } from './component.js'

/** Where Crossplane, its providers and functions run. */
export const CROSSPLANE_NAMESPACE = 'crossplane-system'

/**
 * The Crossplane chart's values, the same on kind and real clusters: the chart defaults
 * (one replica, RBAC manager, webhooks, requests of 100m/256Mi) fit both. Only
 * `metrics.enabled` changes: it adds port `metrics` (8080) and `prometheus.io/*` annotations to
 * the pods (no Service), so monitoring can scrape them with a PodMonitor.
 * Checked in crossplane/crossplane@v2.3.4 cluster/charts/crossplane/values.yaml.
 */
function values(): Record<string, unknown> {
  return { metrics: { enabled: true } }
}

/**
 * Crossplane core from its Helm chart (https://charts.crossplane.io/stable, chart `crossplane`,
 * version without `v`). The chart ships no CRDs: the pod's init container (`crossplane core init`)
 * installs the core CRDs, so Providers, Functions and XRDs can be applied only once the
 * Deployments run; the components that use them depend on this one. Healthy when both
 * Deployments, `crossplane` and `crossplane-rbac-manager` (named after the chart, not the
 * release), are available. Checked in crossplane/crossplane@v2.3.4
 * cluster/charts/crossplane/templates/{deployment,rbac-manager-deployment}.yaml.
 */
export const crossplane: Component = {
  name: 'crossplane',
  enabled: (spec: ClusterSpec) => spec.components.crossplane.enabled,
  describe: (spec: ClusterSpec) => {
    const version = spec.components.crossplane.version.replace(/^v/, '')
    return {
      name: 'crossplane',
      title: 'Crossplane',
      namespace: CROSSPLANE_NAMESPACE,
      dependsOn: [],
      source: { type: 'chart', repoURL: 'https://charts.crossplane.io/stable', chart: 'crossplane', version, releaseName: 'crossplane', values: values() },
      health: ['crossplane', 'crossplane-rbac-manager'].map((name) => ({
        ref: { apiVersion: 'apps/v1', kind: 'Deployment', name, namespace: CROSSPLANE_NAMESPACE },
        condition: deploymentAvailable,
      })),
      readiness: [],
      summary: [`Crossplane ${version} in ${CROSSPLANE_NAMESPACE}`],
    }
  },
}
