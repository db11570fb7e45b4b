import type { StepContext } from '../../engine/step.js'
import { nodeImageOf, portMappingsOf, kindProvider } from '../../render/kind-config.js'
import { hostsTomlPath, registryContainers, renderHostsToml, renderLocalRegistryHosting, type RegistryContainer } from '../../render/registry-caches.js'
import type { ClusterSpec } from '../../spec/load.js'
import { findContainers, formatPublishedPort, inspectContainers, readFileInContainerCommand, type ContainerInfo } from '../../tools/docker.js'
import { KIND_CLUSTER_LABEL, KIND_NETWORK, KIND_ROLE_LABEL, listKindClusters } from '../../tools/kind.js'

/** The API server port kind publishes on its own; not one of the spec's mappings. */
const API_SERVER_PORT = 6443

/** A kind cluster as Docker shows it. */
export interface KindClusterState {
  exists: boolean
  /** Node containers (control planes and workers; not kind's load balancer). */
  nodes: ContainerInfo[]
}

/** Ask kind and Docker what exists of the spec's cluster. */
export async function readKindCluster(ctx: StepContext): Promise<KindClusterState> {
  const clusters = await listKindClusters(ctx.runner, ctx.signal)
  if (!clusters.includes(ctx.spec.name)) return { exists: false, nodes: [] }
  const containers = await findContainers(ctx.runner, { [KIND_CLUSTER_LABEL]: ctx.spec.name }, ctx.signal)
  const nodes = containers
    .filter((container) => ['control-plane', 'worker'].includes(container.labels[KIND_ROLE_LABEL] ?? ''))
    .sort((a, b) => a.name.localeCompare(b.name))
  return { exists: true, nodes }
}

/**
 * How a live cluster differs from the spec in what kind fixes at creation: node roles and count,
 * node image, host port mappings. Read from the node containers (`docker inspect`), so it holds
 * for clusters created by hand too, and nothing has to be stored beside the cluster.
 */
export function compareKindCluster(spec: ClusterSpec, nodes: readonly ContainerInfo[]): string[] {
  const provider = kindProvider(spec)
  const differences: string[] = []
  const count = (role: string): number => nodes.filter((node) => node.labels[KIND_ROLE_LABEL] === role).length
  const live = { controlPlanes: count('control-plane'), workers: count('worker') }
  if (live.controlPlanes !== provider.nodes.controlPlanes || live.workers !== provider.nodes.workers) {
    differences.push(
      `nodes: ${live.controlPlanes} control plane(s) and ${live.workers} worker(s) run; the spec wants ${provider.nodes.controlPlanes} and ${provider.nodes.workers}`,
    )
  }
  const image = nodeImageOf(spec)
  const images = [...new Set(nodes.map((node) => node.image))].filter((value) => value !== image)
  if (images.length > 0) differences.push(`node image: ${images.join(', ')} runs; the spec wants ${image}`)
  const wanted = portMappingsOf(spec)
    .map((mapping) =>
      formatPublishedPort({
        hostIp: mapping.listenAddress,
        hostPort: mapping.hostPort,
        containerPort: mapping.containerPort,
        protocol: mapping.protocol.toLowerCase(),
      }),
    )
    .sort()
  const published = nodes
    .flatMap((node) => node.ports)
    .filter((port) => !(port.containerPort === API_SERVER_PORT && port.protocol === 'tcp'))
    .map(formatPublishedPort)
    .sort()
  if (wanted.join(',') !== published.join(',')) {
    differences.push(`port mappings: ${published.join(', ') || 'none'} published; the spec wants ${wanted.join(', ') || 'none'}`)
  }
  return differences
}

/** What is missing between the registry containers and the cluster's nodes. */
export interface MirrorWiring {
  /** Registry containers not yet on the kind network. */
  connect: RegistryContainer[]
  /** hosts.toml files to (re)write: node × registry. */
  hostsFiles: { node: string; registry: RegistryContainer }[]
  /** The local-registry-hosting ConfigMap needs applying. */
  configMap: boolean
}

export function wiringSummary(wiring: MirrorWiring): string[] {
  const lines: string[] = []
  if (wiring.connect.length) lines.push(`${wiring.connect.map((registry) => registry.name).join(', ')} not on the ${KIND_NETWORK} network`)
  if (wiring.hostsFiles.length) lines.push(`${wiring.hostsFiles.length} containerd mirror file(s) missing or outdated`)
  if (wiring.configMap) lines.push('ConfigMap kube-public/local-registry-hosting missing or outdated')
  return lines
}

/** What wiring the registries did, in the past tense: the same pieces `wiringSummary` names as missing. */
export function wiringDone(wiring: MirrorWiring): string[] {
  const lines: string[] = []
  if (wiring.connect.length) lines.push(`attached ${wiring.connect.map((registry) => registry.name).join(', ')} to the ${KIND_NETWORK} network`)
  if (wiring.hostsFiles.length) lines.push(`wrote ${wiring.hostsFiles.length} containerd mirror file(s)`)
  if (wiring.configMap) lines.push('applied ConfigMap kube-public/local-registry-hosting')
  return lines
}

/** Registry containers that are not attached to the kind network (all of them when Docker cannot say). */
export async function registriesToConnect(ctx: StepContext): Promise<RegistryContainer[]> {
  const registries = registryContainers(ctx.spec)
  if (registries.length === 0) return []
  const live = await inspectContainers(
    ctx.runner,
    registries.map((registry) => registry.name),
    ctx.signal,
  )
  return registries.filter((registry) => !live.find((container) => container.name === registry.name)?.networks.includes(KIND_NETWORK))
}

/** Compare the registry wiring of a running cluster with the spec. */
export async function readMirrorWiring(ctx: StepContext, nodes: readonly string[]): Promise<MirrorWiring> {
  const registries = registryContainers(ctx.spec)
  if (registries.length === 0) return { connect: [], hostsFiles: [], configMap: false }
  const connect = await registriesToConnect(ctx)
  const hostsFiles: MirrorWiring['hostsFiles'] = []
  for (const node of nodes) {
    for (const registry of registries) {
      const result = await ctx.runner.run(readFileInContainerCommand(node, hostsTomlPath(registry)), { signal: ctx.signal })
      if (result.exitCode !== 0 || result.stdout.trim() !== renderHostsToml(registry).trim()) hostsFiles.push({ node, registry })
    }
  }
  const configMap = renderLocalRegistryHosting(ctx.spec)
  let configMapTodo = false
  if (configMap) {
    const [entry] = await (await ctx.kube()).planApply([configMap])
    configMapTodo = entry?.state !== 'up to date'
  }
  return { connect, hostsFiles, configMap: configMapTodo }
}
