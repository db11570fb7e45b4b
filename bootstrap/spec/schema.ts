import { z } from 'zod'
import { looksLikeToken, urlCredentials } from './credentials.js'
import { CACHEABLE_REGISTRIES, CROSSPLANE_PACKAGES, DEFAULTS, KIND_NODE_IMAGES, SPEC_API_VERSION, SPEC_KIND } from './defaults.js'

const dnsLabel = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be lowercase letters, digits and "-", starting and ending with a letter or digit')
  .max(40, 'must be at most 40 characters (it becomes container and context names)')

const port = z.int().min(1, 'must be a port between 1 and 65535').max(65535, 'must be a port between 1 and 65535')
const semver = z.string().regex(/^v?\d+\.\d+\.\d+(-[\w.]+)?$/, 'must be an exact version such as 1.2.3')
const envName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: 'must be the name of an environment variable, not its value', abort: true })
  // The message must not repeat the value: it may be a live token.
  .refine((value) => !looksLikeToken(value), 'looks like a token, not the name of an environment variable: put the token in a variable (export GITHUB_TOKEN=...) and write its name here (the value was not printed; revoke the token if this file was shared)')

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
      .regex(/^v1\.\d+\.\d+$/, 'must look like v1.37.0')
      .default(DEFAULTS.kind.kubernetesVersion),
    nodeImage: z.string().min(1).optional().describe('Override the pinned kindest/node image (name@sha256:digest).'),
    nodes: z
      .strictObject({
        controlPlanes: z.int().min(1).max(3).default(DEFAULTS.kind.controlPlanes),
        workers: z.int().min(0).max(10).default(DEFAULTS.kind.workers),
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
    kubeconfig: z.string().min(1).default(DEFAULTS.existing.kubeconfig).describe('Kubeconfig file; ~/ is your home, other relative paths start at the repository root.'),
    context: z.string().min(1).describe('The only kubeconfig context kindling will touch.'),
  })
  .describe('A cluster that already runs (k3s, Talos, kubeadm, managed), adopted through one named context.')

const auth = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('none') }).describe('A public repository.'),
  z
    .strictObject({
      type: z.literal('ssh'),
      privateKeyFile: z.string().min(1).optional().describe('An existing deploy key (~/ or relative to the repository root); one is generated when absent.'),
      knownHostsFile: z.string().min(1).optional().describe('known_hosts for the Git host (~/ or relative to the repository root); ssh-keyscan is used when absent.'),
    })
    .describe('An SSH deploy key (read-only).'),
  z
    .strictObject({
      type: z.literal('https'),
      tokenEnv: envName.describe('Environment variable that holds the token at bootstrap time.'),
      username: z.string().min(1).default(DEFAULTS.repository.httpsUsername),
    })
    .describe('An HTTPS token, read from the environment, never from this file.'),
])

const repository = z.strictObject({
  url: z
    .string()
    .regex(/^(https:\/\/|ssh:\/\/|git@|file:\/\/)\S+$/, { message: 'must be an https://, ssh://, git@host:path or file:// URL', abort: true })
    .refine(
      (value) => urlCredentials(value) === undefined,
      'must not hold credentials (user:password@ or token@): remove them, put the token in an environment variable and name it in repository.auth (type: https, tokenEnv: NAME), or use auth type ssh with a deploy key (the value was not printed; revoke the token if this file was shared)',
    ),
  branch: z.string().min(1).default(DEFAULTS.repository.branch),
  path: z
    .string()
    .regex(/^(?!\/)(?!.*\.\.)[\w./-]+$/, 'must be a relative path inside the repository')
    .optional()
    .describe('Folder the engine syncs; defaults to clusters/<name>.'),
  auth: auth.default({ type: 'none' }),
})

const crossplaneProvider = z.strictObject({
  name: dnsLabel,
  package: z
    .string()
    .regex(/^[a-z0-9.-]+\.[a-z]+\/[\w./-]+:[\w.-]+$/, 'must be a fully qualified package such as xpkg.crossplane.io/org/provider:v1.0.0'),
})

const secretName = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be a Secret name: lowercase letters, digits, "-" and "."')
  .max(253, 'must be at most 253 characters')

const cloudDefaults = DEFAULTS.components.crossplane.clouds

/** Every cloud off: the default, so existing specs stay as they were. */
const noClouds = {
  azure: { enabled: false, credentialsSecret: cloudDefaults.azure.credentialsSecret },
  gcp: { enabled: false, credentialsSecret: cloudDefaults.gcp.credentialsSecret },
  hetzner: { enabled: false, credentialsSecret: cloudDefaults.hetzner.credentialsSecret },
}

/** One cloud: off unless asked for; its credentials come from a Secret the user keeps in Git, encrypted. */
function cloud(title: string, credentials: string, defaultSecret: string) {
  return z.strictObject({
    enabled: z.boolean().default(false).describe(`Install the ${title} providers, so PostgresInstances can use target ${title.toLowerCase()}.`),
    credentialsSecret: secretName
      .default(defaultSecret)
      .describe(`Secret in crossplane-system holding ${credentials}; commit it SOPS-encrypted as clusters/<name>/*.sops.yaml.`),
  })
}

const clouds = z
  .strictObject({
    azure: cloud('Azure', 'key "creds": the service principal JSON of `az ad sp create-for-rbac --sdk-auth`', cloudDefaults.azure.credentialsSecret).default(noClouds.azure),
    gcp: cloud('GCP', 'key "creds": a service account key JSON with the Cloud SQL Admin role', cloudDefaults.gcp.credentialsSecret)
      .extend({
        projectID: z
          .string()
          .regex(/^[a-z][-a-z0-9]{4,28}[a-z0-9]$/, 'must be a Google Cloud project ID such as my-project-123')
          .optional()
          .describe('The Google Cloud project the databases are created in; required when gcp is enabled.'),
      })
      .default(noClouds.gcp),
    hetzner: cloud('Hetzner', 'key "token": a Hetzner Cloud API token with read & write access', cloudDefaults.hetzner.credentialsSecret).default(noClouds.hetzner),
  })
  .describe('Clouds Crossplane may create databases in; each is opt-in and needs its credentials Secret.')

const crossplane = z
  .strictObject({
    enabled: z.boolean().default(true),
    version: semver.default(DEFAULTS.components.crossplane.version).describe('Crossplane Helm chart version.'),
    providers: z.array(crossplaneProvider).default([]).describe('Extra Providers to install beside the ones kindling pins.'),
    postgres: z
      .strictObject({ enabled: z.boolean().default(true).describe('Offer PostgresInstance (platform.kindling.dev): a database per app, local or in an enabled cloud.') })
      .default({ enabled: true }),
    clouds: clouds.default(noClouds),
  })
  .describe('Crossplane, its providers and functions, and the PostgresInstance API.')

const crossplaneDefault: z.output<typeof crossplane> = {
  enabled: true,
  version: DEFAULTS.components.crossplane.version,
  providers: [],
  postgres: { enabled: true },
  clouds: noClouds,
}

const apps = z
  .strictObject({
    enabled: z.boolean().default(true),
    path: z
      .string()
      .regex(/^(?!\/)(?!.*\.\.)[\w./-]+$/, 'must be a folder inside the cluster folder, such as apps')
      .default('apps')
      .describe('Folder under clusters/<name>/ the engine applies after the platform; seeded once with an example app, then yours.'),
  })
  .describe('Your own apps, applied after every platform component is healthy.')

const components = z.strictObject({
  crossplane: crossplane.default(crossplaneDefault),
  apps: apps.default({ enabled: true, path: 'apps' }),
  monitoring: z
    .strictObject({
      enabled: z.boolean().default(true),
      version: semver.default(DEFAULTS.components.monitoring.version).describe('kube-prometheus-stack chart version.'),
      grafana: z
        .strictObject({
          enabled: z.boolean().default(true),
          adminPasswordEnv: envName.optional().describe('Environment variable with the Grafana admin password; generated when absent.'),
        })
        .default({ enabled: true }),
      controlPlaneTargets: z
        .boolean()
        .optional()
        .describe(
          'Scrape kube-controller-manager, kube-scheduler, etcd and kube-proxy. Default: on for an existing cluster, off on kind (its kubeadm binds them to 127.0.0.1 inside the node). Set false on managed clusters (AKS, EKS, GKE): their control plane is not reachable from the cluster.',
        ),
    })
    .default({ enabled: true, version: DEFAULTS.components.monitoring.version, grafana: { enabled: true } }),
})

const secrets = z.strictObject({
  sops: z
    .strictObject({
      enabled: z.boolean().default(true),
      ageKeyFile: z.string().min(1).optional().describe('Defaults to ~/.config/kindling/age/<name>.agekey; back it up.'),
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
      repository,
      components: components.default({
        crossplane: crossplaneDefault,
        apps: { enabled: true, path: 'apps' },
        monitoring: { enabled: true, version: DEFAULTS.components.monitoring.version, grafana: { enabled: true } },
      }),
      secrets: secrets.default({ sops: { enabled: true } }),
    }),
  })
  .superRefine((doc, ctx) => {
    const { provider, repository: repo } = doc.spec
    if (provider.type === 'kind' && !provider.nodeImage && !KIND_NODE_IMAGES[provider.kubernetesVersion]) {
      ctx.addIssue({
        code: 'custom',
        path: ['spec', 'provider', 'kubernetesVersion'],
        message: `no pinned kind node image for ${provider.kubernetesVersion}; use one of ${Object.keys(KIND_NODE_IMAGES).join(', ')} or set nodeImage`,
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
    }
    const isSshUrl = /^(ssh:\/\/|git@)/.test(repo.url)
    if (repo.auth.type === 'ssh' && !isSshUrl) {
      ctx.addIssue({ code: 'custom', path: ['spec', 'repository', 'url'], message: 'auth type ssh needs an ssh:// or git@host:path URL' })
    }
    if (repo.auth.type === 'https' && !repo.url.startsWith('https://')) {
      ctx.addIssue({ code: 'custom', path: ['spec', 'repository', 'url'], message: 'auth type https needs an https:// URL' })
    }
    if (repo.auth.type === 'none' && isSshUrl) {
      ctx.addIssue({ code: 'custom', path: ['spec', 'repository', 'auth'], message: 'an SSH URL needs auth type ssh (a deploy key)' })
    }
    if (provider.type === 'kind' && doc.spec.components.monitoring.controlPlaneTargets) {
      ctx.addIssue({
        code: 'custom',
        path: ['spec', 'components', 'monitoring', 'controlPlaneTargets'],
        message: 'kind binds kube-controller-manager, kube-scheduler, etcd metrics and kube-proxy to 127.0.0.1 inside the node, so Prometheus cannot scrape them; leave it unset or false on kind',
      })
    }
    checkCrossplane(doc.spec.components.crossplane, (path, message) => ctx.addIssue({ code: 'custom', path: ['spec', 'components', 'crossplane', ...path], message }))
  })

/** Names kindling gives its own packages, which extra providers must not take. */
const PINNED_PACKAGE_NAMES: readonly string[] = Object.values(CROSSPLANE_PACKAGES).map((pinned) => pinned.name)

function checkCrossplane(spec: z.output<typeof crossplane>, report: (path: (string | number)[], message: string) => void): void {
  const { clouds: enabled } = spec
  if (enabled.gcp.enabled && !enabled.gcp.projectID) {
    report(['clouds', 'gcp', 'projectID'], 'is required when gcp is enabled: set it to the project the databases go in (`gcloud config get-value project` prints yours)')
  }
  if (!spec.enabled) {
    for (const name of ['azure', 'gcp', 'hetzner'] as const) {
      if (enabled[name].enabled) report(['clouds', name, 'enabled'], `needs Crossplane: set components.crossplane.enabled to true, or turn ${name} off`)
    }
  }
  spec.providers.forEach((provider, index) => {
    if (PINNED_PACKAGE_NAMES.includes(provider.name)) {
      report(['providers', index, 'name'], `${provider.name} is installed by kindling already; give this provider another name`)
    }
  })
}

/** The spec as written by a user (defaults not yet filled in). */
export type ClusterSpecInput = z.input<typeof clusterSpecSchema>
/** The spec after validation and defaults. */
export type ClusterSpecDocument = z.output<typeof clusterSpecSchema>
export type KindProvider = Extract<ClusterSpecDocument['spec']['provider'], { type: 'kind' }>
export type ExistingProvider = Extract<ClusterSpecDocument['spec']['provider'], { type: 'existing' }>
export type RepoAuth = ClusterSpecDocument['spec']['repository']['auth']
export type GitopsSpec = ClusterSpecDocument['spec']['gitops']

/** The JSON Schema editors use for completion and checks; generated, never edited by hand. */
export function generateJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(clusterSpecSchema, { io: 'input', target: 'draft-7', unrepresentable: 'any' }),
    $id: 'https://kindling.dev/schemas/cluster.schema.json',
    title: 'kindling cluster spec',
  }
}
