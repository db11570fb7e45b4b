import { describe, expect, it } from 'vitest'
import { driftArgo, rootApplicationRef, unhealthyArgo } from '../../../bootstrap/engines/argocd-health.js'
import type { KubeClient, KubeObject, ObjectRef } from '../../../bootstrap/kube/client.js'

/** An Argo CD whose root Application lists the platform Application, which lists what it applied. */
function argo(platform: Record<string, unknown>[]): KubeClient {
  const apps: Record<string, KubeObject> = {
    [rootApplicationRef.name]: {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: rootApplicationRef.name, namespace: 'argocd' },
      status: {
        resources: [
          {
            group: 'argoproj.io',
            version: 'v1alpha1',
            kind: 'Application',
            namespace: 'argocd',
            name: 'platform',
            status: 'OutOfSync',
            health: { status: 'Healthy' },
          },
        ],
      },
    },
    platform: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'platform', namespace: 'argocd' }, status: { resources: platform } },
  }
  return { get: async (ref: ObjectRef) => apps[ref.name], events: async () => [] } as unknown as KubeClient
}

const edited = { group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'web', name: 'web', status: 'OutOfSync', health: { status: 'Healthy' } }
const deleted = { version: 'v1', kind: 'ConfigMap', namespace: 'web', name: 'settings', status: 'OutOfSync', health: { status: 'Missing' } }
const degraded = {
  group: 'apps',
  version: 'v1',
  kind: 'Deployment',
  namespace: 'db',
  name: 'db',
  status: 'Synced',
  health: { status: 'Degraded', message: 'crash loop' },
}

describe('Argo CD drift in status', () => {
  it('names each object edited or deleted by hand as drift, with the Application that syncs it back', async () => {
    expect(await driftArgo(argo([edited, deleted, degraded]))).toEqual([
      'drift: Deployment web/web differs from Git; Application argocd/platform syncs it back (self-heal)',
      'drift: ConfigMap web/settings was deleted; Application argocd/platform restores it (self-heal)',
    ])
    expect(await driftArgo(argo([degraded]))).toEqual([])
  })

  it('leaves drift out of the unhealthy objects status lists, so nothing is said twice, while the health gate still names it', async () => {
    const kube = argo([edited, deleted, degraded])
    expect(await unhealthyArgo(kube, undefined, { drift: false })).toEqual(['Deployment db/db: Synced, health Degraded: crash loop'])
    const gate = await unhealthyArgo(kube)
    expect(gate).toContain('Deployment web/web: OutOfSync (drift), health Healthy')
    expect(gate).toContain('ConfigMap web/settings: OutOfSync (drift), health Missing')
  })
})
