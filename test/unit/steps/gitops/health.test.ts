import { describe, expect, it } from 'vitest'
import type { KubeObject } from '../../../../bootstrap/kube/client.js'
import { applicationSyncedAt } from '../../../../bootstrap/engines/argocd-health.js'
import { fluxReadyAt } from '../../../../bootstrap/engines/flux-health.js'
import { revisionSha } from '../../../../bootstrap/engines/revision.js'

const SHA = 'c0ffee0123456789abcdef0123456789abcdef01'
const OLD = 'deadbeef0123456789abcdef0123456789abcdef'

function flux(status: Record<string, unknown>, generation = 1): KubeObject {
  return {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name: 'flux-system', namespace: 'flux-system', generation },
    status: { observedGeneration: 1, ...status },
  }
}

function app(status: Record<string, unknown>): KubeObject {
  return { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'root', namespace: 'argocd' }, status }
}

describe('health conditions', () => {
  it('read the commit out of every revision format', () => {
    expect(revisionSha(`main@sha1:${SHA}`)).toBe(SHA)
    expect(revisionSha(`main/${SHA}`)).toBe(SHA)
    expect(revisionSha(SHA)).toBe(SHA)
    expect(revisionSha('main@sha1:abc')).toBeUndefined()
  })

  it('pass a Kustomization only when Ready at the remote head', () => {
    const condition = fluxReadyAt(SHA, 'lastAppliedRevision')
    const ready = { type: 'Ready', status: 'True', reason: 'ReconciliationSucceeded', message: 'Applied revision' }
    expect(condition.test(flux({ lastAppliedRevision: `main@sha1:${SHA}`, conditions: [ready] })).done).toBe(true)
    expect(condition.test(flux({ lastAppliedRevision: `main@sha1:${OLD}`, conditions: [ready] })).done).toBe(false)
    expect(condition.test(flux({ lastAppliedRevision: `main@sha1:${SHA}`, conditions: [ready] }, 2)).done).toBe(false)
  })

  it('fail fast on Ready=False at the head, but not while Flux waits for its source or retries an older commit', () => {
    const condition = fluxReadyAt(SHA, 'lastAppliedRevision')
    const failed = { type: 'Ready', status: 'False', reason: 'BuildFailed', message: 'kustomize build failed' }
    expect(condition.test(flux({ lastAttemptedRevision: `main@sha1:${SHA}`, conditions: [failed] })).failed).toMatch(/BuildFailed/)
    expect(condition.test(flux({ lastAttemptedRevision: `main@sha1:${OLD}`, conditions: [failed] })).failed).toBeUndefined()
    expect(
      condition.test(flux({ conditions: [{ type: 'Ready', status: 'False', reason: 'ArtifactFailed', message: 'Source artifact not found' }] })).failed,
    ).toBeUndefined()
  })

  it('do not fail on a GitRepository failure left from before the reconcile kindling requested', () => {
    const requestedAt = '2026-11-23T12:00:00.000Z'
    const condition = fluxReadyAt(SHA, 'artifact', requestedAt)
    const failed = { type: 'Ready', status: 'False', reason: 'GitOperationFailed', message: 'ssh: handshake failed: unable to authenticate' }
    expect(condition.test(flux({ lastHandledReconcileAt: '2026-11-23T11:00:00.000Z', conditions: [failed] })).failed).toBeUndefined()
    expect(condition.test(flux({ lastHandledReconcileAt: requestedAt, conditions: [failed] })).failed).toMatch(/unable to authenticate/)
  })

  it('pass an Application only when Synced and Healthy at the head, failing fast on a failed sync of it', () => {
    const condition = applicationSyncedAt(SHA)
    expect(condition.test(app({ sync: { status: 'Synced', revision: SHA }, health: { status: 'Healthy' } })).done).toBe(true)
    expect(condition.test(app({ sync: { status: 'Synced', revision: OLD }, health: { status: 'Healthy' } })).done).toBe(false)
    expect(condition.test(app({ sync: { status: 'OutOfSync', revision: SHA }, health: { status: 'Healthy' } })).done).toBe(false)
    const failed = condition.test(
      app({
        sync: { status: 'OutOfSync', revision: SHA },
        operationState: { phase: 'Failed', message: 'one or more objects failed to apply', syncResult: { revision: SHA } },
      }),
    )
    expect(failed.failed).toMatch(/last sync Failed: one or more objects failed to apply/)
    expect(condition.test(undefined).message).toBe('object does not exist')
  })
})
