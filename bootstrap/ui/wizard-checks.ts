// The wizard's rules for one answer as typed: the spec's own field rules made to take text, and
// the kubeconfig paths and host ports only the wizard has to settle.

import os from 'node:os'
import path from 'node:path'
import { DEFAULTS } from '../spec/defaults.js'
import { branchName, dnsLabel, envName, fieldCheck, filePath, gcpProjectId, port, repositoryUrl, workerCount } from '../spec/fields.js'

/** `kc.yaml` typed in ~/lab: the path as the spec will read it from anywhere (`~/lab/kc.yaml`). */
export function kubeconfigPath(file: string, cwd: string | undefined, home = os.homedir()): string {
  const trimmed = file.trim()
  if (trimmed === '~' || trimmed.startsWith('~/') || path.isAbsolute(trimmed) || cwd === undefined) return trimmed
  const absolute = path.resolve(cwd, trimmed)
  return absolute.startsWith(`${home}${path.sep}`) ? `~/${path.relative(home, absolute)}` : absolute
}

export const checkName = fieldCheck(dnsLabel)
const checkPort = fieldCheck(port)
export const checkUrl = fieldCheck(repositoryUrl)
export const checkBranch = fieldCheck(branchName)
export const checkEnv = fieldCheck(envName)
export const checkProject = fieldCheck(gcpProjectId)
export const checkFilePath = fieldCheck(filePath)
export const checkWorkers = (value: string): true | string =>
  /^\d+$/.test(value.trim()) ? fieldCheck(workerCount)(Number(value)) : 'must be a whole number from 0 to 10'
export const asPort = (value: string): true | string => (/^\d+$/.test(value.trim()) ? checkPort(Number(value)) : 'must be a port between 1 and 65535')

/**
 * The wizard's kind spec turns the registry caches on, and their local registry publishes `registry`
 * (DEFAULTS.kind.localRegistryPort unless another cluster binds it) on this machine: an HTTP or
 * HTTPS port there would be refused when the spec is loaded, after every answer.
 */
function notRegistryPort(value: number, registry: number): true | string {
  return value === registry ? `${value} is the local registry's host port (the registry caches are on); give another port` : true
}

/** A remote the engine can read from another machine (not a local path or file:// URL). */
export function isNetworkUrl(url: string | undefined): url is string {
  return url !== undefined && /^(https:\/\/|ssh:\/\/|git@)/.test(url) && checkUrl(url) === true
}

/**
 * A port question's rule: a port, not the `other` one (typed or given as a flag, a leading zero
 * included), and not the local registry's: the spec turns its registry caches on, and both cannot
 * bind one port.
 */
export const notPort =
  (other: number | undefined, what: string, flag?: string, registry: number = DEFAULTS.kind.localRegistryPort) =>
  (value: string): true | string => {
    if (asPort(value) !== true) return asPort(value)
    const port = Number(value.trim())
    return port === other ? `${port} is already the ${what} port${flag ? ` (${flag})` : ''}; give another port` : notRegistryPort(port, registry)
  }

/** A kind cluster's host port, given as a flag: a port, and not the local registry's. */
export const checkKindPort =
  (registry: number = DEFAULTS.kind.localRegistryPort) =>
  (value: number): true | string =>
    checkPort(value) === true ? notRegistryPort(value, registry) : checkPort(value)
