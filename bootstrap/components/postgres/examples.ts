import { stringify } from 'yaml'
import type { ClusterSpec } from '../../spec/load.js'
import type { ExtraFile } from '../component.js'
import { GROUP, KIND, TARGET_LABEL, VERSION, type Target } from './xrd.js'

const CLOUD_NOTES: Record<Exclude<Target, 'local'>, (spec: ClusterSpec) => string[]> = {
  azure: (spec) => [
    `Needs components.crossplane.clouds.azure.enabled in cluster.yaml and the Secret`,
    `${spec.components.crossplane.clouds.azure.credentialsSecret} (key creds: az ad sp create-for-rbac --sdk-auth) in crossplane-system, committed SOPS-encrypted.`,
    'allowedIPs: the addresses your apps connect from; leave it out to allow Azure services (AKS) only.',
  ],
  gcp: (spec) => [
    `Needs components.crossplane.clouds.gcp.enabled and projectID in cluster.yaml and the Secret`,
    `${spec.components.crossplane.clouds.gcp.credentialsSecret} (key creds: a service account key JSON) in crossplane-system, committed SOPS-encrypted.`,
    'allowedIPs: the addresses your apps connect from (the instance has a public IP and requires TLS).',
  ],
  hetzner: (spec) => [
    `Needs components.crossplane.clouds.hetzner.enabled in cluster.yaml and the Secret`,
    `${spec.components.crossplane.clouds.hetzner.credentialsSecret} (key token: a Hetzner Cloud API token) in crossplane-system, committed SOPS-encrypted.`,
    'allowedIPs is required: only these addresses reach port 5432. Ready once the server exists;',
    'cloud-init needs a few more minutes to install PostgreSQL.',
  ],
}

const CLOUD_SPECS: Record<Exclude<Target, 'local'>, Record<string, unknown>> = {
  azure: { region: 'westeurope', storageGB: 32, allowedIPs: ['203.0.113.10'] },
  gcp: { region: 'europe-west1', allowedIPs: ['203.0.113.10'] },
  hetzner: { region: 'fsn1', allowedIPs: ['203.0.113.10'] },
}

function example(target: Target, spec: ClusterSpec): string {
  const cloud = target !== 'local'
  const comments = [
    `A PostgresInstance an app team writes beside its app (target ${target}).`,
    ...(cloud ? CLOUD_NOTES[target](spec) : ['Runs as a StatefulSet in this cluster; no cloud account needed.']),
    'The Secret orders-db-connection (same namespace) holds host, port, username, password, database,',
    'sslmode and uri; mount it with envFrom: [{secretRef: {name: orders-db-connection}}].',
  ]
  const instance = {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: KIND,
    metadata: { name: 'orders-db', namespace: 'orders' },
    spec: {
      target,
      version: '17',
      size: 'small',
      ...(cloud ? CLOUD_SPECS[target] : { storageGB: 10 }),
      writeConnectionSecretToRef: { name: 'orders-db-connection' },
      ...(cloud ? { crossplane: { compositionSelector: { matchLabels: { [TARGET_LABEL]: target } } } } : {}),
    },
  }
  return `${comments.map((line) => `# ${line}`).join('\n')}\n${stringify(instance, { lineWidth: 0 })}`
}

/** One example per offered target: `examples/<target>.yaml`. */
export function examples(targets: readonly Target[], spec: ClusterSpec): ExtraFile[] {
  return targets.map((target) => ({ path: `examples/${target}.yaml`, content: example(target, spec) }))
}
