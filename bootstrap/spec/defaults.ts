/**
 * Every default and pinned version of the cluster spec, in one place. The schema reads its
 * defaults from here, and so do the renderers; change a pin here and the JSON Schema follows.
 */
export const SPEC_API_VERSION = 'kindling.dev/v1alpha1'
export const SPEC_KIND = 'Cluster'

export const DEFAULTS = {
  kind: {
    kubernetesVersion: 'v1.34.0',
    controlPlanes: 1,
    workers: 0,
    listenAddress: '127.0.0.1',
    localRegistryPort: 5001,
  },
  existing: {
    kubeconfig: '~/.kube/config',
  },
  gitops: {
    flux: { version: '2.7.3', operatorVersion: '0.33.0' },
    argocd: { version: '9.1.4' },
  },
  repository: {
    branch: 'main',
    httpsUsername: 'git',
  },
  components: {
    crossplane: { version: '2.1.0' },
    monitoring: { version: '79.5.0' },
  },
  secrets: {
    ageKeyDir: '~/.config/kindling/age',
  },
} as const

/** Registries kind nodes can pull through a local cache; each gets its own cache container. */
export const CACHEABLE_REGISTRIES = ['docker.io', 'ghcr.io', 'quay.io', 'registry.k8s.io'] as const
export type CacheableRegistry = (typeof CACHEABLE_REGISTRIES)[number]

/** The registry image (CNCF Distribution) that runs the pull-through caches and the local registry. */
export const REGISTRY_IMAGE = 'registry:3.0.0@sha256:6c5666b861f3505b116bb9aa9b25175e71210414bd010d92035ff64018f9457e'

/** kind node images, pinned by digest as kind's release notes publish them. */
export const KIND_NODE_IMAGES: Readonly<Record<string, string>> = {
  'v1.34.0': 'kindest/node:v1.34.0@sha256:7416a61b42b1662ca6ca89f02028ac133a309a2a30ba309614e8ec94d976dc5a',
}

/** Where a cluster's GitOps content lives inside the repository, unless the spec says otherwise. */
export function defaultRepoPath(clusterName: string): string {
  return `clusters/${clusterName}`
}

/** Where the age key that decrypts a cluster's secrets is kept: outside the repository. */
export function defaultAgeKeyFile(clusterName: string): string {
  return `${DEFAULTS.secrets.ageKeyDir}/${clusterName}.agekey`
}

/** The engines' names as people write them, for titles and messages. */
export const ENGINE_TITLES = { flux: 'Flux', argocd: 'Argo CD' } as const
