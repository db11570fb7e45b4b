// The wizard's flags among themselves: which ones contradict each other, found before the first
// question, and each answer's flag as the person typed it.

import { isSshUrl } from '../spec/fields.js'
import type { WizardAnswers } from './wizard.js'

export const KUBE_FLAGS = ['kubeconfig', 'context'] as const
export const KIND_FLAGS = ['workers', 'httpPort', 'httpsPort'] as const
export const FLAG_NAMES: Partial<Record<keyof WizardAnswers, string>> = {
  kubeconfig: '--kubeconfig',
  context: '--context',
  workers: '--workers',
  httpPort: '--http-port',
  httpsPort: '--https-port',
  provider: '--provider',
  engine: '--engine',
  auth: '--auth',
  clouds: '--clouds',
}

/** The flags given among `keys`, as typed: `--kubeconfig`, `--context`. */
export function namedFlags(given: Partial<WizardAnswers>, keys: readonly (keyof WizardAnswers)[]): string[] {
  return keys.filter((key) => given[key] !== undefined).map((key) => FLAG_NAMES[key]!)
}

/**
 * Flags that contradict each other, found before the first question so no answer is typed in
 * vain: `--kubeconfig` for a kind cluster, `--clouds` with `--no-crossplane`, `--auth https` with an
 * SSH URL, and the like. A flag that means nothing for the others given is a mistake worth naming.
 */
export function conflictingFlags(given: Partial<WizardAnswers>): string[] {
  const problems: string[] = []
  const named = (keys: readonly (keyof WizardAnswers)[]): string[] => namedFlags(given, keys)
  if (given.provider === 'kind' && named(KUBE_FLAGS).length)
    problems.push(`${named(KUBE_FLAGS).join(' and ')}: only for --provider existing (kind makes its own context)`)
  if (given.provider === 'existing' && named(KIND_FLAGS).length)
    problems.push(`${named(KIND_FLAGS).join(', ')}: only for --provider kind (an existing cluster's nodes and ports are its own)`)
  if (given.provider === undefined && named(KUBE_FLAGS).length && named(KIND_FLAGS).length) {
    problems.push(
      `${[...named(KUBE_FLAGS), ...named(KIND_FLAGS)].join(', ')}: flags of an existing cluster and of a kind cluster together; give --provider and only its flags`,
    )
  }
  if (given.httpPort !== undefined && given.httpPort === given.httpsPort)
    problems.push(`--http-port and --https-port: ${given.httpPort} twice; give each its own port`)
  if (given.crossplane === false && given.clouds?.length) problems.push('--clouds: needs Crossplane; drop --no-crossplane')
  if (given.crossplane === false && given.gcpProject !== undefined) problems.push('--gcp-project: needs Crossplane (its gcp cloud); drop --no-crossplane')
  if (given.gcpProject !== undefined && given.clouds !== undefined && !given.clouds.includes('gcp')) problems.push('--gcp-project: only with --clouds gcp')
  const url = given.repoUrl?.trim()
  if (url && given.auth === 'ssh' && !isSshUrl(url)) problems.push('--auth ssh: needs an ssh:// or git@host:path URL in --repo')
  if (url && (given.auth === 'https' || given.auth === 'none') && isSshUrl(url))
    problems.push(
      `--auth ${given.auth}: ssh:// and git@ URLs are read with a deploy key (auth ssh, chosen for them); give an https:// URL for ${given.auth === 'https' ? 'token access' : 'a public repository'}`,
    )
  if (url?.startsWith('file://') && (given.auth === 'https' || given.auth === 'ssh'))
    problems.push(`--auth ${given.auth}: a file:// repository is read from disk, without credentials`)
  if (given.tokenEnv !== undefined && given.auth !== undefined && given.auth !== 'https')
    problems.push(`--token-env: only with --auth https (not ${given.auth})`)
  // Alone, --token-env means --auth https, and meets the same URLs.
  if (url && given.tokenEnv !== undefined && given.auth === undefined && isSshUrl(url))
    problems.push('--token-env: a token is for https:// URLs; ssh:// and git@ URLs are read with a deploy key (auth ssh, chosen for them)')
  if (url?.startsWith('file://') && given.tokenEnv !== undefined && given.auth === undefined)
    problems.push('--token-env: a file:// repository is read from disk, without credentials')
  return problems
}
