// Loading a kubeconfig for exactly one named context: a file that cannot be used is refused with
// what is wrong with it, and credentials that fail name the user and plugin.

import path from 'node:path'
import * as k8s from '@kubernetes/client-node'
import { boundCredentialPlugins, PLUGIN_TIMEOUT_MS, type PluginRuns } from './credential-plugin.js'
import type { Redactor } from '../tools/secrets.js'
import { MAX_KUBECONFIG_BYTES, plainFileProblem, readPlainFile, UnusableFileError } from '../tools/files.js'
import {
  credentialsError,
  userSecrets,
  kubeconfigCheckCommand,
  KubeconfigError,
  kubeconfigLoadProblem,
  KubeconfigMissingError,
  KubeContextMissingError,
  kubeconfigTextProblem,
  plainHttpServerError,
} from './kubeconfig.js'

/**
 * A kubeconfig whose credentials failing to apply say which user and plugin failed. The library
 * rejects with a failed `exec:` plugin's stderr as the whole message, often empty ("get server
 * version: "), or a JSON error quoting what the plugin printed. Requests and watches both ask here.
 */
class CredentialedKubeConfig extends k8s.KubeConfig {
  /** The file it was read from, for the command a message suggests. */
  file?: string
  readonly #plugins: PluginRuns

  constructor(
    pluginTimeoutMs: number,
    /** Where the credentials sent are registered: an API server or a proxy may quote them back in an error. */
    readonly secrets?: Redactor,
  ) {
    super()
    this.#plugins = boundCredentialPlugins(this, pluginTimeoutMs)
  }

  override async applySecurityAuthentication(context: k8s.RequestContext): Promise<void> {
    // The client refuses an http:// server without a proxy unless the cluster skips TLS verification, but
    // only after the credentials are read: said first, so no credential plugin runs (or asks) for nothing.
    const cluster = this.getCurrentCluster()
    if (cluster?.server.startsWith('http:') && !cluster.skipTLSVerify && !cluster.proxyUrl) {
      throw plainHttpServerError(cluster.name, { context: this.getCurrentContext(), file: this.file })
    }
    try {
      await super.applySecurityAuthentication(context)
    } catch (error) {
      throw this.#credentialsError(error)
    }
    this.#register(context.getHeaders().Authorization)
  }

  override async applyToHTTPSOptions(opts: Parameters<k8s.KubeConfig['applyToHTTPSOptions']>[0]): Promise<void> {
    try {
      await super.applyToHTTPSOptions(opts)
    } catch (error) {
      throw this.#credentialsError(error)
    }
    this.#register(opts.headers?.Authorization)
  }

  /** The Authorization header and its credential (a plugin's or provider's token is only known here). */
  #register(header: unknown): void {
    if (typeof header !== 'string' || !this.secrets) return
    this.secrets.add(header)
    this.secrets.add(header.replace(/^\S+\s+/, ''))
  }

  #credentialsError(error: unknown): Error {
    const where = { context: this.getCurrentContext(), file: this.file, stoppedAfterMs: this.#plugins.stoppedAfterMs }
    return credentialsError(this.getCurrentUser(), error, where)
  }
}

/** A kubeconfig file's text; a file that is no regular file (a folder, a pipe, `/dev/zero`) or too big is refused by name. */
function readKubeconfigFile(file: string): string {
  let bytes: Buffer | undefined
  try {
    // Read here, not by the library (synchronously, whatever is there): a pipe or a device would hold the process.
    bytes = readPlainFile(file, { maxBytes: MAX_KUBECONFIG_BYTES })
  } catch (error) {
    if (error instanceof UnusableFileError) throw new KubeconfigError(`kubeconfig ${file} ${error.problem}`, { named: true })
    throw error
  }
  if (bytes === undefined) throw new KubeconfigMissingError(`kubeconfig ${file} ${plainFileProblem(file, MAX_KUBECONFIG_BYTES)?.problem ?? 'does not exist'}`)
  return bytes.toString('utf8')
}

function unreadableKubeconfig(options: { file?: string }, problem: string): KubeconfigError {
  return new KubeconfigError(`cannot read kubeconfig ${options.file ?? '(default)'}: ${problem}`, {
    details: options.file ? [`check it with \`${kubeconfigCheckCommand(options.file)}\` and correct it`] : [],
    named: options.file !== undefined,
  })
}

/**
 * The files the context's cluster and user name (CA, client certificate and key, token file),
 * looked at before the library reads them, synchronously and at the first request: a pipe there
 * would hold the process past Ctrl-C. A missing one is left to the library, which names it.
 */
function assertNamedFilesPlain(config: k8s.KubeConfig, options: { file?: string }): void {
  const cluster = config.getCurrentCluster()
  const user = config.getCurrentUser()
  const authProvider = user?.authProvider as { config?: { tokenFile?: unknown } } | undefined
  const named: [string, unknown][] = [
    [`the certificate-authority of cluster "${cluster?.name ?? ''}"`, cluster?.caFile],
    [`the client-certificate of user "${user?.name ?? ''}"`, user?.certFile],
    [`the client-key of user "${user?.name ?? ''}"`, user?.keyFile],
    [`the token file of user "${user?.name ?? ''}"`, authProvider?.config?.tokenFile],
  ]
  for (const [what, file] of named) {
    if (typeof file !== 'string' || !file) continue
    const found = plainFileProblem(file, MAX_KUBECONFIG_BYTES)
    if (found && !found.missing)
      throw new KubeconfigError(`kubeconfig ${options.file ?? '(default)'}: ${what}, ${file}, ${found.problem}`, {
        details: ['point it at the file the cluster gave you, or embed the data (certificate-authority-data, client-key-data)'],
        named: options.file !== undefined,
      })
  }
}

/** A kubeconfig file (or its text, or the default one) with the named context current; any other is refused. */
export function loadKubeconfig(options: { file?: string; context: string; yaml?: string; pluginTimeoutMs?: number; secrets?: Redactor }): k8s.KubeConfig {
  const config = new CredentialedKubeConfig(options.pluginTimeoutMs ?? PLUGIN_TIMEOUT_MS, options.secrets)
  const text = options.yaml ?? (options.file ? readKubeconfigFile(options.file) : undefined)
  try {
    if (text === undefined) config.loadFromDefault()
    else config.loadFromString(text)
    // As the library's loadFromFile does: relative certificate paths start at the file's folder.
    if (options.yaml === undefined && options.file) config.makePathsAbsolute(path.dirname(options.file))
  } catch (cause) {
    // The library's message quotes the lines around a YAML mistake, credentials included: it is
    // neither shown nor kept as the cause, which a report or --verbose would print.
    throw unreadableKubeconfig(options, kubeconfigLoadProblem(cause, text))
  }
  const names = config.getContexts().map((context) => context.name)
  // No contexts at all: a file that is no kubeconfig (a list, a scalar) loads as an empty one.
  const shape = names.length === 0 ? kubeconfigTextProblem(text ?? '') : undefined
  if (shape) throw unreadableKubeconfig(options, shape)
  if (!names.includes(options.context)) {
    throw new KubeContextMissingError(`kubeconfig ${options.file ?? '(default)'} has no context named "${options.context}"`, names, {
      details: [`contexts there: ${names.join(', ') || '(none)'}`, 'kindling only uses the context the spec names'],
    })
  }
  config.setCurrentContext(options.context)
  for (const value of userSecrets(config.getCurrentUser())) options.secrets?.add(value)
  assertNamedFilesPlain(config, options)
  config.file = options.file
  return config
}
