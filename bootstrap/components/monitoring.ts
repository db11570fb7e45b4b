import { engineOf } from '../engines/index.js'
import { conditionTrue, deploymentAvailable } from '../kube/conditions.js'
import { renderCrossplaneMonitoring } from '../render/monitoring/crossplane.js'
import { DASHBOARD_LABEL, MONITORING_NAMESPACE } from '../render/monitoring/objects.js'
import { mergeStateMetrics, stateMetricsValues, type StateMetrics } from '../render/monitoring/state-metrics.js'
import type { ClusterSpec } from '../spec/load.js'
import { kubectlFor, localPortFor } from '../steps/connect.js'
import type { Component, GeneratedSecret, HealthCheck, ReadinessRule } from './component.js'
import { monitoringProbes } from './monitoring-probes.js'

/**
 * The Helm release name. The chart names its objects `<release>` when the release name contains
 * the chart name (templates/_helpers.tpl, `kube-prometheus-stack.fullname`, truncated at 26
 * characters), and its subcharts `<release>-<chart>`, so: Deployments kube-prometheus-stack-operator,
 * -kube-state-metrics and -grafana, Prometheus and Service kube-prometheus-stack-prometheus (port
 * 9090), Service kube-prometheus-stack-grafana (port 80). Checked in prometheus-community/helm-charts
 * at kube-prometheus-stack-88.5.3 (templates/_helpers.tpl, prometheus/service.yaml,
 * prometheus-operator/deployment.yaml), kube-state-metrics-8.4.0, and grafana-community/helm-charts
 * at grafana-12.11.1 (templates/_helpers.tpl, values.yaml `service.port`).
 */
const RELEASE = 'kube-prometheus-stack'
const PROMETHEUS = `${RELEASE}-prometheus`
const GRAFANA = `${RELEASE}-grafana`

/** The Secret holding Grafana's admin user and password, made by the bootstrap, never in Git. */
const GRAFANA_SECRET = 'grafana-admin'
const USER_KEY = 'admin-user'
const PASSWORD_KEY = 'admin-password'

/**
 * Whether Prometheus scrapes kube-controller-manager, kube-scheduler, etcd and kube-proxy. kind's
 * kubeadm binds them to 127.0.0.1 inside the node, so on kind they are off (their default alert
 * rules go with them: the chart's templates check `.Values.<component>.enabled`). An existing
 * cluster has them on unless the spec turns them off, as it should on managed clusters (AKS,
 * EKS, GKE), whose control plane runs where the cluster cannot reach it.
 */
function controlPlaneTargets(spec: ClusterSpec): boolean {
  return spec.provider.type === 'existing' && spec.components.monitoring.controlPlaneTargets !== false
}

/** kube-state-metrics entries for the engine's kinds, and Crossplane's packages when it is on. */
function stateMetrics(spec: ClusterSpec): StateMetrics {
  const crossplane = spec.components.crossplane.enabled ? [renderCrossplaneMonitoring(spec).stateMetrics] : []
  return mergeStateMetrics([engineOf(spec).monitoring(spec).stateMetrics, ...crossplane])
}

/**
 * Grafana with its admin credentials read from the Secret the bootstrap makes (never the chart's
 * generated one, never a value in Git) and the dashboard sidecar watching every namespace for
 * ConfigMaps labelled `grafana_dashboard: "1"`. Keys checked in
 * charts/kube-prometheus-stack/values.yaml at kube-prometheus-stack-88.5.3 (`grafana.admin.*`,
 * `grafana.sidecar.dashboards.*`) and grafana-community/helm-charts@grafana-12.11.1
 * charts/grafana/templates/_pod.tpl (`admin.existingSecret`, `userKey`, `passwordKey`).
 */
function grafanaValues(spec: ClusterSpec): Record<string, unknown> {
  if (!spec.components.monitoring.grafana.enabled) return { enabled: false }
  return {
    enabled: true,
    admin: { existingSecret: GRAFANA_SECRET, userKey: USER_KEY, passwordKey: PASSWORD_KEY },
    sidecar: { dashboards: { enabled: true, label: 'grafana_dashboard', labelValue: DASHBOARD_LABEL.grafana_dashboard, searchNamespace: 'ALL' } },
  }
}

/**
 * The chart's values. Prometheus selects every ServiceMonitor, PodMonitor, PrometheusRule, Probe
 * and ScrapeConfig in every namespace (`*SelectorNilUsesHelmValues: false`; with the default
 * `true` it keeps only objects labelled `release: kube-prometheus-stack`), so the monitors and
 * rules of monitoring-config are picked up. kube-state-metrics keeps its standard collectors and
 * adds the custom resource metrics. On kind, node-exporter does not mount the node's root file
 * system, which a kind node (a container) cannot share (prometheus-community/helm-charts#467).
 * Keys checked in charts/kube-prometheus-stack/values.yaml at kube-prometheus-stack-88.5.3 and
 * charts/prometheus-node-exporter/values.yaml at prometheus-node-exporter-4.56.1.
 */
function values(spec: ClusterSpec): Record<string, unknown> {
  const controlPlane = controlPlaneTargets(spec)
  const selectAll = Object.fromEntries(
    ['serviceMonitor', 'podMonitor', 'rule', 'probe', 'scrapeConfig'].map((kind) => [`${kind}SelectorNilUsesHelmValues`, false]),
  )
  return {
    prometheus: { prometheusSpec: selectAll },
    kubeControllerManager: { enabled: controlPlane },
    kubeScheduler: { enabled: controlPlane },
    kubeEtcd: { enabled: controlPlane },
    kubeProxy: { enabled: controlPlane },
    grafana: grafanaValues(spec),
    'kube-state-metrics': stateMetricsValues(stateMetrics(spec)),
    ...(spec.provider.type === 'kind' ? { 'prometheus-node-exporter': { hostRootFsMount: { enabled: false } } } : {}),
  }
}

/** The command that prints Grafana's admin password from its Secret. */
function readGrafanaPassword(spec: ClusterSpec): string {
  return `${kubectlFor(spec, MONITORING_NAMESPACE)} get secret ${GRAFANA_SECRET} -o jsonpath='{.data.${PASSWORD_KEY}}' | base64 -d`
}

/** The admin user is `admin`; the password is generated once, or read from the variable the spec names. */
function grafanaSecret(spec: ClusterSpec): GeneratedSecret {
  const { adminPasswordEnv } = spec.components.monitoring.grafana
  const kubectl = kubectlFor(spec, MONITORING_NAMESPACE)
  return {
    name: GRAFANA_SECRET,
    namespace: MONITORING_NAMESPACE,
    data: {
      [USER_KEY]: { literal: 'admin' },
      [PASSWORD_KEY]: {
        generate: 32,
        ...(adminPasswordEnv ? { fromEnv: adminPasswordEnv, envField: 'components.monitoring.grafana.adminPasswordEnv' } : {}),
      },
    },
    // Grafana reads the password into its database on first start and keeps it there.
    afterChange: `Grafana keeps the password it first started with; to log in with the new one: ${readGrafanaPassword(spec)} | ${kubectl} exec -i deploy/${GRAFANA} -c grafana -- grafana cli admin reset-admin-password --password-from-stdin`,
  }
}

/**
 * While no Prometheus pod is ready yet the operator sets `Available=False` (reason NoPodReady,
 * pkg/operator/statefulset_reporter.go at v0.93.0), which Argo CD's built-in check calls Degraded
 * (resource_customizations/monitoring.coreos.com/Prometheus/health.lua at v3.2.0 and v3.4.4), and
 * a Degraded Application fails the health gate at once. As a readiness rule it is Progressing
 * until Available=True instead. With Flux the rule goes on the HelmRelease: the operator, not the
 * chart, makes Prometheus's pods, so Helm's own wait would pass without it, and monitoring-config
 * and apps would start before Prometheus runs.
 */
const PROMETHEUS_READINESS: ReadinessRule = { apiVersion: 'monitoring.coreos.com/v1', kind: 'Prometheus', condition: 'Available' }

const deployment = (name: string): HealthCheck => ({
  ref: { apiVersion: 'apps/v1', kind: 'Deployment', name, namespace: MONITORING_NAMESPACE },
  condition: deploymentAvailable,
})

/**
 * The Prometheus resource reports `Available=True` once its pods are ready (prometheus-operator
 * pkg/apis/monitoring/v1/types.go at v0.93.0: condition types Available, Reconciled).
 */
function health(spec: ClusterSpec): HealthCheck[] {
  return [
    deployment(`${RELEASE}-operator`),
    deployment(`${RELEASE}-kube-state-metrics`),
    {
      ref: { apiVersion: 'monitoring.coreos.com/v1', kind: 'Prometheus', name: PROMETHEUS, namespace: MONITORING_NAMESPACE },
      condition: conditionTrue('Available'),
    },
    ...(spec.components.monitoring.grafana.enabled ? [deployment(GRAFANA)] : []),
  ]
}

/** Where Prometheus and Grafana are and how to reach them, with the exact commands. */
function summary(spec: ClusterSpec): string[] {
  const kubectl = kubectlFor(spec, MONITORING_NAMESPACE)
  const prometheusPort = localPortFor(spec, 9090)
  const grafanaPort = localPortFor(spec, 3000)
  const lines = [`Prometheus: ${kubectl} port-forward svc/${PROMETHEUS} ${prometheusPort}:9090, then http://127.0.0.1:${prometheusPort}/alerts`]
  if (spec.components.monitoring.grafana.enabled) {
    const env = spec.components.monitoring.grafana.adminPasswordEnv
    const dashboards = [engineOf(spec).title, ...(spec.components.crossplane.enabled ? ['Crossplane'] : [])]
    lines.push(
      `Grafana: ${kubectl} port-forward svc/${GRAFANA} ${grafanaPort}:80, then http://127.0.0.1:${grafanaPort} as admin (dashboards: ${dashboards.join(', ')})`,
      `Grafana password${env ? ` (from $${env})` : ''}: ${readGrafanaPassword(spec)}`,
    )
  }
  if (!controlPlaneTargets(spec))
    lines.push('Monitoring: kube-controller-manager, kube-scheduler, etcd and kube-proxy are not scraped (kind, or controlPlaneTargets: false)')
  return lines
}

/**
 * kube-prometheus-stack from its chart (https://prometheus-community.github.io/helm-charts):
 * Prometheus, Alertmanager, the operator, kube-state-metrics, node-exporter and Grafana. Its CRDs
 * are large (prometheuses.monitoring.coreos.com is over the 256 KiB client-side apply limit):
 * Flux creates and replaces them (`crds: CreateReplace`), Argo CD applies server-side; both are set
 * for every chart component. Healthy when the operator, kube-state-metrics, Prometheus and Grafana
 * are. The ServiceMonitors, rules and dashboards come next, in monitoring-config.
 */
export const monitoring: Component = {
  name: 'monitoring',
  enabled: (spec: ClusterSpec) => spec.components.monitoring.enabled,
  describe: (spec: ClusterSpec) => {
    const version = spec.components.monitoring.version.replace(/^v/, '')
    return {
      name: 'monitoring',
      title: 'kube-prometheus-stack',
      namespace: MONITORING_NAMESPACE,
      dependsOn: [],
      source: {
        type: 'chart',
        repoURL: 'https://prometheus-community.github.io/helm-charts',
        chart: 'kube-prometheus-stack',
        version,
        releaseName: RELEASE,
        values: values(spec),
      },
      health: health(spec),
      readiness: [PROMETHEUS_READINESS],
      probes: monitoringProbes(MONITORING_NAMESPACE, PROMETHEUS, spec.components.monitoring.grafana.enabled ? GRAFANA : undefined),
      ...(spec.components.monitoring.grafana.enabled ? { secrets: [grafanaSecret(spec)] } : {}),
      // The operator's admission webhook gets its CA from a job after install.
      driftIgnored: ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'].map((kind) => ({
        group: 'admissionregistration.k8s.io',
        kind,
        jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'],
      })),
      summary: summary(spec),
    }
  },
}
