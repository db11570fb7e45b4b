import { describe, expect, it } from 'vitest'
import {
  hostsTomlPath,
  registryContainers,
  registryRunOptions,
  renderHostsToml,
  renderLocalRegistryHosting,
} from '../../../bootstrap/render/registry-caches.js'
import { REGISTRY_IMAGE } from '../../../bootstrap/spec/defaults.js'
import { kindSpec } from '../steps/provider/support.js'

describe('registry cache renderer', () => {
  it('plans one cache per mirrored registry and a local registry, each with a volume that outlives it', () => {
    const registries = registryContainers(kindSpec())
    expect(registries.map((registry) => [registry.name, registry.host, registry.volume, registry.upstream])).toEqual([
      ['kindling-lab-cache-docker-io', 'docker.io', 'kindling-lab-cache-docker-io', 'https://registry-1.docker.io'],
      ['kindling-lab-cache-ghcr-io', 'ghcr.io', 'kindling-lab-cache-ghcr-io', 'https://ghcr.io'],
      ['kindling-lab-cache-quay-io', 'quay.io', 'kindling-lab-cache-quay-io', 'https://quay.io'],
      ['kindling-lab-cache-registry-k8s-io', 'registry.k8s.io', 'kindling-lab-cache-registry-k8s-io', 'https://registry.k8s.io'],
      ['kindling-lab-registry', 'localhost:5001', 'kindling-lab-registry', undefined],
    ])
  })

  it('honours the opt-out and a subset of mirrors', () => {
    expect(registryContainers(kindSpec('registryCaches: {enabled: false}'))).toEqual([])
    const some = registryContainers(kindSpec('registryCaches: {mirrors: [ghcr.io], localRegistry: {enabled: false}}'))
    expect(some.map((registry) => registry.host)).toEqual(['ghcr.io'])
    expect(renderLocalRegistryHosting(kindSpec('registryCaches: {localRegistry: {enabled: false}}'))).toBeUndefined()
  })

  it('publishes only the local registry, on 127.0.0.1, and labels every container with its cluster', () => {
    const spec = kindSpec('registryCaches: {localRegistry: {hostPort: 5050}}')
    const [cache, , , , local] = registryContainers(spec).map((registry) => registryRunOptions(spec, registry))
    expect(cache).toMatchObject({
      image: REGISTRY_IMAGE,
      publish: [],
      env: { REGISTRY_PROXY_REMOTEURL: 'https://registry-1.docker.io' },
      labels: { 'dev.kindling.cluster': 'lab' },
    })
    expect(local).toMatchObject({ publish: ['127.0.0.1:5050:5000'], env: {}, volumes: ['kindling-lab-registry:/var/lib/registry'] })
  })

  it('renders containerd hosts.toml files as in the golden files', async () => {
    const registries = registryContainers(kindSpec())
    expect(registries.map(hostsTomlPath)).toContain('/etc/containerd/certs.d/localhost:5001/hosts.toml')
    await expect(registries.map((registry) => `# ${hostsTomlPath(registry)}\n${renderHostsToml(registry)}`).join('\n')).toMatchFileSnapshot(
      '__golden__/kind/hosts.toml',
    )
  })

  it('documents the local registry in kube-public/local-registry-hosting', async () => {
    const configMap = renderLocalRegistryHosting(kindSpec())!
    expect(configMap.metadata).toMatchObject({ name: 'local-registry-hosting', namespace: 'kube-public' })
    expect((configMap.data as Record<string, string>)['localRegistryHosting.v1']).toContain('host: "localhost:5001"')
  })
})
