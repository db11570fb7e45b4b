import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { nodeNamesOf, renderKindConfig, renderKindConfigYaml } from '../../../bootstrap/render/kind-config.js'
import { KIND_NODE_IMAGES } from '../../../bootstrap/spec/defaults.js'
import { kindSpec } from '../steps/provider/support.js'

const ports = `portMappings:
  - {containerPort: 30080, hostPort: 8080}
  - {containerPort: 30443, hostPort: 8443, listenAddress: 0.0.0.0}
  - {containerPort: 30053, hostPort: 5353, protocol: UDP}`

describe('kind config renderer', () => {
  it('renders a single-node cluster with port mappings and the containerd mirror directory as in the golden file', async () => {
    await expect(renderKindConfigYaml(kindSpec(ports))).toMatchFileSnapshot('__golden__/kind/single-node.yaml')
  })

  it('renders workers without port mappings and no containerd patch when caches are off', async () => {
    await expect(renderKindConfigYaml(kindSpec('nodes: {workers: 2}\nregistryCaches: {enabled: false}'))).toMatchFileSnapshot('__golden__/kind/multi-node.yaml')
  })

  it('puts port mappings on the first of three control planes and uses a nodeImage override everywhere', async () => {
    const spec = kindSpec(`nodeImage: example.com/node:v1.35.0@sha256:${'a'.repeat(64)}\nnodes: {controlPlanes: 3, workers: 1}\n${ports}`)
    await expect(renderKindConfigYaml(spec)).toMatchFileSnapshot('__golden__/kind/ha.yaml')
    const config = renderKindConfig(spec)
    expect(config.nodes.map((node) => [node.role, node.extraPortMappings?.length ?? 0])).toEqual([
      ['control-plane', 3],
      ['control-plane', 0],
      ['control-plane', 0],
      ['worker', 0],
    ])
  })

  it('binds port mappings to 127.0.0.1 unless the spec says otherwise', () => {
    const [node] = renderKindConfig(kindSpec(ports)).nodes
    expect(node!.extraPortMappings!.map((mapping) => mapping.listenAddress)).toEqual(['127.0.0.1', '0.0.0.0', '127.0.0.1'])
  })

  it('pins the node image by digest for the Kubernetes version', () => {
    const config = parse(renderKindConfigYaml(kindSpec())) as { apiVersion: string; nodes: { image: string }[] }
    expect(config.apiVersion).toBe('kind.x-k8s.io/v1alpha4')
    expect(config.nodes[0]!.image).toBe(KIND_NODE_IMAGES['v1.37.0'])
    expect(config.nodes[0]!.image).toMatch(/@sha256:[0-9a-f]{64}$/)
  })

  it('names nodes the way kind does', () => {
    expect(nodeNamesOf(kindSpec('nodes: {controlPlanes: 3, workers: 2}'))).toEqual([
      'lab-control-plane',
      'lab-control-plane2',
      'lab-control-plane3',
      'lab-worker',
      'lab-worker2',
    ])
  })
})
