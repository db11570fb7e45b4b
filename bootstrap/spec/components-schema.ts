import { z } from 'zod'
import { RESERVED_NAMES } from './cluster-folder.js'
import { CROSSPLANE_PACKAGES, DEFAULTS } from './defaults.js'
import { dnsLabel, envName, gcpProjectId, isRelativeFolder, semver } from './fields.js'

const crossplaneProvider = z.strictObject({
  name: dnsLabel,
  package: z.string().regex(/^[a-z0-9.-]+\.[a-z]+\/[\w./-]+:[\w.-]+$/, 'must be a fully qualified package such as xpkg.crossplane.io/org/provider:v1.0.0'),
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
    azure: cloud('Azure', 'key "creds": the service principal JSON of `az ad sp create-for-rbac --sdk-auth`', cloudDefaults.azure.credentialsSecret).default(
      noClouds.azure,
    ),
    gcp: cloud('GCP', 'key "creds": a service account key JSON with the Cloud SQL Admin role', cloudDefaults.gcp.credentialsSecret)
      .extend({
        projectID: gcpProjectId.optional().describe('The Google Cloud project the databases are created in; required when gcp is enabled.'),
      })
      .default(noClouds.gcp),
    hetzner: cloud('Hetzner', 'key "token": a Hetzner Cloud API token with read & write access', cloudDefaults.hetzner.credentialsSecret).default(
      noClouds.hetzner,
    ),
  })
  .describe('Clouds Crossplane may create databases in; each is opt-in and needs its credentials Secret.')

const crossplane = z
  .strictObject({
    enabled: z.boolean().default(true),
    version: semver.default(DEFAULTS.components.crossplane.version).describe('Crossplane Helm chart version.'),
    providers: z.array(crossplaneProvider).default([]).describe('Extra Providers to install beside the ones kindling pins.'),
    postgres: z
      .strictObject({
        enabled: z.boolean().default(true).describe('Offer PostgresInstance (platform.kindling.dev): a database per app, local or in an enabled cloud.'),
      })
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

/**
 * The apps folder, under clusters/<name>/: inside it, and none of the names kindling renders
 * there (seeding an example app into flux-system/ or components/ would mix it with kindling's
 * files, and the leftover check would offer to delete it). Compared in lowercase, as macOS does.
 */
const appsPath = z
  .string()
  .regex(/^[\w./-]+$/, { message: 'must be a folder inside the cluster folder, such as apps: letters, digits, ".", "_", "-" and "/"', abort: true })
  .refine(isRelativeFolder, {
    message: 'must be a folder inside the cluster folder, such as apps or apps/team-a: a relative path with no "." or ".." part, "//" or "/" at either end',
    abort: true,
  })
  .refine(
    (value) => !RESERVED_NAMES.includes(value.split('/')[0]!.toLowerCase()),
    `must not be one of the names kindling keeps in the cluster folder (${RESERVED_NAMES.join(', ')}): choose another folder, such as apps`,
  )

const apps = z
  .strictObject({
    enabled: z.boolean().default(true),
    path: appsPath
      .default('apps')
      .describe('Folder under clusters/<name>/ the engine applies after the platform; seeded once with an example app, then yours.'),
  })
  .describe('Your own apps, applied after every platform component is healthy.')

/** `spec.components`: what the engine installs from Git. */
export const components = z.strictObject({
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

/** Names kindling gives its own packages, which extra providers must not take. */
const PINNED_PACKAGE_NAMES: readonly string[] = Object.values(CROSSPLANE_PACKAGES).map((pinned) => pinned.name)

export function checkCrossplane(spec: z.output<typeof crossplane>, report: (path: (string | number)[], message: string) => void): void {
  const { clouds: enabled } = spec
  if (enabled.gcp.enabled && !enabled.gcp.projectID) {
    report(
      ['clouds', 'gcp', 'projectID'],
      'is required when gcp is enabled: set it to the project the databases go in (`gcloud config get-value project` prints yours)',
    )
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
