import type { KubeObject } from './client.js'

/** What a wait condition concluded about the object as last seen. */
export interface ConditionResult {
  done: boolean
  /** The object can no longer become ready (e.g. Ready=False with a terminal reason): stop waiting. */
  failed?: string
  /** The most telling status line, kept for the timeout message. */
  message?: string
}

/** A readiness condition to wait for, e.g. "Established" or "Available". */
export interface Condition {
  description: string
  test(object: KubeObject | undefined): ConditionResult
}

interface StatusCondition {
  type: string
  status: string
  reason?: string
  message?: string
}

export function statusConditions(object: KubeObject | undefined): StatusCondition[] {
  const conditions = (object?.status as { conditions?: unknown } | undefined)?.conditions
  return Array.isArray(conditions) ? (conditions as StatusCondition[]) : []
}

/** "Available=False (MinimumReplicasUnavailable): Deployment does not have minimum availability." */
export function formatCondition(condition: StatusCondition): string {
  const reason = condition.reason ? ` (${condition.reason})` : ''
  const message = condition.message ? `: ${condition.message}` : ''
  return `${condition.type}=${condition.status}${reason}${message}`
}

/** The one-line state of an object: its failing or readiness condition, if any. */
export function lastMessage(object: KubeObject | undefined, preferred = 'Ready'): string | undefined {
  if (!object) return 'object does not exist'
  const conditions = statusConditions(object)
  const pick = conditions.find((c) => c.type === preferred) ?? conditions.find((c) => c.status === 'False') ?? conditions[0]
  return pick ? formatCondition(pick) : undefined
}

/** Wait until `status.conditions[type].status` is True; optionally fail fast when it turns False. */
export function conditionTrue(type: string, options: { failFastOnFalse?: (condition: StatusCondition) => boolean } = {}): Condition {
  return {
    description: `${type}=True`,
    test(object) {
      const condition = statusConditions(object).find((c) => c.type === type)
      const message = condition ? formatCondition(condition) : lastMessage(object, type)
      if (condition?.status === 'True' && observedCurrent(object)) return { done: true, message }
      if (condition?.status === 'False' && options.failFastOnFalse?.(condition)) return { done: false, failed: message, message }
      return { done: false, message }
    },
  }
}

/** True unless the controller has not yet seen the latest spec (observedGeneration behind generation). */
function observedCurrent(object: KubeObject | undefined): boolean {
  const generation = object?.metadata.generation as number | undefined
  const observed = (object?.status as { observedGeneration?: number } | undefined)?.observedGeneration
  return generation === undefined || observed === undefined || observed >= generation
}

/** A Deployment that is Available with every replica updated and ready. */
export const deploymentAvailable: Condition = {
  description: 'Available=True with all replicas ready',
  test(object) {
    const base = conditionTrue('Available').test(object)
    const status = (object?.status ?? {}) as { replicas?: number; readyReplicas?: number; updatedReplicas?: number }
    const wanted = (object?.spec as { replicas?: number } | undefined)?.replicas ?? 1
    const progressing = statusConditions(object).find((c) => c.type === 'Progressing')
    if (progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded') {
      return { done: false, failed: formatCondition(progressing), message: formatCondition(progressing) }
    }
    const ready = (status.readyReplicas ?? 0) >= wanted && (status.updatedReplicas ?? 0) >= wanted
    return { done: base.done && ready, message: `${base.message ?? 'no Available condition yet'}; ${status.readyReplicas ?? 0}/${wanted} ready` }
  },
}

/** The object exists. */
export const exists: Condition = {
  description: 'exists',
  test: (object) => ({ done: object !== undefined, message: object ? 'exists' : 'object does not exist' }),
}

/** The object is gone. */
export const deleted: Condition = {
  description: 'deleted',
  test: (object) => ({
    done: object === undefined,
    message: object ? `still present${object.metadata.deletionTimestamp ? ' (terminating)' : ''}${finalizers(object)}` : 'deleted',
  }),
}

function finalizers(object: KubeObject): string {
  const list = [...((object.metadata.finalizers as string[] | undefined) ?? []), ...((object.spec as { finalizers?: string[] } | undefined)?.finalizers ?? [])]
  return list.length ? `, finalizers: ${list.join(', ')}` : ''
}

/** A StatefulSet whose replicas are all ready at the current revision. */
export const statefulSetReady: Condition = {
  // Read after "is" ("wait until StatefulSet a/b is ready with ...") and before "timed out".
  description: 'ready with all replicas at the current revision',
  test(object) {
    const wanted = (object?.spec as { replicas?: number } | undefined)?.replicas ?? 1
    const status = (object?.status ?? {}) as { readyReplicas?: number; currentRevision?: string; updateRevision?: string; observedGeneration?: number }
    const current = status.updateRevision === undefined || status.currentRevision === status.updateRevision
    const observed = status.observedGeneration === undefined || status.observedGeneration >= Number(object?.metadata.generation ?? 0)
    const ready = (status.readyReplicas ?? 0) >= wanted
    return { done: !!object && ready && current && observed, message: object ? `${status.readyReplicas ?? 0}/${wanted} ready` : 'object does not exist' }
  },
}
