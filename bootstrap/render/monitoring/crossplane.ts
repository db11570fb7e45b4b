import { CROSSPLANE_NAMESPACE } from '../../components/crossplane.js'
import type { ClusterSpec } from '../../spec/load.js'
import { dashboard } from './dashboard.js'
import { dashboardConfigMap, podMonitor, prometheusRule, type AlertRule, type LabelSelector, type MonitoringSet } from './objects.js'
import { infoMetrics, type InfoMetric } from './state-metrics.js'

/**
 * What providers serve on port `metrics`: the managed resource gauges
 * `crossplane_managed_resource_{exists,ready,synced}{gvk}` (crossplane/crossplane-runtime v2.4.0
 * pkg/statemetrics/mr_state_metrics.go, subsystem `crossplane`) and controller-runtime's
 * `controller_runtime_reconcile_errors_total{controller}` (kubernetes-sigs/controller-runtime@v0.22.2
 * pkg/internal/controller/metrics/metrics.go), which Crossplane core serves too.
 */
const SCRAPED = [
  'crossplane_managed_resource_exists',
  'crossplane_managed_resource_ready',
  'crossplane_managed_resource_synced',
  'controller_runtime_reconcile_errors_total',
] as const

const PORT = 'metrics'

/**
 * Providers and Functions report health only as a condition, never as a metric, so
 * kube-state-metrics turns it into `crossplane_package_info{customresource_kind, name, healthy,
 * installed, package}`. Conditions `Healthy` and `Installed`: crossplane/crossplane apis/pkg/v1/conditions.go (apis module v2.4.0).
 */
function packageKind(kind: 'Provider' | 'Function', plural: string): InfoMetric {
  return {
    group: 'pkg.crossplane.io',
    version: 'v1',
    kind,
    plural,
    prefix: 'crossplane',
    name: 'package_info',
    help: `The state of a Crossplane ${kind}: its Healthy and Installed conditions and package.`,
    labels: {
      healthy: ['status', 'conditions', '[type=Healthy]', 'status'],
      installed: ['status', 'conditions', '[type=Installed]', 'status'],
      package: ['spec', 'package'],
    },
  }
}

const NOT_READY = 'sum by (gvk) (crossplane_managed_resource_exists) - sum by (gvk) (crossplane_managed_resource_ready) > 0'
const NOT_SYNCED = 'sum by (gvk) (crossplane_managed_resource_exists) - sum by (gvk) (crossplane_managed_resource_synced) > 0'

const RULES: AlertRule[] = [
  {
    alert: 'CrossplanePackageUnhealthy',
    expr: 'crossplane_package_info{healthy!="True"} == 1',
    for: '15m',
    severity: 'warning',
    summary: 'Crossplane {{ $labels.customresource_kind }} {{ $labels.name }} has not been Healthy for 15 minutes.',
  },
  {
    alert: 'CrossplaneManagedResourcesNotReady',
    expr: NOT_READY,
    for: '15m',
    severity: 'warning',
    summary: '{{ $value }} managed resources of {{ $labels.gvk }} have not been Ready for 15 minutes.',
  },
  {
    alert: 'CrossplaneManagedResourcesNotSynced',
    expr: NOT_SYNCED,
    for: '15m',
    severity: 'warning',
    summary: '{{ $value }} managed resources of {{ $labels.gvk }} have not been Synced for 15 minutes.',
  },
]

const DASHBOARD = dashboard('kindling-crossplane', 'Crossplane', [
  [
    { type: 'stat', title: 'Providers and functions not healthy', queries: [{ expr: 'count(crossplane_package_info{healthy!="True"}) or vector(0)' }] },
    {
      type: 'stat',
      title: 'Managed resources not ready',
      queries: [{ expr: '(sum(crossplane_managed_resource_exists) - sum(crossplane_managed_resource_ready)) or vector(0)' }],
    },
    {
      type: 'stat',
      title: 'Managed resources not synced',
      queries: [{ expr: '(sum(crossplane_managed_resource_exists) - sum(crossplane_managed_resource_synced)) or vector(0)' }],
    },
  ],
  [{ type: 'table', title: 'Providers and functions', queries: [{ expr: 'crossplane_package_info' }] }],
  [
    {
      type: 'timeseries',
      title: 'Managed resources: existing and ready, by kind',
      queries: [
        { expr: 'sum by (gvk) (crossplane_managed_resource_exists)', legend: '{{gvk}} exists' },
        { expr: 'sum by (gvk) (crossplane_managed_resource_ready)', legend: '{{gvk}} ready' },
      ],
    },
    {
      type: 'timeseries',
      title: 'Reconcile errors by controller',
      unit: 'ops',
      queries: [
        { expr: `sum by (controller) (rate(controller_runtime_reconcile_errors_total{namespace="${CROSSPLANE_NAMESPACE}"}[5m]))`, legend: '{{controller}}' },
      ],
    },
  ],
])

/**
 * Monitoring for Crossplane: PodMonitors for core (pods labelled `app: crossplane` and
 * `app: crossplane-rbac-manager`, port `metrics` once the chart's `metrics.enabled` is on,
 * crossplane/crossplane@v2.4.2 cluster/charts/crossplane/templates/{deployment,rbac-manager-deployment}.yaml)
 * and for provider and function pods (the package manager labels them `pkg.crossplane.io/provider`
 * or `pkg.crossplane.io/function` and always adds port `metrics`, 8080:
 * internal/controller/pkg/runtime/runtime.go at v2.4.2; functions built on function-sdk-go serve
 * metrics there by default, crossplane/function-sdk-go@v0.7.1 sdk.go), alert rules, a dashboard, and
 * crossplane_package_info.
 */
export function renderCrossplaneMonitoring(spec: ClusterSpec): MonitoringSet {
  const pods = (name: string, selector: LabelSelector) => podMonitor(name, { namespace: CROSSPLANE_NAMESPACE, selector, port: PORT })
  return {
    objects: [
      pods('crossplane', { matchExpressions: [{ key: 'app', operator: 'In', values: ['crossplane', 'crossplane-rbac-manager'] }] }),
      pods('crossplane-providers', { matchExpressions: [{ key: 'pkg.crossplane.io/provider', operator: 'Exists' }] }),
      pods('crossplane-functions', { matchExpressions: [{ key: 'pkg.crossplane.io/function', operator: 'Exists' }] }),
      prometheusRule('crossplane', 'crossplane', RULES),
      ...(spec.components.monitoring.grafana.enabled ? [dashboardConfigMap('crossplane-dashboard', DASHBOARD)] : []),
    ],
    stateMetrics: infoMetrics([packageKind('Provider', 'providers'), packageKind('Function', 'functions')]),
    scraped: SCRAPED,
  }
}
