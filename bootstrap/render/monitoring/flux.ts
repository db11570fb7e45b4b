import type { ClusterSpec } from '../../spec/load.js'
import { FLUX_COMPONENTS, FLUX_NAMESPACE } from '../flux.js'
import { dashboard } from './dashboard.js'
import { dashboardConfigMap, podMonitor, prometheusRule, type AlertRule, type MonitoringSet } from './objects.js'
import { infoMetrics, type InfoMetric } from './state-metrics.js'

/**
 * What the Flux controllers serve on port `http-prom` (8080): `gotk_reconcile_duration_seconds`
 * (fluxcd/pkg runtime/metrics/recorder.go at runtime/v0.89.0 and v0.111.0) and controller-runtime's
 * `controller_runtime_reconcile_total{controller,result}` (kubernetes-sigs/controller-runtime@v0.22.2
 * pkg/internal/controller/metrics/metrics.go). Objects' readiness is no longer a controller metric
 * (fluxcd/flux2#5083): it comes from kube-state-metrics as gotk_resource_info.
 */
const SCRAPED = ['gotk_reconcile_duration_seconds', 'controller_runtime_reconcile_total'] as const

const SOURCE = 'source.toolkit.fluxcd.io'
const READY = ['status', 'conditions', '[type=Ready]', 'status']

/**
 * gotk_resource_info for every Flux kind kindling uses, with the labels Flux's own monitoring
 * example gives it (`exported_namespace`, `ready`, `suspended`, `revision`), each kind with its own
 * help text. API versions and fields checked in the CRDs of source-controller v1.7.3 and v1.9.5,
 * kustomize-controller v1.7.2 and v1.9.5, helm-controller v1.4.3 and v1.6.4 (Flux 2.7.3 and 2.9.5).
 */
function fluxKind(group: string, version: string, kind: string, plural: string, revision: string[]): InfoMetric {
  return {
    group,
    version,
    kind,
    plural,
    prefix: 'gotk',
    name: 'resource_info',
    help: `The state of a Flux ${kind}: Ready condition, suspension and revision.`,
    labels: { exported_namespace: ['metadata', 'namespace'], ready: READY, suspended: ['spec', 'suspend'], revision },
  }
}

const ARTIFACT = ['status', 'artifact', 'revision']
const FLUX_KINDS: InfoMetric[] = [
  fluxKind('kustomize.toolkit.fluxcd.io', 'v1', 'Kustomization', 'kustomizations', ['status', 'lastAppliedRevision']),
  fluxKind('helm.toolkit.fluxcd.io', 'v2', 'HelmRelease', 'helmreleases', ['status', 'history', '0', 'chartVersion']),
  fluxKind(SOURCE, 'v1', 'GitRepository', 'gitrepositories', ARTIFACT),
  fluxKind(SOURCE, 'v1', 'OCIRepository', 'ocirepositories', ARTIFACT),
  fluxKind(SOURCE, 'v1', 'HelmRepository', 'helmrepositories', ARTIFACT),
  fluxKind(SOURCE, 'v1', 'HelmChart', 'helmcharts', ARTIFACT),
]

const CONTROLLERS = `namespace="${FLUX_NAMESPACE}"`

const RULES: AlertRule[] = [
  {
    alert: 'FluxObjectNotReady',
    expr: 'gotk_resource_info{ready="False", suspended!="true"} == 1',
    for: '15m',
    severity: 'warning',
    summary:
      'Flux {{ $labels.customresource_kind }} {{ $labels.exported_namespace }}/{{ $labels.name }} has not been ready for 15 minutes: its last reconciliation failed or stalled.',
  },
  {
    alert: 'FluxObjectSuspended',
    expr: 'gotk_resource_info{suspended="true"} == 1',
    for: '1h',
    severity: 'info',
    summary:
      'Flux {{ $labels.customresource_kind }} {{ $labels.exported_namespace }}/{{ $labels.name }} has been suspended for an hour: Git changes to it are not applied.',
  },
  {
    alert: 'FluxReconcileErrors',
    expr: `sum by (controller) (rate(controller_runtime_reconcile_total{${CONTROLLERS}, result="error"}[5m])) > 0`,
    for: '15m',
    severity: 'warning',
    summary: 'Flux controller {{ $labels.controller }} has failed reconciliations for 15 minutes.',
  },
]

const DASHBOARD = dashboard('kindling-flux', 'Flux', [
  [
    { type: 'stat', title: 'Objects not ready', queries: [{ expr: 'count(gotk_resource_info{ready!="True", suspended!="true"}) or vector(0)' }] },
    { type: 'stat', title: 'Objects suspended', queries: [{ expr: 'count(gotk_resource_info{suspended="true"}) or vector(0)' }] },
    {
      type: 'stat',
      title: 'Failed reconciliations (1h)',
      queries: [{ expr: `sum(increase(controller_runtime_reconcile_total{${CONTROLLERS}, result="error"}[1h])) or vector(0)` }],
    },
  ],
  [{ type: 'table', title: 'Objects not ready', queries: [{ expr: 'gotk_resource_info{ready!="True"}' }] }],
  [
    {
      type: 'timeseries',
      title: 'Reconciliations by controller and result',
      unit: 'ops',
      queries: [{ expr: `sum by (controller, result) (rate(controller_runtime_reconcile_total{${CONTROLLERS}}[5m]))`, legend: '{{controller}} {{result}}' }],
    },
    {
      type: 'timeseries',
      title: 'Reconcile duration (p95) by kind',
      unit: 's',
      queries: [{ expr: `histogram_quantile(0.95, sum by (kind, le) (rate(gotk_reconcile_duration_seconds_bucket{${CONTROLLERS}}[5m])))`, legend: '{{kind}}' }],
    },
  ],
])

/**
 * Monitoring for Flux: a PodMonitor for the controllers kindling installs (label `app`, port
 * `http-prom`, as fluxcd/source-controller@v1.7.3 and v1.9.1 config/manager/deployment.yaml name
 * them; the FluxInstance's network policy admits scrapes on 8080 from every namespace, flux2
 * manifests/policies/allow-scraping.yaml@v2.9.4), alert rules, a dashboard, and gotk_resource_info.
 * The dashboard ConfigMap opts out of Flux's variable substitution, as Flux's monitoring example does.
 */
export function renderFluxMonitoring(spec: ClusterSpec): MonitoringSet {
  const grafana = spec.components.monitoring.grafana.enabled
  return {
    objects: [
      podMonitor('flux-controllers', {
        namespace: FLUX_NAMESPACE,
        selector: { matchExpressions: [{ key: 'app', operator: 'In', values: [...FLUX_COMPONENTS] }] },
        port: 'http-prom',
      }),
      prometheusRule('flux', 'flux', RULES),
      ...(grafana ? [dashboardConfigMap('flux-dashboard', DASHBOARD, { 'kustomize.toolkit.fluxcd.io/substitute': 'disabled' })] : []),
    ],
    stateMetrics: infoMetrics(FLUX_KINDS),
    scraped: SCRAPED,
  }
}
