import * as k8s from '@kubernetes/client-node'

/** One object the stand-in reports on, and the status its real controller would write once done. */
interface Target {
  group: string
  version: string
  plural: string
  name: string
  reason: string
  message: string
}

/**
 * The objects of kindling's `flux-system/` folder whose controllers cannot run here: the
 * flux-operator chart's OCIRepository (ghcr.io is out of reach), its HelmRelease (no helm-controller:
 * it would need that chart) and the FluxInstance (no flux-operator). In a cluster they turn Ready
 * once the operator is installed; `status` lists the root Kustomization's Flux objects that are not.
 */
const TARGETS: Target[] = [
  {
    group: 'source.toolkit.fluxcd.io',
    version: 'v1',
    plural: 'ocirepositories',
    name: 'flux-operator',
    reason: 'Succeeded',
    message: 'stored artifact (test stand-in: ghcr.io is out of reach)',
  },
  {
    group: 'helm.toolkit.fluxcd.io',
    version: 'v2',
    plural: 'helmreleases',
    name: 'flux-operator',
    reason: 'InstallSucceeded',
    message: 'Helm install succeeded (test stand-in: no helm-controller)',
  },
  {
    group: 'fluxcd.controlplane.io',
    version: 'v1',
    plural: 'fluxinstances',
    name: 'flux',
    reason: 'ReconciliationSucceeded',
    message: 'Reconciliation finished (test stand-in: no flux-operator)',
  },
]

/**
 * Test stand-in for flux-operator and helm-controller, and only for the three objects above: once
 * kustomize-controller has applied one (or changed its spec), its status is written as the real
 * controller reports success. Everything else, kindling's GitRepository and Kustomization included,
 * is reconciled by the real source-controller and kustomize-controller. It polls (every 200 ms)
 * rather than watches: it stands in for controllers, and polling keeps it a few lines.
 */
export function startFluxOperatorStandIn(options: { kubeconfigFile: string; context: string; namespace?: string }): { writes: number; stop(): Promise<void> } {
  const namespace = options.namespace ?? 'flux-system'
  const config = new k8s.KubeConfig()
  config.loadFromFile(options.kubeconfigFile)
  config.setCurrentContext(options.context)
  const api = config.makeApiClient(k8s.CustomObjectsApi)
  const state = { writes: 0, stopped: false }

  const report = async (target: Target): Promise<void> => {
    const ref = { group: target.group, version: target.version, namespace, plural: target.plural, name: target.name }
    const object = (await api.getNamespacedCustomObject(ref).catch(() => undefined)) as
      { metadata: { generation?: number; deletionTimestamp?: string }; status?: { observedGeneration?: number } } | undefined
    if (!object || object.metadata.deletionTimestamp || object.status?.observedGeneration === object.metadata.generation) return
    const now = new Date().toISOString()
    const status = {
      observedGeneration: object.metadata.generation,
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: target.reason,
          message: target.message,
          lastTransitionTime: now,
          observedGeneration: object.metadata.generation,
        },
      ],
    }
    await api.replaceNamespacedCustomObjectStatus({ ...ref, body: { ...object, status } }).then(
      () => state.writes++,
      () => undefined, // a conflict with a newer version: the next round writes again
    )
  }

  const loop = (async () => {
    while (!state.stopped) {
      await Promise.all(TARGETS.map(report))
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
  })()

  return {
    get writes() {
      return state.writes
    },
    async stop() {
      state.stopped = true
      await loop
    },
  }
}
