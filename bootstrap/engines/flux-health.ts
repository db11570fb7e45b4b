import type { KubeClient } from '../kube/client.js'
import { formatRef, type KubeObject, type ObjectRef } from '../kube/refs.js'
import { formatCondition, statusConditions, type Condition, type ConditionResult } from '../kube/conditions.js'
import { FLUX_NAMESPACE } from '../render/flux.js'
import { FLUX_SYNC_NAME } from '../render/sync.js'
import { observedCurrent, revisionSha, shortSha, withEvents } from './revision.js'

export const gitRepositoryRef: ObjectRef = { apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'GitRepository', name: FLUX_SYNC_NAME, namespace: FLUX_NAMESPACE }
export const fluxKustomizationRef: ObjectRef = {
  apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
  kind: 'Kustomization',
  name: FLUX_SYNC_NAME,
  namespace: FLUX_NAMESPACE,
}

// Reasons Flux reports while waiting on something else; they clear by themselves.
const TRANSIENT_REASONS = new Set(['ArtifactFailed', 'DependencyNotReady', 'Progressing', 'ProgressingWithRetry'])

/**
 * A Flux object is Ready at `sha`: GitRepository by its artifact, Kustomization by its last applied
 * revision. Ready=False at the current generation ends the wait at once (as `flux bootstrap` does),
 * unless the reason is one Flux reports while waiting for its source, or Flux has not yet handled
 * the reconcile request made at `requestedAt` (the failure may be stale).
 */
export function fluxReadyAt(sha: string, revisionField: 'artifact' | 'lastAppliedRevision', requestedAt?: string): Condition {
  return {
    description: `Ready=True at ${shortSha(sha)}`,
    test(object): ConditionResult {
      if (!object) return { done: false, message: 'object does not exist' }
      const status = (object.status ?? {}) as {
        artifact?: { revision?: string }
        lastAppliedRevision?: string
        lastAttemptedRevision?: string
        lastHandledReconcileAt?: string
      }
      const revision = revisionField === 'artifact' ? status.artifact?.revision : status.lastAppliedRevision
      const ready = statusConditions(object).find((c) => c.type === 'Ready')
      const message = `${ready ? formatCondition(ready) : 'no Ready condition yet'}; revision ${revision ?? 'none'}`
      if (ready?.status === 'True' && observedCurrent(object) && revisionSha(revision) === sha) return { done: true, message }
      const handled = requestedAt === undefined || status.lastHandledReconcileAt === requestedAt
      if (ready?.status === 'False' && observedCurrent(object) && handled && !TRANSIENT_REASONS.has(ready.reason ?? '')) {
        const attempted = revisionSha(status.lastAttemptedRevision)
        // A Kustomization failure only counts once it is about the commit we wait for.
        if (revisionField === 'artifact' || attempted === undefined || attempted === sha) return { done: false, failed: message, message }
      }
      return { done: false, message }
    },
  }
}

const FLUX_GROUPS = /(\.toolkit\.fluxcd\.io|fluxcd\.controlplane\.io)$/

/**
 * What a Flux Kustomization applied, from its status inventory: entries are
 * `<namespace>_<name>_<group>_<kind>` (group empty for the core API) with their version.
 */
function inventoryRefs(kustomization: KubeObject | undefined): ObjectRef[] {
  const entries = (kustomization?.status as { inventory?: { entries?: { id: string; v: string }[] } } | undefined)?.inventory?.entries ?? []
  return entries.flatMap((entry) => {
    const [namespace, name, group, kind] = entry.id.split('_')
    if (!name || group === undefined || !kind) return []
    return [{ apiVersion: group ? `${group}/${entry.v}` : entry.v, kind, name, namespace: namespace || undefined }]
  })
}

/** The Flux objects under the root Kustomization that are not Ready, with conditions and events. */
export async function unhealthyFlux(kube: KubeClient, signal?: AbortSignal): Promise<string[]> {
  const refs = inventoryRefs(await kube.get(fluxKustomizationRef, { signal })).filter((ref) => FLUX_GROUPS.test(ref.apiVersion.split('/')[0]!))
  const lines: string[] = []
  for (const ref of refs) {
    const object = await kube.get(ref, { signal })
    const ready = statusConditions(object).find((c) => c.type === 'Ready')
    if (object && ready?.status === 'True') continue
    const conditions = statusConditions(object).map(formatCondition).join('; ') || (object ? 'no conditions reported' : 'object does not exist')
    lines.push(...(await withEvents(kube, ref, `${formatRef(ref)}: ${conditions}`, signal)))
  }
  return lines
}

/** Field managers of controllers that maintain objects after Flux applied them: not drift. */
const CONTROLLER_MANAGER = /(^kube-|controller|^kubelet$|^kustomize-controller$|^helm-controller$|^manager$)/

interface ManagedField {
  manager?: string
  operation?: string
  subresource?: string
  time?: string
  fieldsV1?: Record<string, unknown>
}

/** A manager that only asked Flux to reconcile (`flux reconcile`, kindling's sync request) changed nothing Git holds. */
function onlyReconcileRequest(field: ManagedField): boolean {
  const keys = JSON.stringify(field.fieldsV1 ?? {}).match(/"f:[^"]+"/g) ?? []
  return keys.every((key) => /^"f:(metadata|annotations|reconcile\.fluxcd\.io\/\w+)"$/.test(key))
}

/**
 * Drift from Git while it lasts: objects a Flux Kustomization applied that are gone, or that a
 * person (`kubectl edit`, `kubectl patch`, ...) changed after Flux last applied them. Flux puts both
 * back at its next reconcile; until then `status` names them.
 */
export async function fluxDrift(kube: KubeClient): Promise<string[]> {
  const syncs = await kube.list('kustomize.toolkit.fluxcd.io/v1', 'Kustomization', { namespace: fluxKustomizationRef.namespace })
  const lines: string[] = []
  for (const sync of syncs) {
    const owner = `Kustomization ${sync.metadata.namespace}/${sync.metadata.name}`
    for (const ref of inventoryRefs(sync)) {
      const live = await kube.get(ref)
      if (!live) {
        lines.push(`drift: ${formatRef(ref)} was deleted; ${owner} restores it at its next reconcile`)
        continue
      }
      const fields = (live.metadata.managedFields ?? []) as ManagedField[]
      const applied = fields.find((field) => field.manager === 'kustomize-controller' && !field.subresource)?.time ?? ''
      const edits = fields.filter(
        (field) =>
          !field.subresource && field.manager && !CONTROLLER_MANAGER.test(field.manager) && !onlyReconcileRequest(field) && (field.time ?? '') > applied,
      )
      for (const edit of edits)
        lines.push(`drift: ${formatRef(ref)} was changed by ${edit.manager} at ${edit.time} after ${owner} applied it; Flux reverts it at its next reconcile`)
    }
  }
  return lines
}
