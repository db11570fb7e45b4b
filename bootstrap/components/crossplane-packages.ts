import type { KubeObject } from '../kube/client.js'
import { conditionTrue } from '../kube/conditions.js'
import { CROSSPLANE_PACKAGES } from '../spec/defaults.js'
import type { ClusterSpec } from '../spec/load.js'
import type { Component, HealthCheck } from './component.js'
import { CROSSPLANE_NAMESPACE } from './crossplane.js'

const PKG = 'pkg.crossplane.io/v1'
const RUNTIME_CONFIG = 'pkg.crossplane.io/v1beta1'

/**
 * The functions kindling's Compositions name: function-go-templating renders the resources,
 * function-auto-ready marks them ready. go-templating rather than patch-and-transform because the
 * Postgres compositions generate a password and must keep it: a template can read the observed
 * connection Secret and reuse its password, and can compose that Secret with exactly the keys apps
 * read (host, port, username, password, database), where patch-and-transform only copies
 * connection details that managed resources publish.
 */
export const FUNCTIONS = {
  goTemplating: CROSSPLANE_PACKAGES.functionGoTemplating.name,
  autoReady: CROSSPLANE_PACKAGES.functionAutoReady.name,
} as const

/** A package the spec asks for: kindling's own pins, the enabled clouds' providers, the extra ones. */
interface Package {
  kind: 'Provider' | 'Function'
  name: string
  package: string
  /** A DeploymentRuntimeConfig of the same name, whose ServiceAccount has this fixed name too. */
  fixedServiceAccount?: boolean
}

/**
 * Which packages the spec installs: kindling's pins, the enabled clouds' providers, the extra ones.
 * Cloud family providers are listed although the service providers pull them in as dependencies
 * (same source, so the package manager adds no second one): then the health gate waits for them,
 * and they own the ProviderConfig CRDs and, for Azure, ResourceGroup
 * (provider-upjet-azure@v2.7.0 internal/controller/namespaced/zz_config_setup.go).
 */
function packagesOf(spec: ClusterSpec): Package[] {
  const { clouds, providers } = spec.components.crossplane
  const pinned = (entry: { name: string; package: string }, kind: Package['kind'] = 'Provider'): Package => ({ kind, ...entry })
  const pins = CROSSPLANE_PACKAGES
  return [
    { ...pinned(pins.providerKubernetes), fixedServiceAccount: true },
    { ...pinned(pins.providerHelm), fixedServiceAccount: true },
    pinned(pins.functionGoTemplating, 'Function'),
    pinned(pins.functionAutoReady, 'Function'),
    ...(clouds.azure.enabled ? [pinned(pins.azureFamily), pinned(pins.azurePostgres)] : []),
    ...(clouds.gcp.enabled ? [pinned(pins.gcpFamily), pinned(pins.gcpSql)] : []),
    ...(clouds.hetzner.enabled ? [pinned(pins.providerTerraform)] : []),
    ...providers.map((extra) => pinned(extra)),
  ]
}

function packageObject(entry: Package): KubeObject {
  const runtimeConfigRef = entry.fixedServiceAccount
    ? { runtimeConfigRef: { apiVersion: RUNTIME_CONFIG, kind: 'DeploymentRuntimeConfig', name: entry.name } }
    : {}
  return { apiVersion: PKG, kind: entry.kind, metadata: { name: entry.name }, spec: { package: entry.package, ...runtimeConfigRef } }
}

/**
 * Without a template the package manager names the ServiceAccount `<name>-<hash>`; a fixed name is
 * what a ClusterRoleBinding can point at. Each package gets its own: two packages sharing one
 * `serviceAccountTemplate` name fight over it (crossplane/docs v2.3 packages/providers.md).
 */
function runtimeConfig(name: string): KubeObject {
  return { apiVersion: RUNTIME_CONFIG, kind: 'DeploymentRuntimeConfig', metadata: { name }, spec: { serviceAccountTemplate: { metadata: { name } } } }
}

const AGGREGATE_TO_PROVIDER_KUBERNETES = 'kindling.dev/aggregate-to-provider-kubernetes'

/**
 * provider-kubernetes acts as its own ServiceAccount (InjectedIdentity). Upstream examples bind it
 * to cluster-admin; kindling binds an aggregated ClusterRole instead: namespaced workloads,
 * config and networking, and namespaces. A team that composes other kinds adds a ClusterRole
 * labelled `kindling.dev/aggregate-to-provider-kubernetes: "true"`.
 */
function providerKubernetesRbac(): KubeObject[] {
  const all = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete']
  const name = CROSSPLANE_PACKAGES.providerKubernetes.name
  return [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: `kindling:${name}` },
      aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [AGGREGATE_TO_PROVIDER_KUBERNETES]: 'true' } }] },
      rules: [],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: `kindling:${name}:workloads`, labels: { [AGGREGATE_TO_PROVIDER_KUBERNETES]: 'true' } },
      rules: [
        { apiGroups: [''], resources: ['configmaps', 'secrets', 'services', 'serviceaccounts', 'persistentvolumeclaims', 'namespaces'], verbs: all },
        { apiGroups: ['apps'], resources: ['deployments', 'statefulsets', 'daemonsets'], verbs: all },
        { apiGroups: ['batch'], resources: ['jobs', 'cronjobs'], verbs: all },
        { apiGroups: ['networking.k8s.io'], resources: ['ingresses', 'networkpolicies'], verbs: all },
        { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: all },
      ],
    },
    binding(name, `kindling:${name}`),
  ]
}

/** Binds a package's fixed ServiceAccount in crossplane-system to a ClusterRole. */
function binding(serviceAccount: string, clusterRole: string): KubeObject {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: `kindling:${serviceAccount}` },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterRole },
    subjects: [{ kind: 'ServiceAccount', name: serviceAccount, namespace: CROSSPLANE_NAMESPACE }],
  }
}

/**
 * Providers and Functions, pinned and fully qualified (Crossplane v2 has no default registry), with
 * the runtime configs and RBAC that give provider-kubernetes and provider-helm in-cluster identity.
 * Cloud providers only for the clouds the spec enables; then the spec's extra providers. Healthy
 * when every package reports `Healthy=True` (crossplane/crossplane@v2.3.4 apis/pkg/v1/conditions.go).
 * Checked: namespaced in-cluster setup in crossplane-contrib/provider-kubernetes@v1.2.1 and
 * provider-helm@v1.4.0 examples/namespaced/; versions in bootstrap/spec/defaults.ts.
 */
export const crossplanePackages: Component = {
  name: 'crossplane-packages',
  enabled: (spec: ClusterSpec) => spec.components.crossplane.enabled,
  describe: (spec: ClusterSpec) => {
    const packages = packagesOf(spec)
    const fixed = packages.filter((entry) => entry.fixedServiceAccount).map((entry) => entry.name)
    const objects = [
      ...fixed.map(runtimeConfig),
      ...packages.map(packageObject),
      ...providerKubernetesRbac(),
      // cluster-admin, as upstream's example: charts create CRDs, ClusterRoles and bindings, and
      // Kubernetes lets a ServiceAccount grant only what it holds, so a narrower role breaks them.
      binding(CROSSPLANE_PACKAGES.providerHelm.name, 'cluster-admin'),
    ]
    const health: HealthCheck[] = packages.map((entry) => ({
      ref: { apiVersion: PKG, kind: entry.kind, name: entry.name },
      condition: conditionTrue('Healthy'),
    }))
    return {
      name: 'crossplane-packages',
      title: 'Crossplane providers and functions',
      namespace: CROSSPLANE_NAMESPACE,
      dependsOn: ['crossplane'],
      source: { type: 'manifests', objects },
      health,
      readiness: [
        { apiVersion: PKG, kind: 'Provider', condition: 'Healthy' },
        { apiVersion: PKG, kind: 'Function', condition: 'Healthy' },
      ],
      summary: [`Crossplane packages: ${packages.map((entry) => entry.package.split('/').pop()).join(', ')}`],
    }
  },
}
