import { engineOf } from '../engines/index.js'
import { renderCrossplaneMonitoring } from '../render/monitoring/crossplane.js'
import { MONITORING_NAMESPACE } from '../render/monitoring/objects.js'
import type { ClusterSpec } from '../spec/load.js'
import type { Component } from './component.js'

/**
 * What kindling watches and alerts on, applied once kube-prometheus-stack is healthy (its CRDs
 * define PodMonitor, ServiceMonitor and PrometheusRule): the engine's monitors, alert rules and
 * dashboard (each engine says what they are), and Crossplane's when Crossplane is on. Dashboards
 * only with Grafana. None of these kinds has a readiness condition: that the engine applied them is
 * what counts.
 */
export const monitoringConfig: Component = {
  name: 'monitoring-config',
  enabled: (spec: ClusterSpec) => spec.components.monitoring.enabled,
  describe: (spec: ClusterSpec) => {
    const engine = engineOf(spec)
    const crossplane = spec.components.crossplane.enabled ? renderCrossplaneMonitoring(spec).objects : []
    return {
      name: 'monitoring-config',
      title: 'Monitors, alert rules and dashboards',
      namespace: MONITORING_NAMESPACE,
      dependsOn: ['monitoring'],
      source: { type: 'manifests', objects: [...engine.monitoring(spec).objects, ...crossplane] },
      health: [],
      readiness: [],
      summary: [
        `Alerts: ${engine.title}${spec.components.crossplane.enabled ? ' and Crossplane' : ''} rules in PrometheusRules of ${MONITORING_NAMESPACE} (see them at Prometheus /alerts)`,
      ],
    }
  },
}
