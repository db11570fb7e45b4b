import type { ClusterSpec } from '../../spec/load.js'
import { ARGOCD_NAMESPACE, ARGOCD_RELEASE } from '../argocd.js'
import { dashboard } from './dashboard.js'
import { dashboardConfigMap, prometheusRule, serviceMonitor, type AlertRule, type MonitoringSet } from './objects.js'

/**
 * What the application controller serves on its metrics Service: `argocd_app_info{name, project,
 * autosync_enabled, sync_status, health_status, ...}`, `argocd_app_sync_total{phase, dry_run}` and the
 * histogram `argocd_app_reconcile` (argoproj/argo-cd controller/metrics/metrics.go at v3.2.0 and
 * v3.4.4, the appVersions of charts 9.1.4 and 10.1.1; docs/operator-manual/metrics.md).
 */
const SCRAPED = ['argocd_app_info', 'argocd_app_sync_total', 'argocd_app_reconcile'] as const

/**
 * The metrics Services the argo-cd chart makes for the components kindling's values turn metrics
 * on for (render/argocd.ts): each is labelled `app.kubernetes.io/name` (`argocd-` from the chart's
 * `nameOverride: argocd`, then `metrics` or `<component>-metrics`) and `app.kubernetes.io/component`,
 * and names its port `http-metrics`. Checked in argoproj/argo-helm at argo-cd-9.1.4 and
 * argo-cd-10.1.1: charts/argo-cd/templates/<component>/metrics.yaml, templates/_common.tpl, values.yaml.
 */
const METRICS_SERVICES = [
  { component: 'application-controller', name: 'argocd-metrics' },
  { component: 'server', name: 'argocd-server-metrics' },
  { component: 'repo-server', name: 'argocd-repo-server-metrics' },
  { component: 'applicationset-controller', name: 'argocd-metrics' },
] as const

const RULES: AlertRule[] = [
  {
    alert: 'ArgoCdSyncFailed',
    expr: 'sum by (name) (increase(argocd_app_sync_total{phase=~"Error|Failed",dry_run!="true"}[10m])) > 0',
    for: '1m',
    severity: 'warning',
    summary: 'Argo CD Application {{ $labels.name }} failed to sync in the last 10 minutes.',
  },
  {
    alert: 'ArgoCdAppUnhealthy',
    expr: 'argocd_app_info{health_status=~"Degraded|Missing|Unknown"} == 1',
    for: '15m',
    severity: 'warning',
    summary: 'Argo CD Application {{ $labels.name }} has been {{ $labels.health_status }} for 15 minutes.',
  },
  {
    alert: 'ArgoCdAppOutOfSync',
    expr: 'argocd_app_info{sync_status!="Synced"} == 1',
    for: '30m',
    severity: 'warning',
    summary: 'Argo CD Application {{ $labels.name }} has been {{ $labels.sync_status }} for 30 minutes: its sync is stalled.',
  },
  {
    alert: 'ArgoCdAutoSyncOff',
    expr: 'argocd_app_info{autosync_enabled="false"} == 1',
    for: '1h',
    severity: 'info',
    summary: 'Argo CD Application {{ $labels.name }} has had automated sync off for an hour: Git changes to it are not applied.',
  },
]

const DASHBOARD = dashboard('kindling-argocd', 'Argo CD', [
  [
    { type: 'stat', title: 'Applications not healthy', queries: [{ expr: 'count(argocd_app_info{health_status!="Healthy"}) or vector(0)' }] },
    { type: 'stat', title: 'Applications out of sync', queries: [{ expr: 'count(argocd_app_info{sync_status!="Synced"}) or vector(0)' }] },
    {
      type: 'stat',
      title: 'Failed syncs (1h)',
      queries: [{ expr: 'sum(increase(argocd_app_sync_total{phase=~"Error|Failed",dry_run!="true"}[1h])) or vector(0)' }],
    },
  ],
  [
    {
      type: 'table',
      title: 'Applications not healthy or not synced',
      queries: [{ expr: 'argocd_app_info{health_status!="Healthy"} or argocd_app_info{sync_status!="Synced"}' }],
    },
  ],
  [
    {
      type: 'timeseries',
      title: 'Syncs by result',
      queries: [{ expr: 'sum by (phase) (increase(argocd_app_sync_total{dry_run!="true"}[10m]))', legend: '{{phase}}' }],
    },
    {
      type: 'timeseries',
      title: 'Reconcile duration (p95)',
      unit: 's',
      queries: [{ expr: 'histogram_quantile(0.95, sum by (le) (rate(argocd_app_reconcile_bucket[5m])))', legend: 'p95' }],
    },
  ],
])

/**
 * Monitoring for Argo CD: a ServiceMonitor per metrics Service, alert rules and a dashboard. The
 * chart's own ServiceMonitors are not used: the chart renders them only when the
 * monitoring.coreos.com API exists at render time, which it does not when Argo CD is installed first.
 * Argo CD exports its Applications' state itself, so it needs no kube-state-metrics entries.
 */
export function renderArgoCdMonitoring(spec: ClusterSpec): MonitoringSet {
  const monitors = METRICS_SERVICES.map(({ component, name }) =>
    serviceMonitor(`argocd-${component}`, {
      namespace: ARGOCD_NAMESPACE,
      selector: { matchLabels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/component': component, 'app.kubernetes.io/instance': ARGOCD_RELEASE } },
      port: 'http-metrics',
    }),
  )
  return {
    objects: [
      ...monitors,
      prometheusRule('argocd', 'argocd', RULES),
      ...(spec.components.monitoring.grafana.enabled ? [dashboardConfigMap('argocd-dashboard', DASHBOARD)] : []),
    ],
    stateMetrics: { resources: [], rbacRules: [] },
    scraped: SCRAPED,
  }
}
