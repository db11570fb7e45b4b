import { BadInputError } from '../../engine/errors.js'
import { FIELD_MANAGER, formatRef, refOf, type KubeClient, type ObjectRef } from '../../kube/client.js'
import { MANAGED_BY } from '../../render/labels.js'

/**
 * Refuse to take over objects another tool made, such as the `flux-system` GitRepository,
 * Kustomization and Secret of an earlier `flux bootstrap`: force-applying over them would
 * silently repoint a running engine at another repository. An object is kindling's when its
 * field manager owns fields of it or it carries kindling's label.
 */
export async function assertNotForeign(kube: KubeClient, refs: readonly ObjectRef[], cluster: string): Promise<void> {
  for (const ref of refs) {
    const live = await kube.get(ref)
    if (!live) continue
    const managers = ((live.metadata.managedFields as { manager?: string }[] | undefined) ?? []).map((entry) => entry.manager ?? '?')
    const labelled = live.metadata.labels?.['app.kubernetes.io/managed-by'] === MANAGED_BY['app.kubernetes.io/managed-by']
    if (labelled || managers.includes(FIELD_MANAGER)) continue
    throw new BadInputError(`${formatRef(refOf(ref))} already exists and was not made by kindling (managed by ${[...new Set(managers)].join(', ') || 'an unknown tool'})`, {
      details: [
        'kindling will not repoint an engine someone else set up',
        `to hand this cluster to kindling, delete ${formatRef(refOf(ref))} (the engine keeps running), then run again; or point the spec of ${cluster} at another cluster`,
      ],
    })
  }
}
