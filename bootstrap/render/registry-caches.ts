import type { KubeObject } from '../kube/client.js'
import { REGISTRY_IMAGE, type CacheableRegistry } from '../spec/defaults.js'
import type { ClusterSpec } from '../spec/load.js'
import type { ContainerRunOptions } from '../tools/docker.js'
import { CONTAINERD_CERTS_DIR, kindProvider } from './kind-config.js'
import { MANAGED_BY } from './labels.js'

/** Labels on every container kindling starts, so it can find (and only remove) its own. */
export const KINDLING_CLUSTER_LABEL = 'dev.kindling.cluster'
const KINDLING_REGISTRY_LABEL = 'dev.kindling.registry'

/** The port the registry listens on inside its container. */
export const REGISTRY_PORT = 5000

/** Where each cacheable registry really lives (Docker Hub's API host is not docker.io). */
const UPSTREAMS: Readonly<Record<CacheableRegistry, string>> = {
  'docker.io': 'https://registry-1.docker.io',
  'ghcr.io': 'https://ghcr.io',
  'quay.io': 'https://quay.io',
  'registry.k8s.io': 'https://registry.k8s.io',
}

/** One registry container: a pull-through cache of an upstream, or the local push registry. */
export interface RegistryContainer {
  /** Container name, also its DNS name on the kind network. */
  name: string
  /** The registry host the nodes pull as: `docker.io`, or `localhost:5001` for the local registry. */
  host: string
  /** Named volume holding the stored images; it outlives the container and the cluster. */
  volume: string
  /** The upstream a cache proxies; undefined for the local registry. */
  upstream?: string
  /** Host port the local registry is published on (127.0.0.1 only). */
  hostPort?: number
}

/** `docker.io` → `docker-io`: a DNS-safe form for container names. */
function slug(registry: string): string {
  return registry.replaceAll('.', '-')
}

/** The registry containers a spec needs: one cache per mirrored registry, then the local registry. */
export function registryContainers(spec: ClusterSpec): RegistryContainer[] {
  const caches = kindProvider(spec).registryCaches
  if (!caches.enabled) return []
  const prefix = `kindling-${spec.name}`
  const list: RegistryContainer[] = caches.mirrors.map((registry) => ({
    name: `${prefix}-cache-${slug(registry)}`,
    host: registry,
    volume: `${prefix}-cache-${slug(registry)}`,
    upstream: UPSTREAMS[registry],
  }))
  if (caches.localRegistry.enabled) {
    list.push({
      name: `${prefix}-registry`,
      host: `localhost:${caches.localRegistry.hostPort}`,
      volume: `${prefix}-registry`,
      hostPort: caches.localRegistry.hostPort,
    })
  }
  return list
}

/** How to start a registry container: labelled, with its data on a named volume, restarted with Docker. */
export function registryRunOptions(spec: ClusterSpec, registry: RegistryContainer): ContainerRunOptions {
  return {
    name: registry.name,
    image: REGISTRY_IMAGE,
    labels: { [KINDLING_CLUSTER_LABEL]: spec.name, [KINDLING_REGISTRY_LABEL]: registry.host },
    volumes: [`${registry.volume}:/var/lib/registry`],
    env: registry.upstream ? { REGISTRY_PROXY_REMOTEURL: registry.upstream } : {},
    publish: registry.hostPort === undefined ? [] : [`127.0.0.1:${registry.hostPort}:${REGISTRY_PORT}`],
  }
}

/** Where a registry's containerd host config goes inside a node. */
export function hostsTomlPath(registry: RegistryContainer): string {
  return `${CONTAINERD_CERTS_DIR}/${registry.host}/hosts.toml`
}

/**
 * containerd's `hosts.toml` for one registry: pull through the container on the kind network first;
 * for a cache, fall back to the upstream (`server`) when the cache is down.
 */
export function renderHostsToml(registry: RegistryContainer): string {
  const mirror = `[host."http://${registry.name}:${REGISTRY_PORT}"]\n  capabilities = ["pull", "resolve"${registry.upstream ? '' : ', "push"'}]\n`
  return registry.upstream ? `server = "${registry.upstream}"\n\n${mirror}` : mirror
}

/**
 * KEP-1755's ConfigMap telling tools where to push images; undefined without a local registry. Nodes
 * pull `localhost:<port>` too: their hosts.toml sends it to the registry container.
 */
export function renderLocalRegistryHosting(spec: ClusterSpec): KubeObject | undefined {
  const local = registryContainers(spec).find((registry) => registry.upstream === undefined)
  if (!local) return undefined
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'local-registry-hosting', namespace: 'kube-public', labels: { ...MANAGED_BY } },
    data: {
      'localRegistryHosting.v1': `host: "${local.host}"\nhostFromContainerRuntime: "${local.host}"\nhostFromClusterNetwork: "${local.name}:${REGISTRY_PORT}"\nhelp: "https://kind.sigs.k8s.io/docs/user/local-registry/"\n`,
    },
  }
}
