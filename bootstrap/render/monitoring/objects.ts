import type { KubeObject } from '../../kube/client.js'
import type { Dashboard } from './dashboard.js'
import type { StateMetrics } from './state-metrics.js'

/** Where kube-prometheus-stack runs, and where kindling keeps its monitors, rules and dashboards. */
export const MONITORING_NAMESPACE = 'monitoring'

/**
 * The label Grafana's dashboard sidecar loads ConfigMaps by, as the monitoring component sets it
 * (`grafana.sidecar.dashboards.label`/`labelValue`; the chart's defaults too, checked in
 * prometheus-community/helm-charts@kube-prometheus-stack-88.5.3 charts/kube-prometheus-stack/values.yaml).
 */
export const DASHBOARD_LABEL = { grafana_dashboard: '1' } as const

/**
 * Whom Prometheus picks these objects up for: nobody in particular. The monitoring component sets
 * the `*SelectorNilUsesHelmValues` values to false, so Prometheus selects every monitor and rule in
 * every namespace; the labels only tell people where an object comes from.
 */
const PART_OF = { 'app.kubernetes.io/part-of': 'kindling', 'app.kubernetes.io/component': 'monitoring' } as const

const API = 'monitoring.coreos.com/v1'

/** A Kubernetes label selector. */
export interface LabelSelector {
  matchLabels?: Record<string, string>
  matchExpressions?: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[]
}

/** What to scrape: pods (or Services) matching `selector` in `namespace`, on the port named `port`. */
export interface ScrapeTarget {
  namespace: string
  selector: LabelSelector
  port: string
}

/**
 * A PodMonitor in the monitoring namespace for pods elsewhere. Fields checked in the PodMonitor CRD
 * of prometheus-operator v0.93.1 (charts/kube-prometheus-stack/charts/crds/crds/crd-podmonitors.yaml
 * at kube-prometheus-stack-88.5.3): `namespaceSelector.matchNames`, `selector`, `podMetricsEndpoints[].port`.
 */
export function podMonitor(name: string, target: ScrapeTarget): KubeObject {
  return {
    apiVersion: API,
    kind: 'PodMonitor',
    metadata: { name, namespace: MONITORING_NAMESPACE, labels: { ...PART_OF } },
    spec: { namespaceSelector: { matchNames: [target.namespace] }, selector: target.selector, podMetricsEndpoints: [{ port: target.port }] },
  }
}

/** A ServiceMonitor in the monitoring namespace for Services elsewhere (`endpoints[].port` names the Service port). */
export function serviceMonitor(name: string, target: ScrapeTarget): KubeObject {
  return {
    apiVersion: API,
    kind: 'ServiceMonitor',
    metadata: { name, namespace: MONITORING_NAMESPACE, labels: { ...PART_OF } },
    spec: { namespaceSelector: { matchNames: [target.namespace] }, selector: target.selector, endpoints: [{ port: target.port }] },
  }
}

/** One alert: fires when `expr` returns anything for `for`. */
export interface AlertRule {
  alert: string
  expr: string
  for: string
  severity: 'critical' | 'warning' | 'info'
  /** One line; may use `{{ $labels.name }}`. */
  summary: string
}

/** A PrometheusRule holding one group of alerts. */
export function prometheusRule(name: string, group: string, rules: readonly AlertRule[]): KubeObject {
  return {
    apiVersion: API,
    kind: 'PrometheusRule',
    metadata: { name, namespace: MONITORING_NAMESPACE, labels: { ...PART_OF } },
    spec: {
      groups: [
        {
          name: group,
          rules: rules.map((rule) => ({
            alert: rule.alert,
            expr: rule.expr,
            for: rule.for,
            labels: { severity: rule.severity },
            annotations: { summary: rule.summary },
          })),
        },
      ],
    },
  }
}

/** A dashboard as the ConfigMap Grafana's sidecar loads, in the monitoring namespace. */
export function dashboardConfigMap(name: string, dashboard: Dashboard, labels: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: MONITORING_NAMESPACE, labels: { ...PART_OF, ...DASHBOARD_LABEL, ...labels } },
    data: { [`${name}.json`]: `${JSON.stringify(dashboard, null, 2)}\n` },
  }
}

/** What monitoring adds for one part of the platform (an engine, Crossplane). */
export interface MonitoringSet {
  /** PodMonitors/ServiceMonitors, PrometheusRules and dashboard ConfigMaps. */
  objects: KubeObject[]
  /** kube-state-metrics entries that turn the state of its custom resources into metrics. */
  stateMetrics: StateMetrics
  /**
   * The metrics its scrape targets serve that its rules and dashboards use, each checked in the
   * source named where it is listed; tests hold every expression to these and the state metrics.
   */
  scraped: readonly string[]
}
