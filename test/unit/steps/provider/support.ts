import type { ClusterSpec } from '../../../../bootstrap/spec/load.js'
import { DEFAULTS, KIND_NODE_IMAGES } from '../../../../bootstrap/spec/defaults.js'
import type { Reply } from '../../../../bootstrap/tools/recording-runner.js'
import { specText, testSpec } from '../../support/context.js'

/** A kind spec named `lab` with the given provider lines (under `type: kind`). */
export function kindSpec(provider = '', name = 'lab'): ClusterSpec {
  return testSpec(specText({ name, provider: `type: kind${provider ? `\n${provider}` : ''}` }), name)
}

/** What `docker inspect` prints for one container, reduced to the fields kindling reads. */
export interface FakeContainer {
  name: string
  image: string
  running?: boolean
  labels?: Record<string, string>
  networks?: string[]
  env?: string[]
  /** `"127.0.0.1:8080->30080/tcp"` */
  ports?: string[]
}

export function inspectJson(containers: readonly FakeContainer[]): string {
  return JSON.stringify(
    containers.map((container) => {
      const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {}
      for (const port of container.ports ?? []) {
        const [, hostIp, hostPort, containerPort, protocol] = /^(.*):(\d+)->(\d+)\/(\w+)$/.exec(port)!
        ;(bindings[`${containerPort}/${protocol}`] ??= []).push({ HostIp: hostIp!, HostPort: hostPort! })
      }
      return {
        Name: `/${container.name}`,
        Config: { Image: container.image, Labels: container.labels ?? {}, Env: container.env ?? [] },
        State: { Running: container.running ?? true },
        HostConfig: { PortBindings: bindings },
        NetworkSettings: { Networks: Object.fromEntries((container.networks ?? ['bridge']).map((network) => [network, {}])) },
      }
    }),
  )
}

/** The node image kindling pins for the default Kubernetes version. */
const DEFAULT_NODE_IMAGE = KIND_NODE_IMAGES[DEFAULTS.kind.kubernetesVersion]!

/** A kind node container of cluster `cluster`. */
export function kindNode(name: string, role: 'control-plane' | 'worker', extra: Partial<FakeContainer> = {}, cluster = 'lab'): FakeContainer {
  return {
    name,
    image: DEFAULT_NODE_IMAGE,
    labels: { 'io.x-k8s.kind.cluster': cluster, 'io.x-k8s.kind.role': role },
    networks: ['kind'],
    ports: role === 'control-plane' ? ['127.0.0.1:41234->6443/tcp'] : [],
    ...extra,
  }
}

/** Replies that make `kind get clusters` and `docker ps`/`docker inspect` show these nodes. */
export function clusterReplies(nodes: readonly FakeContainer[], cluster = 'lab'): Reply[] {
  return [
    { match: 'kind get clusters', stdout: nodes.length ? `${cluster}\n` : '', stderr: nodes.length ? '' : 'No kind clusters found.' },
    { match: `docker ps --all --filter label=io.x-k8s.kind.cluster=${cluster}`, stdout: nodes.map((node) => node.name).join('\n') },
    { match: new RegExp(`^docker inspect --type container ${nodes.length ? nodes[0]!.name.replace(/[.]/g, '\\.') : 'NONE'}`), stdout: inspectJson(nodes) },
  ]
}

/** Replies of `docker inspect` for registry containers that do not exist. */
export const noSuchContainer: Reply = { match: /^docker inspect --type container/, exitCode: 1, stdout: '[]', stderr: 'Error: No such container: x' }

/** Every tool answers with the version devbox.json pins, and the Docker daemon is up. */
export const toolsPresent: Reply[] = [
  { match: 'docker version', stdout: '28.2.2' },
  { match: 'docker info', stdout: '28.2.2' },
  { match: 'kind version', stdout: 'kind v0.33.0 go1.26.0 linux/amd64' },
  { match: 'helm version', stdout: 'v3.20.2+g3d8990f' },
  { match: 'git --version', stdout: 'git version 2.47.0' },
  { match: 'age-keygen --version', stdout: 'v1.3.2' },
  // The repository the spec names: readable, branch main at a commit.
  { match: /ls-remote/, stdout: `${'a'.repeat(40)}\trefs/heads/main` },
]
