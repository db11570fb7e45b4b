import { RefusalError } from '../engine/errors.js'
import type { KubeClient } from '../kube/client.js'
import { FIELD_MANAGER, formatRef, refOf, type KubeObject, type ObjectRef } from '../kube/refs.js'
import { MANAGED_BY } from '../render/labels.js'
import type { Engine } from '../engines/engine.js'
import { readHelmRelease } from '../tools/helm.js'

/** Carries kindling's managed-by label. */
export function labelledByKindling(object: KubeObject): boolean {
  return object.metadata.labels?.['app.kubernetes.io/managed-by'] === MANAGED_BY['app.kubernetes.io/managed-by']
}

/** The field managers that own fields of an object. */
function managersOf(object: KubeObject): string[] {
  return ((object.metadata.managedFields ?? []) as { manager?: string }[]).map((entry) => entry.manager ?? '?')
}

/** Applied by kindling: its field manager owns fields of it, or it carries kindling's managed-by label. */
export function appliedByKindling(object: KubeObject): boolean {
  return labelledByKindling(object) || managersOf(object).includes(FIELD_MANAGER)
}

/**
 * Refuse to take over objects another tool made, such as the `flux-system` GitRepository,
 * Kustomization and Secret of an earlier `flux bootstrap`: force-applying over them would
 * silently repoint a running engine at another repository.
 */
export async function assertNotForeign(kube: KubeClient, refs: readonly ObjectRef[], cluster: string): Promise<void> {
  for (const ref of refs) {
    const live = await kube.get(ref)
    if (!live || appliedByKindling(live)) continue
    throw new RefusalError(
      `${formatRef(refOf(ref))} already exists and was not made by kindling (managed by ${[...new Set(managersOf(live))].join(', ') || 'an unknown tool'})`,
      {
        details: [
          'kindling will not repoint an engine someone else set up',
          `to hand this cluster to kindling, delete ${formatRef(refOf(ref))} (the engine keeps running), then run again; or point the spec of ${cluster} at another cluster`,
        ],
      },
    )
  }
}

/**
 * The engine runs from kindling's install: its Helm release is there and so is its root sync
 * object with kindling's label. A release of the same name alone may be someone else's `helm install`.
 */
export async function engineInstalledByKindling(kube: KubeClient, engine: Engine): Promise<boolean> {
  const { release, namespace } = engine.releaseName
  if (!(await readHelmRelease(kube, release, namespace))) return false
  const root = await kube.get(engine.rootRef)
  return root !== undefined && labelledByKindling(root)
}
