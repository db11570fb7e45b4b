import { describe, expect, it } from 'vitest'
import { sameObject, type KubeObject } from '../../../bootstrap/kube/refs.js'

const live: KubeObject = {
  apiVersion: 'fluxcd.controlplane.io/v1',
  kind: 'FluxInstance',
  metadata: { name: 'flux', namespace: 'flux-system', resourceVersion: '100', generation: 2, managedFields: [{ manager: 'kindling' }] },
  spec: { distribution: { version: '2.9.x' } },
  status: { conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-11-30T08:00:00Z' }] },
} as KubeObject

describe('whether a dry-run apply would change a live object', () => {
  it('is unchanged when only its status moved on between the read and the dry run (a controller at work)', () => {
    const dry = {
      ...live,
      metadata: { ...live.metadata, resourceVersion: '101', managedFields: [{ manager: 'flux-operator' }] },
      status: { conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-11-30T08:00:05Z' }] },
    } as KubeObject
    expect(sameObject(live, dry)).toBe(true)
  })

  it('is a change when the apply would change the spec, labels or generation', () => {
    expect(sameObject(live, { ...live, spec: { distribution: { version: '2.10.x' } } } as KubeObject)).toBe(false)
    expect(sameObject(live, { ...live, metadata: { ...live.metadata, labels: { team: 'platform' } } } as KubeObject)).toBe(false)
    expect(sameObject(live, { ...live, metadata: { ...live.metadata, generation: 3 } } as KubeObject)).toBe(false)
  })
})
