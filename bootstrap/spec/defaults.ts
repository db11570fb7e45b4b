/**
 * Every default and pinned version of the cluster spec, in one place. The schema reads its
 * defaults from here, and so do the renderers; change a pin here and the JSON Schema follows.
 */
import path from 'node:path'

export const SPEC_API_VERSION = 'kindling.dev/v1alpha1'
export const SPEC_KIND = 'Cluster'

export const DEFAULTS = {
  kind: {
    // kind v0.33.0's default node image (KIND_NODE_IMAGES).
    kubernetesVersion: 'v1.37.0',
    controlPlanes: 1,
    workers: 0,
    listenAddress: '127.0.0.1',
    localRegistryPort: 5001,
  },
  existing: {
    kubeconfig: '~/.kube/config',
  },
  gitops: {
    // Flux 2.9.5: the newest release the Go proxy serves (github.com/fluxcd/flux2/v2@v2.9.5; v2.9.6 is
    // refused), whose controllers build on Go 1.26 (Flux 2.10's need Go 1.27). Its manifests name
    // source-controller v1.9.5, kustomize-controller v1.9.5, helm-controller v1.6.4. flux-operator
    // 0.59.0 is the first release that carries that distribution (config/data/flux/v2.9.5).
    flux: { version: '2.9.5', operatorVersion: '0.59.0' },
    // argoproj/argo-helm tag argo-cd-10.1.1: appVersion v3.4.4.
    argocd: { version: '10.1.1' },
  },
  repository: {
    branch: 'main',
    httpsUsername: 'git',
  },
  /**
   * The Git server bootstrap runs inside the cluster when the spec names no remote: Soft Serve
   * (charmbracelet/soft-serve tag v0.12.2, image charmcli/soft-serve), one small Go binary with
   * its data on a volume. The engine reads over HTTP without credentials (anonymous read-only,
   * Soft Serve's default); only the SSH key kindling keeps outside the repository can push.
   */
  gitServer: {
    image: 'charmcli/soft-serve:v0.12.2',
    namespace: 'kindling-git',
    name: 'git-server',
    repository: 'gitops',
    sshPort: 23231,
    httpPort: 23232,
    storage: '1Gi',
    keyDir: '~/.config/kindling/ssh',
  },
  components: {
    crossplane: {
      // The chart and the crossplane/crossplane module of the same tag, which the integration tests
      // build and run (test/controlplane/versions.env CROSSPLANE_VERSION); v2.4.2 is the newest
      // release whose module the Go proxy serves (v2.4.3 is refused).
      version: '2.4.2',
      clouds: {
        azure: { credentialsSecret: 'azure-credentials' },
        gcp: { credentialsSecret: 'gcp-credentials' },
        hetzner: { credentialsSecret: 'hetzner-credentials' },
      },
    },
    // prometheus-community/helm-charts tag kube-prometheus-stack-88.5.3 (2026-08-21), the newest
    // when pinned: prometheus-operator v0.93.1, Grafana chart 12.11.1, kube-state-metrics chart 8.4.0
    // (KSM 2.20.0). A later chart moves prometheus-operator, whose CRDs the integration tests apply
    // at the same tag (test/controlplane/crds.sets): move both together.
    monitoring: { version: '88.5.3' },
  },
  secrets: {
    ageKeyDir: '~/.config/kindling/age',
  },
} as const

/**
 * Crossplane packages kindling installs: fully qualified (Crossplane v2 has no default registry) and
 * pinned. xpkg.crossplane.io/crossplane-contrib fronts ghcr.io/crossplane-contrib, where
 * crossplane-contrib/provider-workflows publishes them (publish-provider-*.yml). Each version is the
 * newest release tag seen upstream on 2026-11-30, in the repository named beside it.
 */
export const CROSSPLANE_PACKAGES = {
  /** crossplane-contrib/provider-kubernetes: tag v1.4.1 (2026-10-08, Go module proxy); CRDs read at v1.4.1. */
  providerKubernetes: { name: 'provider-kubernetes', package: 'xpkg.crossplane.io/crossplane-contrib/provider-kubernetes:v1.4.1' },
  /** crossplane-contrib/provider-helm@v1.4.0 (2026-08-11). */
  providerHelm: { name: 'provider-helm', package: 'xpkg.crossplane.io/crossplane-contrib/provider-helm:v1.4.0' },
  /** crossplane-contrib/function-go-templating: tag v0.12.3 (2026-07-27, Go module proxy); README read at v0.12.2. */
  functionGoTemplating: { name: 'function-go-templating', package: 'xpkg.crossplane.io/crossplane-contrib/function-go-templating:v0.12.3' },
  /** crossplane-contrib/function-auto-ready@v0.7.0 (2026-06-24; v0.6.7 is a later patch of the 0.6 line). */
  functionAutoReady: { name: 'function-auto-ready', package: 'xpkg.crossplane.io/crossplane-contrib/function-auto-ready:v0.7.0' },
  /** crossplane-contrib/provider-upjet-azure@v2.7.0: the family package serves ResourceGroup and the ProviderConfigs. */
  azureFamily: { name: 'provider-family-azure', package: 'xpkg.crossplane.io/crossplane-contrib/provider-family-azure:v2.7.0' },
  azurePostgres: { name: 'provider-azure-dbforpostgresql', package: 'xpkg.crossplane.io/crossplane-contrib/provider-azure-dbforpostgresql:v2.7.0' },
  /** crossplane-contrib/provider-upjet-gcp@v3.0.0 (Terraform google provider v7). */
  gcpFamily: { name: 'provider-family-gcp', package: 'xpkg.crossplane.io/crossplane-contrib/provider-family-gcp:v3.0.0' },
  gcpSql: { name: 'provider-gcp-sql', package: 'xpkg.crossplane.io/crossplane-contrib/provider-gcp-sql:v3.0.0' },
  /** crossplane-contrib/provider-terraform@v1.1.1 (Terraform 1.5.7): runs the Hetzner Workspaces. */
  providerTerraform: { name: 'provider-terraform', package: 'xpkg.crossplane.io/crossplane-contrib/provider-terraform:v1.1.1' },
} as const

/** The hetznercloud/hcloud Terraform provider the Hetzner Workspaces pin: terraform-provider-hcloud@v1.68.0. */
export const HCLOUD_TERRAFORM_PROVIDER_VERSION = '1.68.0'

/** Registries kind nodes can pull through a local cache; each gets its own cache container. */
export const CACHEABLE_REGISTRIES = ['docker.io', 'ghcr.io', 'quay.io', 'registry.k8s.io'] as const
export type CacheableRegistry = (typeof CACHEABLE_REGISTRIES)[number]

/** The registry image (CNCF Distribution) that runs the pull-through caches and the local registry. */
export const REGISTRY_IMAGE = 'registry:3.0.0@sha256:6c5666b861f3505b116bb9aa9b25175e71210414bd010d92035ff64018f9457e'

/**
 * kind node images, pinned by digest as kind's release notes publish them: the four images built for
 * kind v0.33.0 (devbox.json pins that kind), newest first. A node image is only promised to work
 * with the kind release it was built for.
 */
export const KIND_NODE_IMAGES: Readonly<Record<string, string>> = {
  'v1.37.0': 'kindest/node:v1.37.0@sha256:a1ed56cfb0e7b93589bdf97c8cd566405a265939e3620fc4f5de89adff580ae5',
  'v1.36.4': 'kindest/node:v1.36.4@sha256:099e049362a1526b2db71494e1947aae99bd16290d7c895f2b7ea312e3cbfaed',
  'v1.35.8': 'kindest/node:v1.35.8@sha256:07b2536e30b803ed61d1677a79df6115f798ce64c80f9e22f6ed45afd09323c0',
  'v1.34.11': 'kindest/node:v1.34.11@sha256:44e222ee2132dab25ff87301682f89eb82c7880ea3a1bf543bfe9708fd08d67d',
}

/** Where a cluster's GitOps content lives inside the repository, unless the spec says otherwise. */
export function defaultRepoPath(clusterName: string): string {
  return `clusters/${clusterName}`
}

/** The URL the engine reads when the spec names no remote: the in-cluster Git server's HTTP Service. */
export const IN_CLUSTER_GIT_URL = `http://${DEFAULTS.gitServer.name}.${DEFAULTS.gitServer.namespace}.svc.cluster.local/${DEFAULTS.gitServer.repository}.git`

/** The files $KUBECONFIG lists, as written, in order, empty and repeated entries dropped: the files kubectl merges. */
export function kubeconfigsListed(env: NodeJS.ProcessEnv = process.env): string[] {
  return [...new Set((env.KUBECONFIG ?? '').split(path.delimiter).filter(Boolean))]
}

/** The kubeconfig kubectl would read: the first file in $KUBECONFIG, else ~/.kube/config. */
export function defaultKubeconfig(env: NodeJS.ProcessEnv = process.env): string {
  return kubeconfigsListed(env)[0] ?? DEFAULTS.existing.kubeconfig
}

/** Where the age key that decrypts a cluster's secrets is kept: outside the repository. */
export function defaultAgeKeyFile(clusterName: string): string {
  return `${DEFAULTS.secrets.ageKeyDir}/${clusterName}.agekey`
}

/** The engines' names as people write them, for titles and messages. */
export const ENGINE_TITLES = { flux: 'Flux', argocd: 'Argo CD' } as const
