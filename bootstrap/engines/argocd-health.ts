import type { KubeClient } from '../kube/client.js'
import { formatRef, type KubeObject, type ObjectRef } from '../kube/refs.js'
import type { Condition, ConditionResult } from '../kube/conditions.js'
import { ARGOCD_NAMESPACE } from '../render/argocd.js'
import { ARGOCD_ROOT_APP } from '../render/sync.js'
import { revisionSha, shortSha, withEvents } from './revision.js'

export const rootApplicationRef: ObjectRef = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', name: ARGOCD_ROOT_APP, namespace: ARGOCD_NAMESPACE }

interface ApplicationStatus {
  sync?: { status?: string; revision?: string }
  health?: { status?: string; message?: string }
  operationState?: { phase?: string; message?: string; syncResult?: { revision?: string } }
  conditions?: { type: string; message?: string }[]
  resources?: {
    group?: string
    version?: string
    kind: string
    namespace?: string
    name: string
    status?: string
    health?: { status?: string; message?: string }
  }[]
}

/** One line for an Application's state. */
function describeApplication(object: KubeObject | undefined): string {
  if (!object) return 'object does not exist'
  const status = (object.status ?? {}) as ApplicationStatus
  const parts = [`sync ${status.sync?.status ?? 'Unknown'} at ${status.sync?.revision?.slice(0, 7) ?? 'none'}`, `health ${status.health?.status ?? 'Unknown'}`]
  if (status.operationState?.phase)
    parts.push(`last sync ${status.operationState.phase}${status.operationState.message ? `: ${status.operationState.message}` : ''}`)
  for (const condition of status.conditions ?? []) parts.push(`${condition.type}: ${condition.message ?? ''}`)
  return parts.join('; ')
}

/**
 * An Argo CD Application Synced and Healthy at `sha`; a failed sync of that commit ends the wait at
 * once. With `sha` undefined (a chart, whose revision is its version) any revision will do.
 */
export function applicationSyncedAt(sha: string | undefined): Condition {
  const at = (revision: string | undefined): boolean => sha === undefined || revisionSha(revision) === sha
  return {
    description: sha === undefined ? 'Synced and Healthy' : `Synced and Healthy at ${shortSha(sha)}`,
    test(object): ConditionResult {
      const message = describeApplication(object)
      if (!object) return { done: false, message }
      const status = (object.status ?? {}) as ApplicationStatus
      const atHead = at(status.sync?.revision)
      const phase = status.operationState?.phase
      if (atHead && status.sync?.status === 'Synced' && status.health?.status === 'Healthy' && phase !== 'Running') return { done: true, message }
      const failedSync = (phase === 'Failed' || phase === 'Error') && at(status.operationState?.syncResult?.revision)
      const invalid = (status.conditions ?? []).some((condition) => condition.type === 'InvalidSpecError')
      if (failedSync || invalid || (atHead && status.sync?.status === 'Synced' && status.health?.status === 'Degraded'))
        return { done: false, failed: message, message }
      return { done: false, message }
    },
  }
}

type ArgoResource = NonNullable<ApplicationStatus['resources']>[number]

/** Each resource the root Application (and the Applications under it) lists, with its ref and the Application that lists it. */
async function argoResources(kube: KubeClient, signal?: AbortSignal): Promise<{ resource: ArgoResource; ref: ObjectRef; app: ObjectRef }[]> {
  const found: { resource: ArgoResource; ref: ObjectRef; app: ObjectRef }[] = []
  const visit = async (appRef: ObjectRef, depth: number): Promise<void> => {
    const app = await kube.get(appRef, { signal })
    for (const resource of ((app?.status ?? {}) as ApplicationStatus).resources ?? []) {
      const ref: ObjectRef = {
        apiVersion: resource.group ? `${resource.group}/${resource.version ?? 'v1'}` : (resource.version ?? 'v1'),
        kind: resource.kind,
        name: resource.name,
        namespace: resource.namespace || undefined,
      }
      found.push({ resource, ref, app: appRef })
      if (resource.kind === 'Application' && resource.group === 'argoproj.io' && depth < 3) await visit(ref, depth + 1)
    }
  }
  await visit(rootApplicationRef, 0)
  return found
}

const isApplication = (resource: ArgoResource): boolean => resource.kind === 'Application' && resource.group === 'argoproj.io'

/**
 * Drift from Git, one line per object while it lasts: an object an Application lists as OutOfSync
 * (edited or deleted by hand; self-heal syncs it back). An Application out of sync but there is
 * not itself drift: what differs is listed under it.
 */
export async function driftArgo(kube: KubeClient, signal?: AbortSignal): Promise<string[]> {
  return (await argoResources(kube, signal))
    .filter(({ resource }) => resource.status === 'OutOfSync' && (!isApplication(resource) || resource.health?.status === 'Missing'))
    .map(({ resource, ref, app }) =>
      resource.health?.status === 'Missing'
        ? `drift: ${formatRef(ref)} was deleted; ${formatRef(app)} restores it (self-heal)`
        : `drift: ${formatRef(ref)} differs from Git; ${formatRef(app)} syncs it back (self-heal)`,
    )
}

/**
 * The resources under the root Application (and the Applications it holds) that are out of sync or
 * unhealthy. With `drift: false` (status, which lists drift on its own lines), an object whose only
 * problem is being out of sync, or deleted, is left to driftArgo.
 */
export async function unhealthyArgo(kube: KubeClient, signal?: AbortSignal, options: { drift?: boolean } = {}): Promise<string[]> {
  const lines: string[] = []
  for (const { resource, ref } of await argoResources(kube, signal)) {
    const healthy = !resource.health?.status || resource.health.status === 'Healthy'
    if (resource.status === 'Synced' && healthy) continue
    const onlyDrift = resource.status === 'OutOfSync' && (healthy || resource.health?.status === 'Missing')
    if (options.drift === false && onlyDrift) continue
    const state = [
      resource.status === 'OutOfSync' ? 'OutOfSync (drift)' : resource.status,
      resource.health?.status ? `health ${resource.health.status}${resource.health.message ? `: ${resource.health.message}` : ''}` : undefined,
    ]
      .filter(Boolean)
      .join(', ')
    lines.push(...(await withEvents(kube, ref, `${formatRef(ref)}: ${state}`, signal)))
  }
  return lines
}
