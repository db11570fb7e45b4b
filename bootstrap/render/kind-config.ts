import { stringify } from 'yaml'
import { KIND_NODE_IMAGES } from '../spec/defaults.js'
import type { ClusterSpec } from '../spec/load.js'
import type { KindProvider } from '../spec/schema.js'
import { kindNodeNames } from '../tools/kind.js'

/** One host port forwarded into a node (kind's `extraPortMappings` entry). */
export interface KindPortMapping {
  containerPort: number
  hostPort: number
  listenAddress: string
  protocol: 'TCP' | 'UDP' | 'SCTP'
}

export interface KindNode {
  role: 'control-plane' | 'worker'
  image: string
  extraPortMappings?: KindPortMapping[]
}

/** kind's cluster config, `kind.x-k8s.io/v1alpha4`, limited to the fields kindling sets. */
export interface KindConfig {
  kind: 'Cluster'
  apiVersion: 'kind.x-k8s.io/v1alpha4'
  name: string
  nodes: KindNode[]
  containerdConfigPatches?: string[]
}

/** Where containerd looks for per-registry `hosts.toml` files inside every node. */
export const CONTAINERD_CERTS_DIR = '/etc/containerd/certs.d'

// Node images from kind v0.27 on already read certs.d; the patch keeps an older nodeImage override working too.
const CONTAINERD_REGISTRY_PATCH = `[plugins."io.containerd.grpc.v1.cri".registry]
  config_path = "${CONTAINERD_CERTS_DIR}"`

/** The kind provider of a spec; renderers of kind things are only called for kind specs. */
export function kindProvider(spec: ClusterSpec): KindProvider {
  if (spec.provider.type !== 'kind') throw new Error(`cluster ${spec.name} is not a kind cluster`)
  return spec.provider
}

/** The node image: the spec's override, or the image pinned by digest for its Kubernetes version. */
export function nodeImageOf(spec: ClusterSpec): string {
  const provider = kindProvider(spec)
  const image = provider.nodeImage ?? KIND_NODE_IMAGES[provider.kubernetesVersion]
  if (!image) throw new Error(`no pinned kind node image for ${provider.kubernetesVersion}`)
  return image
}

/** The spec's port mappings, in kind's terms; all of them go on the first control-plane node. */
export function portMappingsOf(spec: ClusterSpec): KindPortMapping[] {
  return kindProvider(spec).portMappings.map((mapping) => ({
    containerPort: mapping.containerPort,
    hostPort: mapping.hostPort,
    listenAddress: mapping.listenAddress,
    protocol: mapping.protocol,
  }))
}

/** The node container names kind will create for the spec, control planes first. */
export function nodeNamesOf(spec: ClusterSpec): string[] {
  const { controlPlanes, workers } = kindProvider(spec).nodes
  return kindNodeNames(spec.name, controlPlanes, workers)
}

/** The kind config for a spec: a pure function of it. */
export function renderKindConfig(spec: ClusterSpec): KindConfig {
  const provider = kindProvider(spec)
  const image = nodeImageOf(spec)
  const ports = portMappingsOf(spec)
  const nodes: KindNode[] = []
  for (let index = 0; index < provider.nodes.controlPlanes; index += 1) {
    nodes.push({ role: 'control-plane', image, ...(index === 0 && ports.length > 0 ? { extraPortMappings: ports } : {}) })
  }
  for (let index = 0; index < provider.nodes.workers; index += 1) nodes.push({ role: 'worker', image })
  return {
    kind: 'Cluster',
    apiVersion: 'kind.x-k8s.io/v1alpha4',
    name: spec.name,
    nodes,
    ...(provider.registryCaches.enabled ? { containerdConfigPatches: [CONTAINERD_REGISTRY_PATCH] } : {}),
  }
}

/** The kind config as the YAML `kind create cluster --config -` reads. */
export function renderKindConfigYaml(spec: ClusterSpec): string {
  return stringify(renderKindConfig(spec), { lineWidth: 0 })
}
