import { describe, expect, it } from 'vitest'
import type { KubeClient, KubeObject } from '../../../../bootstrap/kube/client.js'
import { describeFacts, detectDistribution, engineToAdopt, existingClusterStatusStep } from '../../../../bootstrap/steps/provider/existing-cluster.js'
import { specText, testContext, testSpec } from '../../support/context.js'

function node(kubeletVersion: string, extra: { osImage?: string; providerID?: string } = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'n' },
    spec: { providerID: extra.providerID },
    status: { nodeInfo: { kubeletVersion, osImage: extra.osImage ?? 'Debian GNU/Linux 12' } },
  }
}

describe('existing cluster facts', () => {
  it.each([
    ['k3s', 'v1.30.4+k3s1', [node('v1.30.4+k3s1')], false],
    ['RKE2', 'v1.30.4+rke2r1', [node('v1.30.4+rke2r1')], false],
    ['Talos', 'v1.31.1', [node('v1.31.1', { osImage: 'Talos (v1.8.0)' })], false],
    ['EKS', 'v1.30.4-eks-a737599', [node('v1.30.4-eks-a737599', { providerID: 'aws:///eu-west-1a/i-0' })], false],
    ['GKE', 'v1.30.3-gke.1639000', [node('v1.30.3-gke.1639000', { providerID: 'gce://p/z/n' })], false],
    ['AKS', 'v1.30.3', [node('v1.30.3', { providerID: 'azure:///subscriptions/x' })], false],
    ['kubeadm', 'v1.31.1', [node('v1.31.1')], true],
    ['Kubernetes (distribution not recognised)', 'v1.34.0', [node('fake')], false],
  ] as const)('recognises %s', (name, version, nodes, kubeadm) => {
    expect(detectDistribution(version, nodes, kubeadm)).toBe(name)
  })

  it('adopts the spec engine when it ran before kindling, else reports the other one', () => {
    const spec = testSpec(specText({ provider: 'type: existing\nkubeconfig: secrets/lab.kubeconfig\ncontext: lab' }))
    expect(engineToAdopt(spec, ['argocd', 'flux'])).toBe('flux')
    expect(engineToAdopt(spec, ['argocd'])).toBe('argocd')
    expect(engineToAdopt(spec, [])).toBeUndefined()
  })

  it('says in one line what the cluster is', () => {
    const line = describeFacts({
      version: 'v1.30.4+k3s1',
      distribution: 'k3s',
      nodes: [
        { name: 'a', ready: true, roles: [], kubeletVersion: '' },
        { name: 'b', ready: false, roles: [], kubeletVersion: '' },
      ],
      defaultStorageClass: 'local-path',
      engines: ['flux'],
      namespaces: ['flux-system'],
    })
    expect(line).toBe('k3s v1.30.4+k3s1, 2 nodes (1 Ready), default StorageClass local-path, Flux already installed')
  })

  it('status finds a problem in a cluster with no nodes, or a node not Ready, and says how to look', async () => {
    const spec = testSpec(specText({ provider: 'type: existing\nkubeconfig: secrets/lab.kubeconfig\ncontext: lab' }))
    const cluster = (nodes: KubeObject[]) =>
      ({
        context: 'lab',
        serverVersion: async () => 'v1.37.0',
        list: async (_: string, kind: string) => (kind === 'Node' ? nodes : []),
        get: async () => undefined,
      }) as unknown as KubeClient
    const status = (nodes: KubeObject[]) => existingClusterStatusStep(spec).check(testContext({ spec, kube: cluster(nodes) }))
    const ready = (name: string, value: string): KubeObject => ({
      ...node('v1.37.0'),
      metadata: { name },
      status: { conditions: [{ type: 'Ready', status: value }] },
    })
    await expect(status([])).rejects.toMatchObject({ message: 'the cluster has no nodes: nothing can run on it' })
    await expect(status([ready('a', 'True'), ready('b', 'False')])).rejects.toMatchObject({
      message: 'nodes not Ready: b',
      // The spec's kubeconfig and context on both: a bare kubectl reads whatever cluster is current.
      details: [
        'check `kubectl --kubeconfig /repo/secrets/lab.kubeconfig --context lab get nodes` and `kubectl --kubeconfig /repo/secrets/lab.kubeconfig --context lab describe node b`',
      ],
    })
    await expect(status([ready('a', 'True')])).resolves.toMatchObject({ state: 'done', detail: expect.stringContaining('1 node (1 Ready)') })
  })
})
