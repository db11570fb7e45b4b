import { describe, expect, it } from 'vitest'
import { describeAction } from '../../../../bootstrap/engine/actions.js'
import { uninstallActions } from '../../../../bootstrap/steps/provider/uninstall.js'
import { specText, testSpec } from '../../support/context.js'

describe('uninstall from an existing cluster', () => {
  it('deletes each object kindling installed, then waits until it is gone, as steps a dry run prints', () => {
    const spec = testSpec(specText({ provider: 'type: existing\ncontext: lab' }))
    const kustomization = { apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', name: 'flux-system', namespace: 'flux-system' }
    const actions = uninstallActions(spec, { objects: [kustomization], releases: [], namespaces: ['flux-system'], record: true })
    expect(actions.map((action) => describeAction(action, (text) => text))).toEqual([
      'set spec.prune=false on, then delete Kustomization flux-system/flux-system',
      'wait until Kustomization flux-system/flux-system is deleted (up to 120 s)',
      'delete Namespace flux-system',
      'wait until Namespace flux-system is deleted (up to 120 s)',
      'delete ConfigMap kube-system/kindling',
      'wait until ConfigMap kube-system/kindling is deleted (up to 120 s)',
    ])
  })

  it("sync objects go first, then the engine releases through the spec's context only, then their namespaces and the record", () => {
    const spec = testSpec(specText({ provider: 'type: existing\nkubeconfig: /home/me/.kube/lab\ncontext: lab-admin' }))
    const secret = { apiVersion: 'v1', kind: 'Secret', name: 'flux-system', namespace: 'flux-system' }
    const actions = uninstallActions(spec, {
      objects: [secret],
      releases: [{ release: 'flux-operator', namespace: 'flux-system' }],
      namespaces: ['flux-system'],
      record: false,
    })
    expect(actions.map((action) => describeAction(action, (text) => text))).toEqual([
      'delete Secret flux-system/flux-system',
      'wait until Secret flux-system/flux-system is deleted (up to 120 s)',
      '$ helm uninstall flux-operator --namespace flux-system --kubeconfig /home/me/.kube/lab --kube-context lab-admin --wait --timeout 5m',
      'delete Namespace flux-system',
      'wait until Namespace flux-system is deleted (up to 120 s)',
    ])
  })
})
