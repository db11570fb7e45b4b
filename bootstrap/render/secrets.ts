import { parseDocument, stringify } from 'yaml'
import type { KubeObject } from '../kube/client.js'
import type { ClusterSpec } from '../spec/load.js'
import type { Secret } from '../tools/secrets.js'
import { ARGOCD_NAMESPACE } from './argocd.js'
import { FLUX_NAMESPACE } from './flux.js'
import { MANAGED_BY } from './labels.js'
import { FLUX_REPO_SECRET } from './sync.js'

/** What the engine needs to read the repository; values are `Secret`s, masked everywhere but the API. */
export type RepoCredentials = { type: 'ssh'; privateKey: Secret; knownHosts: string } | { type: 'https'; username: string; token: Secret }

/** The repository Secret of Flux: `identity` + `known_hosts`, or `username` + `password`. Nothing else. */
export function renderFluxRepoSecret(credentials: RepoCredentials): KubeObject {
  const stringData =
    credentials.type === 'ssh'
      ? { identity: credentials.privateKey, known_hosts: credentials.knownHosts }
      : { username: credentials.username, password: credentials.token }
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: FLUX_REPO_SECRET, namespace: FLUX_NAMESPACE, labels: { ...MANAGED_BY } },
    type: 'Opaque',
    stringData,
  }
}

/** The repository Secret of Argo CD: labelled as a repository, with `url` and `sshPrivateKey`, or `username` + `password`. */
export function renderArgoRepoSecret(spec: ClusterSpec, credentials: RepoCredentials): KubeObject {
  const stringData =
    credentials.type === 'ssh'
      ? { type: 'git', url: spec.repository.url, sshPrivateKey: credentials.privateKey }
      : { type: 'git', url: spec.repository.url, username: credentials.username, password: credentials.token }
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { ...argoRepoSecretRef(spec), labels: { ...MANAGED_BY, 'argocd.argoproj.io/secret-type': 'repository' } },
    type: 'Opaque',
    stringData,
  }
}

/** Argo CD's repository Secret is named after the cluster. */
export function argoRepoSecretRef(spec: ClusterSpec): { name: string; namespace: string } {
  return { name: `${spec.name}-repository`, namespace: ARGOCD_NAMESPACE }
}

/** The age identity as the engine's decryption Secret (Flux `decryption.secretRef`; Argo CD's KSOPS mount). */
export function renderSopsSecret(ref: { name: string; namespace: string; key: string }, ageKeyFile: Secret): KubeObject {
  const { key, ...nameAndNamespace } = ref
  return { apiVersion: 'v1', kind: 'Secret', metadata: { ...nameAndNamespace, labels: { ...MANAGED_BY } }, type: 'Opaque', stringData: { [key]: ageKeyFile } }
}

/** The SOPS configuration file at the repository root. */
export const SOPS_CONFIG = '.sops.yaml'

/** The SOPS rule of one cluster: its `*.sops.yaml` files, encrypting only Secret payloads. */
export function sopsPathRegex(spec: ClusterSpec): string {
  return `${spec.repository.path.replaceAll('.', '\\.')}/.*\\.sops\\.ya?ml$`
}

/** The age recipient(s) `.sops.yaml` already encrypts this cluster's files for, if it has a rule. */
export function sopsRecipientInRepo(spec: ClusterSpec, existing?: string): string | undefined {
  if (!existing?.trim()) return undefined
  const rules = (parseDocument(existing).toJS() as { creation_rules?: Record<string, unknown>[] } | null)?.creation_rules ?? []
  const age = rules.find((entry) => entry.path_regex === sopsPathRegex(spec))?.age
  return typeof age === 'string' ? age : undefined
}

/**
 * `.sops.yaml` with this cluster's creation rule first (SOPS uses the first rule that matches),
 * keeping every other cluster's rules and any comments. Returns the text unchanged when it holds.
 */
export function renderSopsConfig(spec: ClusterSpec, recipient: string, existing?: string): string {
  const rule = { path_regex: sopsPathRegex(spec), encrypted_regex: '^(data|stringData)$', age: recipient }
  if (!existing?.trim()) {
    return `# SOPS rules: files named *.sops.yaml under a cluster folder are encrypted for that cluster's age key.\n${stringify({ creation_rules: [rule] }, { lineWidth: 0 })}`
  }
  const doc = parseDocument(existing)
  const current = (doc.toJS() as { creation_rules?: Record<string, unknown>[] } | null)?.creation_rules ?? []
  const first = current[0]
  if (first && first.path_regex === rule.path_regex && first.age === rule.age && first.encrypted_regex === rule.encrypted_regex) return existing
  const others = current.filter((entry) => entry.path_regex !== rule.path_regex)
  doc.set('creation_rules', doc.createNode([rule, ...others]))
  return doc.toString({ lineWidth: 0 })
}
