import type { KubeObject } from '../../kube/client.js'

export const GROUP = 'platform.kindling.dev'
export const VERSION = 'v1alpha1'
export const KIND = 'PostgresInstance'
const PLURAL = 'postgresinstances'
export const XRD_NAME = `${PLURAL}.${GROUP}`

/** Label on each Composition; a PostgresInstance selects its target's Composition by it. */
export const TARGET_LABEL = `${GROUP}/target`

export type Target = 'local' | 'azure' | 'gcp' | 'hetzner'

/** `postgres-<target>`: the Composition of each target. */
export function compositionName(target: Target): string {
  return `postgres-${target}`
}

const immutable = (what: string) => [{ rule: 'self == oldSelf', message: `${what} cannot change; create another PostgresInstance and move the data` }]

/** Names Azure, Cloud SQL or Postgres itself reserve, which cannot be the app's user. */
const RESERVED_USERS = ['postgres', 'admin', 'administrator', 'root', 'guest', 'public', 'azure_superuser', 'azure_pg_admin', 'cloudsqlsuperuser']

/**
 * What an app team writes. `spec.crossplane` (composition selection) is added by Crossplane; the
 * rules below keep it in step with `target`, because Crossplane picks a Composition at random
 * when an XR names none (crossplane/crossplane@v2.3.4
 * internal/controller/apiextensions/composite/api.go, APILabelSelectorResolver) and rules at `spec`
 * see the merged schema (crossplane-runtime@v2.3.3 pkg/xcrd/crd.go appends them to the XR CRD's spec).
 */
function specSchema(targets: readonly Target[]): Record<string, unknown> {
  const selected = `self.crossplane.compositionSelector.matchLabels`
  return {
    type: 'object',
    description: 'A PostgreSQL database for one app, with its connection details in a Secret in the same namespace.',
    required: ['target'],
    properties: {
      target: {
        type: 'string',
        enum: [...targets],
        description:
          'Where the database runs: local (a StatefulSet in this cluster) or a cloud enabled in cluster.yaml. Clouds also need spec.crossplane.compositionSelector.matchLabels["platform.kindling.dev/target"] set to the same value.',
        'x-kubernetes-validations': immutable('target'),
      },
      version: {
        type: 'string',
        enum: ['16', '17'],
        default: '17',
        description: 'PostgreSQL major version.',
        'x-kubernetes-validations': immutable('version'),
      },
      size: {
        type: 'string',
        enum: ['small', 'medium', 'large'],
        default: 'small',
        description: 'Compute: small for development, medium and large for real load; each target maps it to its own machine size.',
      },
      storageGB: {
        type: 'integer',
        minimum: 10,
        maximum: 1024,
        default: 20,
        description:
          'Disk for the data in GiB. Azure rounds up to its next tier (32, 64, 128, ...); Hetzner uses the server disk of the size instead (40, 80, 160 GB).',
      },
      database: {
        type: 'string',
        pattern: '^[a-z][a-z0-9_]{0,30}$',
        default: 'app',
        description: 'Name of the database, and of the user that owns it.',
        'x-kubernetes-validations': [
          {
            rule: `!(self in ${JSON.stringify(RESERVED_USERS).replaceAll('"', "'")}) && !self.startsWith('pg_')`,
            message: 'is reserved by PostgreSQL or the cloud; choose another name such as app',
          },
          ...immutable('database'),
        ],
      },
      region: {
        type: 'string',
        minLength: 1,
        description: 'Cloud targets: an Azure location (westeurope), a GCP region (europe-west1) or a Hetzner location (fsn1, nbg1, hel1).',
        'x-kubernetes-validations': immutable('region'),
      },
      allowedIPs: {
        type: 'array',
        maxItems: 20,
        default: [],
        items: { type: 'string', pattern: '^((25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])$' },
        description:
          "Cloud targets: public IPv4 addresses that may connect, such as your cluster's egress IP. Azure without any allows Azure services only; Hetzner needs at least one.",
      },
      writeConnectionSecretToRef: {
        type: 'object',
        required: ['name'],
        properties: { name: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$', maxLength: 253 } },
        description: 'The Secret that receives host, port, username, password, database, sslmode and uri; defaults to <name>-connection.',
      },
    },
    'x-kubernetes-validations': [
      {
        rule: "self.target == 'local' || has(self.region)",
        message: 'region is required for cloud targets: an Azure location (westeurope), a GCP region (europe-west1) or a Hetzner location (fsn1)',
      },
      {
        rule: "self.target != 'hetzner' || size(self.allowedIPs) > 0",
        message: "target hetzner needs allowedIPs: the public IPs that may reach port 5432, such as your cluster's egress IP",
      },
      {
        rule: `self.target == 'local' || (has(self.crossplane) && (has(self.crossplane.compositionSelector) || has(self.crossplane.compositionRef)))`,
        message: `cloud targets need spec.crossplane.compositionSelector.matchLabels["${TARGET_LABEL}"] set to the target (see the examples)`,
      },
      {
        rule: `!has(self.crossplane) || !has(self.crossplane.compositionSelector) || ('${TARGET_LABEL}' in ${selected} && ${selected}['${TARGET_LABEL}'] == self.target)`,
        message: `spec.crossplane.compositionSelector.matchLabels["${TARGET_LABEL}"] must equal spec.target`,
      },
      {
        rule: `!has(self.crossplane) || !has(self.crossplane.compositionRef) || self.crossplane.compositionRef.name == 'postgres-' + self.target`,
        message: 'spec.crossplane.compositionRef must name postgres-<target>',
      },
      {
        rule: "self.target == 'local' ? self.storageGB == oldSelf.storageGB : self.storageGB >= oldSelf.storageGB",
        message: 'storageGB can only grow, and for target local not change at all (a StatefulSet keeps its volume size)',
      },
    ],
  }
}

/**
 * The PostgresInstance API: a namespaced v2 XRD (`apiextensions.crossplane.io/v2`, scope
 * Namespaced, so no claims and no XR connection Secret; the Compositions compose that Secret).
 * Without a selector an XR gets the local Composition. Checked against crossplane/crossplane@v2.3.4
 * apis/apiextensions/v2/xrd_types.go and cluster/crds.
 */
export function renderXrd(targets: readonly Target[]): KubeObject {
  return {
    apiVersion: 'apiextensions.crossplane.io/v2',
    kind: 'CompositeResourceDefinition',
    metadata: { name: XRD_NAME },
    spec: {
      group: GROUP,
      names: { kind: KIND, plural: PLURAL },
      scope: 'Namespaced',
      defaultCompositionRef: { name: compositionName('local') },
      versions: [
        {
          name: VERSION,
          served: true,
          referenceable: true,
          additionalPrinterColumns: [
            { name: 'TARGET', type: 'string', jsonPath: '.spec.target' },
            { name: 'HOST', type: 'string', jsonPath: '.status.host' },
          ],
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: specSchema(targets),
                status: {
                  type: 'object',
                  properties: {
                    host: { type: 'string', description: 'Where the database answers, once known.' },
                    connectionSecret: { type: 'string', description: 'The Secret with the connection details.' },
                  },
                },
              },
            },
          },
        },
      ],
    },
  }
}
