// Loading a kubeconfig for exactly one named context: a file that cannot be used is refused with
// what is wrong with it, and credentials that fail name the user and plugin.

import { readFileSync } from 'node:fs'
import * as k8s from '@kubernetes/client-node'
import { PrerequisiteError } from '../engine/errors.js'
import { MAX_KUBECONFIG_BYTES, plainFileProblem } from '../tools/files.js'
import { credentialsError, kubeconfigCheckCommand, KubeconfigError, kubeconfigLoadProblem, kubeconfigTextProblem } from './kubeconfig.js'

/**
 * A kubeconfig whose credentials failing to apply say which user and plugin failed. The library
 * rejects with a failed `exec:` plugin's stderr as the whole message, often empty ("get server
 * version: "), or a JSON error quoting what the plugin printed. Requests and watches both ask here.
 */
class CredentialedKubeConfig extends k8s.KubeConfig {
  /** The file it was read from, for the command a message suggests. */
  file?: string

  override async applySecurityAuthentication(context: k8s.RequestContext): Promise<void> {
    try {
      await super.applySecurityAuthentication(context)
    } catch (error) {
      throw credentialsError(this.getCurrentUser(), error, { context: this.getCurrentContext(), file: this.file })
    }
  }

  override async applyToHTTPSOptions(opts: Parameters<k8s.KubeConfig['applyToHTTPSOptions']>[0]): Promise<void> {
    try {
      await super.applyToHTTPSOptions(opts)
    } catch (error) {
      throw credentialsError(this.getCurrentUser(), error, { context: this.getCurrentContext(), file: this.file })
    }
  }
}

/** A kubeconfig's text, to say what is wrong with it; undefined when it cannot be read now. */
function textOf(options: { file?: string; yaml?: string }): string | undefined {
  if (options.yaml !== undefined) return options.yaml
  if (!options.file) return undefined
  try {
    return readFileSync(options.file, 'utf8')
  } catch {
    return undefined
  }
}

function unreadableKubeconfig(options: { file?: string }, problem: string): KubeconfigError {
  return new KubeconfigError(`cannot read kubeconfig ${options.file ?? '(default)'}: ${problem}`, {
    details: options.file ? [`check it with \`${kubeconfigCheckCommand(options.file)}\` and correct it`] : [],
  })
}

/** A kubeconfig file (or its text, or the default one) with the named context current; any other is refused. */
export function loadKubeconfig(options: { file?: string; context: string; yaml?: string }): k8s.KubeConfig {
  const config = new CredentialedKubeConfig()
  // Asked before the library reads it (synchronously): a pipe or `/dev/zero` would hang the process.
  const unreadable = options.yaml === undefined && options.file ? plainFileProblem(options.file, MAX_KUBECONFIG_BYTES) : undefined
  if (unreadable) throw new PrerequisiteError(`kubeconfig ${options.file} ${unreadable.problem}`)
  try {
    if (options.yaml !== undefined) config.loadFromString(options.yaml)
    else if (options.file) config.loadFromFile(options.file)
    else config.loadFromDefault()
  } catch (cause) {
    // The library's message quotes the lines around a YAML mistake, credentials included: it is
    // neither shown nor kept as the cause, which a report or --verbose would print.
    throw unreadableKubeconfig(options, kubeconfigLoadProblem(cause, textOf(options)))
  }
  const names = config.getContexts().map((context) => context.name)
  // No contexts at all: a file that is no kubeconfig (a list, a scalar) loads as an empty one.
  const shape = names.length === 0 ? kubeconfigTextProblem(textOf(options) ?? '') : undefined
  if (shape) throw unreadableKubeconfig(options, shape)
  if (!names.includes(options.context)) {
    throw new PrerequisiteError(`kubeconfig ${options.file ?? '(default)'} has no context named "${options.context}"`, {
      details: [`contexts there: ${names.join(', ') || '(none)'}`, 'kindling only uses the context the spec names'],
    })
  }
  config.setCurrentContext(options.context)
  config.file = options.file
  return config
}
