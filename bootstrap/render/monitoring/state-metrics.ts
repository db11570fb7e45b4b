/**
 * kube-state-metrics `customResourceState`: metrics made from the state of custom resources, which
 * their controllers do not export themselves (Flux objects' readiness, Crossplane packages' health).
 * The format is kube-state-metrics' own, checked in kubernetes/kube-state-metrics@v2.20.0 (the
 * version of chart kube-state-metrics-8.4.0 that kube-prometheus-stack 88.5.3 pulls in):
 * docs/metrics/extend/customresourcestate-metrics.md and pkg/customresourcestate/config.go. A kind
 * whose CRD does not exist yet is skipped until it does.
 */

/** One resource entry of `spec.resources`. */
export interface StateMetricsResource {
  groupVersionKind: { group: string; version: string; kind: string }
  /** The metric is `<metricNamePrefix>_<name>`. */
  metricNamePrefix: string
  metrics: {
    name: string
    /**
     * Unique across every resource: since kube-state-metrics 2.12 two resources whose metric of the
     * same name has the same help text keep only one kind's series (fluxcd/flux2#6064).
     */
    help: string
    each: { type: 'Info'; info: { labelsFromPath: Record<string, string[]> } }
    labelsFromPath: Record<string, string[]>
  }[]
}

/** An RBAC rule kube-state-metrics needs to list and watch the resources (`rbac.extraRules`). */
export interface PolicyRule {
  apiGroups: string[]
  resources: string[]
  verbs: string[]
}

export interface StateMetrics {
  resources: StateMetricsResource[]
  rbacRules: PolicyRule[]
}

/** What an info metric reads from one kind. */
export interface InfoMetric {
  group: string
  version: string
  kind: string
  /** Lower-case plural, for RBAC. */
  plural: string
  /** The metric is `<prefix>_<name>`, e.g. gotk_resource_info. */
  prefix: string
  name: string
  help: string
  /** Labels beside `name` (`exported_namespace` for namespaced kinds, `ready`, `suspended`, ...), each from a path in the object. */
  labels: Record<string, string[]>
}

/** Fresh arrays, so YAML output repeats a shared path instead of writing an anchor and alias. */
function copyPaths(labels: Record<string, string[]>): Record<string, string[]> {
  return Object.fromEntries(Object.entries(labels).map(([label, path]) => [label, [...path]]))
}

/**
 * Info metrics (value 1 per object, its state in labels), one per kind, with the rules to list
 * and watch those kinds, one rule per API group.
 */
export function infoMetrics(entries: readonly InfoMetric[]): StateMetrics {
  const resources = entries.map((entry): StateMetricsResource => ({
    groupVersionKind: { group: entry.group, version: entry.version, kind: entry.kind },
    metricNamePrefix: entry.prefix,
    metrics: [
      {
        name: entry.name,
        help: entry.help,
        each: { type: 'Info', info: { labelsFromPath: { name: ['metadata', 'name'] } } },
        labelsFromPath: copyPaths(entry.labels),
      },
    ],
  }))
  const groups = new Map<string, string[]>()
  for (const entry of entries) groups.set(entry.group, [...(groups.get(entry.group) ?? []), entry.plural])
  const rbacRules = [...groups].map(([group, plurals]) => ({ apiGroups: [group], resources: plurals, verbs: ['list', 'watch'] }))
  return { resources, rbacRules }
}

/** Several sets as one (the engine's, Crossplane's). */
export function mergeStateMetrics(sets: readonly StateMetrics[]): StateMetrics {
  return { resources: sets.flatMap((set) => set.resources), rbacRules: sets.flatMap((set) => set.rbacRules) }
}

/** The names of the metrics a set produces. */
export function stateMetricNames(metrics: StateMetrics): string[] {
  return [...new Set(metrics.resources.flatMap((resource) => resource.metrics.map((metric) => `${resource.metricNamePrefix}_${metric.name}`)))]
}

/** The chart values that turn the set on, keeping kube-state-metrics' standard collectors. */
export function stateMetricsValues(metrics: StateMetrics): Record<string, unknown> {
  if (metrics.resources.length === 0) return {}
  return {
    rbac: { extraRules: metrics.rbacRules },
    customResourceState: { enabled: true, config: { kind: 'CustomResourceStateMetrics', spec: { resources: metrics.resources } } },
  }
}
