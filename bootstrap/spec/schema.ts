import { z } from 'zod'
import { checkCrossplane, components } from './components-schema.js'
import { engineVersionProblem } from './engine-versions.js'
import { CACHEABLE_REGISTRIES, DEFAULTS, KIND_NODE_IMAGES, SPEC_API_VERSION, SPEC_KIND } from './defaults.js'
import {
  branchName,
  dnsLabel,
  envName,
  filePath,
  httpsUsername,
  imageReference,
  isRelativeFolder,
  isSshUrl,
  port,
  repositoryUrl,
  semver,
  workerCount,
} from './fields.js'

const KUBERNETES_VERSION = /^v1\.\d+\.\d+$/
const PINNED_KUBERNETES = Object.keys(KIND_NODE_IMAGES).join(', ')

const portMapping = z
  .strictObject({
    containerPort: port.describe('Port inside the kind node container (a NodePort or hostPort).'),
    hostPort: port.describe('Port on this machine.'),
    listenAddress: z.ipv4().default(DEFAULTS.kind.listenAddress).describe('Host address to bind; 127.0.0.1 keeps it off the network.'),
    protocol: z.enum(['TCP', 'UDP', 'SCTP']).default('TCP'),
  })
  .describe('A host port forwarded into the cluster. Fixed when the cluster is created.')

const registryCaches = z
  .strictObject({
    enabled: z.boolean().default(true),
    mirrors: z
      .array(z.enum(CACHEABLE_REGISTRIES))
      .default([...CACHEABLE_REGISTRIES])
      .describe('Registries to pull through a cache that outlives the cluster.'),
    localRegistry: z
      .strictObject({
        enabled: z.boolean().default(true),
        hostPort: port.default(DEFAULTS.kind.localRegistryPort),
      })
      .default({ enabled: true, hostPort: DEFAULTS.kind.localRegistryPort })
      .describe('A registry to push your own images to, reachable as localhost:<hostPort>.'),
  })
  .describe('Pull-through caches on the kind network, so a rebuilt cluster pulls nothing twice.')

const kindProvider = z
  .strictObject({
    type: z.literal('kind'),
    kubernetesVersion: z
      .string()
      .regex(KUBERNETES_VERSION, `must be a Kubernetes version in full, with its v: one of ${PINNED_KUBERNETES}, or another with nodeImage set`)
      .default(DEFAULTS.kind.kubernetesVersion),
    nodeImage: imageReference.optional().describe('Override the pinned kindest/node image (name@sha256:digest).'),
    nodes: z
      .strictObject({
        controlPlanes: z.int().min(1).max(3).default(DEFAULTS.kind.controlPlanes),
        workers: workerCount.default(DEFAULTS.kind.workers),
      })
      .default({ controlPlanes: DEFAULTS.kind.controlPlanes, workers: DEFAULTS.kind.workers }),
    portMappings: z.array(portMapping).default([]),
    registryCaches: registryCaches.default({
      enabled: true,
      mirrors: [...CACHEABLE_REGISTRIES],
      localRegistry: { enabled: true, hostPort: DEFAULTS.kind.localRegistryPort },
    }),
  })
  .describe('A local KinD cluster in Docker.')

const existingProvider = z
  .strictObject({
    type: z.literal('existing'),
    // No default here: unset, it is the first file in $KUBECONFIG, which only the machine running kindling knows.
    kubeconfig: filePath
      .optional()
      .describe(
        'Kubeconfig file; ~/ is your home, other relative paths start at the repository root. Unset: the first file in $KUBECONFIG, else ~/.kube/config.',
      ),
    context: z.string().min(1).describe('The only kubeconfig context kindling will touch.'),
  })
  .describe('A cluster that already runs (k3s, Talos, kubeadm, managed), adopted through one named context.')

const auth = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('none') }).describe('A public repository.'),
  z
    .strictObject({
      type: z.literal('ssh'),
      privateKeyFile: filePath.optional().describe('An existing deploy key (~/ or relative to the repository root); one is generated when absent.'),
      knownHostsFile: filePath.optional().describe('known_hosts for the Git host (~/ or relative to the repository root); ssh-keyscan is used when absent.'),
    })
    .describe('An SSH deploy key (read-only).'),
  z
    .strictObject({
      type: z.literal('https'),
      tokenEnv: envName.describe('Environment variable that holds the token at bootstrap time.'),
      username: httpsUsername
        .default(DEFAULTS.repository.httpsUsername)
        .describe('The user name the token is sent with (git, x-access-token, your login); never the token.'),
    })
    .describe('An HTTPS token, read from the environment, never from this file.'),
])

const repository = z.strictObject({
  url: repositoryUrl
    .optional()
    .describe(
      'Your remote (a fork of this repository). Leave it out and bootstrap runs a Git server inside the cluster and pushes this checkout to it; set it later and the same command moves the cluster to it.',
    ),
  branch: branchName.default(DEFAULTS.repository.branch),
  // Everything kindling renders goes under it: "." or ".git/x" would write into the repository's root or its Git data.
  path: z
    .string()
    .regex(/^[\w./-]+$/, { message: 'must be a folder inside the repository, such as clusters/<name>: letters, digits, ".", "_", "-" and "/"', abort: true })
    .refine(isRelativeFolder, {
      message: 'must be a folder inside the repository, such as clusters/<name>: a relative path with no "." or ".." part, "//" or "/" at either end',
      abort: true,
    })
    .refine(
      (value) => !value.split('/').some((part) => part.toLowerCase() === '.git'),
      'must not be inside .git, where Git keeps its own data: use a folder such as clusters/<name>',
    )
    .optional()
    .describe('Folder the engine syncs; defaults to clusters/<name>.'),
  auth: auth.default({ type: 'none' }),
})

const secrets = z.strictObject({
  sops: z
    .strictObject({
      enabled: z.boolean().default(true),
      ageKeyFile: filePath.optional().describe('Defaults to ~/.config/kindling/age/<name>.agekey; back it up.'),
    })
    .default({ enabled: true }),
})

const gitops = z.discriminatedUnion('engine', [
  z.strictObject({
    engine: z.literal('flux'),
    version: semver.default(DEFAULTS.gitops.flux.version).describe('Flux distribution version.'),
    operatorVersion: semver.default(DEFAULTS.gitops.flux.operatorVersion).describe('Flux Operator chart version.'),
  }),
  z.strictObject({
    engine: z.literal('argocd'),
    version: semver.default(DEFAULTS.gitops.argocd.version).describe('argo-cd Helm chart version.'),
  }),
])

/** The cluster spec, `clusters/<name>/cluster.yaml`. */
export const clusterSpecSchema = z
  .strictObject({
    apiVersion: z.literal(SPEC_API_VERSION),
    kind: z.literal(SPEC_KIND),
    metadata: z.strictObject({ name: dnsLabel }),
    spec: z.strictObject({
      provider: z.discriminatedUnion('type', [kindProvider, existingProvider]),
      gitops,
      // Every field has a default: with none written, the engine reads the in-cluster Git server.
      repository: repository.default(() => repository.parse({})),
      // Each component's defaults are its own schema's: a spec that leaves components out reads as `components: {}`.
      components: components.default(() => components.parse({})),
      secrets: secrets.default({ sops: { enabled: true } }),
    }),
  })
  .superRefine((doc, ctx) => {
    const { provider, repository: repo } = doc.spec
    // A version not even written like one has its own problem above; one line each is enough.
    if (
      provider.type === 'kind' &&
      !provider.nodeImage &&
      KUBERNETES_VERSION.test(provider.kubernetesVersion) &&
      !KIND_NODE_IMAGES[provider.kubernetesVersion]
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['spec', 'provider', 'kubernetesVersion'],
        message: `no pinned kind node image for ${provider.kubernetesVersion}; use one of ${PINNED_KUBERNETES} or set nodeImage`,
      })
    }
    if (provider.type === 'kind') {
      const seen = new Map<number, number>()
      provider.portMappings.forEach((mapping, index) => {
        const previous = seen.get(mapping.hostPort)
        if (previous !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['spec', 'provider', 'portMappings', index, 'hostPort'],
            message: `host port ${mapping.hostPort} is already used by portMappings[${previous}]`,
          })
        }
        seen.set(mapping.hostPort, index)
      })
      // The local registry publishes its host port too: the same port twice cannot both bind.
      const registry = provider.registryCaches.localRegistry
      const clash = provider.portMappings.findIndex((mapping) => mapping.hostPort === registry.hostPort)
      if (provider.registryCaches.enabled && registry.enabled && clash >= 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['spec', 'provider', 'portMappings', clash, 'hostPort'],
          message: `host port ${registry.hostPort} is the local registry's (registryCaches.localRegistry.hostPort): give one of them another port`,
        })
      }
    }
    if (repo.url === undefined && repo.auth.type !== 'none') {
      ctx.addIssue({
        code: 'custom',
        path: ['spec', 'repository', 'auth'],
        message: 'auth belongs to repository.url: without a url the engine reads the in-cluster Git server, which needs no credentials; set url or remove auth',
      })
    }
    const url = repo.url ?? ''
    const sshUrl = isSshUrl(url)
    if (repo.auth.type === 'ssh' && repo.url !== undefined && !sshUrl) {
      ctx.addIssue({ code: 'custom', path: ['spec', 'repository', 'url'], message: 'auth type ssh needs an ssh:// or git@host:path URL' })
    }
    if (repo.auth.type === 'https' && repo.url !== undefined && !url.startsWith('https://')) {
      ctx.addIssue({ code: 'custom', path: ['spec', 'repository', 'url'], message: 'auth type https needs an https:// URL' })
    }
    if (repo.auth.type === 'none' && sshUrl) {
      ctx.addIssue({ code: 'custom', path: ['spec', 'repository', 'auth'], message: 'an SSH URL needs auth type ssh (a deploy key)' })
    }
    if (provider.type === 'kind' && doc.spec.components.monitoring.controlPlaneTargets) {
      ctx.addIssue({
        code: 'custom',
        path: ['spec', 'components', 'monitoring', 'controlPlaneTargets'],
        message:
          'kind binds kube-controller-manager, kube-scheduler, etcd metrics and kube-proxy to 127.0.0.1 inside the node, so Prometheus cannot scrape them; leave it unset or false on kind',
      })
    }
    checkCrossplane(doc.spec.components.crossplane, (path, message) =>
      ctx.addIssue({ code: 'custom', path: ['spec', 'components', 'crossplane', ...path], message }),
    )
    const versionProblem = engineVersionProblem(doc.spec.gitops.engine, doc.spec.gitops.version)
    if (versionProblem) ctx.addIssue({ code: 'custom', path: ['spec', 'gitops', 'version'], message: versionProblem })
  })

/** The spec after validation and defaults. */
export type ClusterSpecDocument = z.output<typeof clusterSpecSchema>
export type KindProvider = Extract<ClusterSpecDocument['spec']['provider'], { type: 'kind' }>

/** The JSON Schema editors use for completion and checks; generated, never edited by hand. */
export function generateJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(clusterSpecSchema, { io: 'input', target: 'draft-7', unrepresentable: 'any' }),
    $id: 'https://kindling.dev/schemas/cluster.schema.json',
    title: 'kindling cluster spec',
  }
}
