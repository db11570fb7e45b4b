import { formatRef, type KubeClient, type KubeObject, type ObjectRef } from '../../kube/client.js'
import { formatCondition, statusConditions, type Condition, type ConditionResult } from '../../kube/conditions.js'
import { ARGOCD_NAMESPACE } from '../../render/argocd.js'
import { FLUX_NAMESPACE } from '../../render/flux.js'
import { ARGOCD_ROOT_APP, FLUX_SYNC_NAME } from '../../render/sync.js'
import type { ClusterSpec } from '../../spec/load.js'

export const gitRepositoryRef: ObjectRef = { apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'GitRepository', name: FLUX_SYNC_NAME, namespace: FLUX_NAMESPACE }
export const fluxKustomizationRef: ObjectRef = { apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', name: FLUX_SYNC_NAME, namespace: FLUX_NAMESPACE }
export const rootApplicationRef: ObjectRef = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', name: ARGOCD_ROOT_APP, namespace: ARGOCD_NAMESPACE }

/** The root objects whose state says whether the engine applied the repository. */
export function rootRefs(spec: ClusterSpec): ObjectRef[] {
  return spec.gitops.engine === 'flux' ? [gitRepositoryRef, fluxKustomizationRef] : [rootApplicationRef]
}

/** The commit SHA in a Flux revision (`main@sha1:<sha>`, or the older `main/<sha>`) or an Argo CD one. */
export function revisionSha(revision: unknown): string | undefined {
  if (typeof revision !== 'string') return undefined
  return /(?:^|[@/:])([0-9a-f]{40}(?:[0-9a-f]{24})?)$/.exec(revision)?.[1]
}

function observedCurrent(object: KubeObject): boolean {
  const observed = (object.status as { observedGeneration?: number } | undefined)?.observedGeneration
  return observed === undefined || observed >= Number(object.metadata.generation ?? 0)
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
    description: `Ready=True at ${sha.slice(0, 7)}`,
    test(object): ConditionResult {
      if (!object) return { done: false, message: 'object does not exist' }
      const status = (object.status ?? {}) as { artifact?: { revision?: string }; lastAppliedRevision?: string; lastAttemptedRevision?: string; lastHandledReconcileAt?: string }
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

interface ApplicationStatus {
  sync?: { status?: string; revision?: string }
  health?: { status?: string; message?: string }
  operationState?: { phase?: string; message?: string; syncResult?: { revision?: string } }
  conditions?: { type: string; message?: string }[]
  resources?: { group?: string; version?: string; kind: string; namespace?: string; name: string; status?: string; health?: { status?: string; message?: string } }[]
}

/** One line for an Application's state. */
export function describeApplication(object: KubeObject | undefined): string {
  if (!object) return 'object does not exist'
  const status = (object.status ?? {}) as ApplicationStatus
  const parts = [`sync ${status.sync?.status ?? 'Unknown'} at ${status.sync?.revision?.slice(0, 7) ?? 'none'}`, `health ${status.health?.status ?? 'Unknown'}`]
  if (status.operationState?.phase) parts.push(`last sync ${status.operationState.phase}${status.operationState.message ? `: ${status.operationState.message}` : ''}`)
  for (const condition of status.conditions ?? []) parts.push(`${condition.type}: ${condition.message ?? ''}`)
  return parts.join('; ')
}

/** An Argo CD Application Synced and Healthy at `sha`; a failed sync of that commit ends the wait at once. */
export function applicationSyncedAt(sha: string): Condition {
  return {
    description: `Synced and Healthy at ${sha.slice(0, 7)}`,
    test(object): ConditionResult {
      const message = describeApplication(object)
      if (!object) return { done: false, message }
      const status = (object.status ?? {}) as ApplicationStatus
      const atHead = revisionSha(status.sync?.revision) === sha
      const phase = status.operationState?.phase
      if (atHead && status.sync?.status === 'Synced' && status.health?.status === 'Healthy' && phase !== 'Running') return { done: true, message }
      const failedSync = (phase === 'Failed' || phase === 'Error') && revisionSha(status.operationState?.syncResult?.revision) === sha
      const invalid = (status.conditions ?? []).some((condition) => condition.type === 'InvalidSpecError')
      if (failedSync || invalid || (atHead && status.sync?.status === 'Synced' && status.health?.status === 'Degraded')) return { done: false, failed: message, message }
      return { done: false, message }
    },
  }
}

/** Whether the root objects say the commit is applied and everything healthy, without waiting. */
export async function rootState(kube: KubeClient, spec: ClusterSpec, sha: string): Promise<{ done: boolean; lines: string[] }> {
  const refs = rootRefs(spec)
  const conditions = spec.gitops.engine === 'flux' ? [fluxReadyAt(sha, 'artifact'), fluxReadyAt(sha, 'lastAppliedRevision')] : [applicationSyncedAt(sha)]
  const results = await Promise.all(refs.map(async (ref, index) => ({ ref, result: conditions[index]!.test(await kube.get(ref)) })))
  return { done: results.every(({ result }) => result.done), lines: results.map(({ ref, result }) => `${formatRef(ref)}: ${result.message ?? ''}`) }
}

const FLUX_GROUPS = /(\.toolkit\.fluxcd\.io|fluxcd\.controlplane\.io)$/

/**
 * The objects under the root sync that are not ready or out of sync, each with its conditions
 * and recent events: what `status` shows and what a failed health gate prints.
 */
export async function unhealthyObjects(kube: KubeClient, spec: ClusterSpec): Promise<string[]> {
  return spec.gitops.engine === 'flux' ? unhealthyFlux(kube) : unhealthyArgo(kube)
}

async function withEvents(kube: KubeClient, ref: ObjectRef, headline: string): Promise<string[]> {
  const events = await kube.events(ref, 3).catch(() => [])
  return [headline, ...events.map((line) => `    event: ${line}`)]
}

async function unhealthyFlux(kube: KubeClient): Promise<string[]> {
  const root = await kube.get(fluxKustomizationRef)
  const entries = ((root?.status as { inventory?: { entries?: { id: string; v: string }[] } } | undefined)?.inventory?.entries ?? [])
  const lines: string[] = []
  for (const entry of entries) {
    const [namespace, name, group, kind] = entry.id.split('_')
    if (!name || !group || !kind || !FLUX_GROUPS.test(group)) continue
    const ref: ObjectRef = { apiVersion: `${group}/${entry.v}`, kind, name, namespace: namespace || undefined }
    const object = await kube.get(ref)
    const ready = statusConditions(object).find((c) => c.type === 'Ready')
    if (object && ready?.status === 'True') continue
    const conditions = statusConditions(object).map(formatCondition).join('; ') || (object ? 'no conditions reported' : 'object does not exist')
    lines.push(...(await withEvents(kube, ref, `${formatRef(ref)}: ${conditions}`)))
  }
  return lines
}

async function unhealthyArgo(kube: KubeClient): Promise<string[]> {
  const lines: string[] = []
  const visit = async (appRef: ObjectRef, depth: number): Promise<void> => {
    const app = await kube.get(appRef)
    for (const resource of ((app?.status ?? {}) as ApplicationStatus).resources ?? []) {
      const ref: ObjectRef = { apiVersion: resource.group ? `${resource.group}/${resource.version ?? 'v1'}` : (resource.version ?? 'v1'), kind: resource.kind, name: resource.name, namespace: resource.namespace || undefined }
      const healthy = !resource.health?.status || resource.health.status === 'Healthy'
      if (resource.kind === 'Application' && resource.group === 'argoproj.io' && depth < 3) await visit(ref, depth + 1)
      if (resource.status === 'Synced' && healthy) continue
      const state = [resource.status === 'OutOfSync' ? 'OutOfSync (drift)' : resource.status, resource.health?.status ? `health ${resource.health.status}${resource.health.message ? `: ${resource.health.message}` : ''}` : undefined].filter(Boolean).join(', ')
      lines.push(...(await withEvents(kube, ref, `${formatRef(ref)}: ${state}`)))
    }
  }
  await visit(rootApplicationRef, 0)
  return lines
}
