/**
 * What kindling keeps directly under `clusters/<name>/`, beside the folders that are the user's:
 * the spec, the kustomization the engine applies, the components, the hooks, and each engine's
 * own folder. The renderers write under these names, so the apps folder may take none of them.
 */
export const CLUSTER_FOLDER = {
  spec: 'cluster.yaml',
  kustomization: 'kustomization.yaml',
  components: 'components',
  hooks: 'hooks',
  engines: { flux: 'flux-system', argocd: 'argocd' },
} as const

/** Every name above, as the apps folder's message lists them. */
export const RESERVED_NAMES: readonly string[] = [
  CLUSTER_FOLDER.spec,
  CLUSTER_FOLDER.kustomization,
  CLUSTER_FOLDER.components,
  CLUSTER_FOLDER.hooks,
  ...Object.values(CLUSTER_FOLDER.engines),
]
