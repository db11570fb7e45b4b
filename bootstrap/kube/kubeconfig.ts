import { LineCounter, parseDocument } from 'yaml'
import { ExitCode, KindlingError, PrerequisiteError } from '../engine/errors.js'
import { clip } from '../spec/quoting.js'
import { Redactor } from '../tools/secrets.js'

// Why a kubeconfig cannot be used, in words that never quote the file: it holds tokens, passwords
// and keys, and a YAML parser's error shows the lines around the mistake. No API client is loaded
// here, so the wizard can ask without it.

/** What to run to see what kubectl makes of a kubeconfig file. */
export function kubeconfigCheckCommand(file: string): string {
  return `kubectl --kubeconfig ${file} config view`
}

/** The top-level fields of a kubeconfig (`kubectl config view` writes them all, even when empty). */
const KUBECONFIG_FIELDS = new Set(['apiVersion', 'kind', 'clusters', 'contexts', 'users', 'current-context', 'preferences', 'extensions'])

/** The lists of a kubeconfig whose entries the API client reads by name. */
const LISTS = ['clusters', 'contexts', 'users'] as const

/**
 * Why the text of a kubeconfig is none kindling can read (not YAML, empty, an entry that is no
 * mapping), or undefined. Only the parser's first line and a line number: never the text.
 * `emptyIsFine`: a file kind is to write into may be empty (kind and helm read it as no contexts).
 */
export function kubeconfigTextProblem(text: string, options: { emptyIsFine?: boolean } = {}): string | undefined {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, prettyErrors: false })
  const lineOf = (offset: number): number => lineCounter.linePos(offset).line
  const error = doc.errors[0]
  if (error) return `is not valid YAML: ${parserWords(error.message)} (line ${lineOf(error.pos[0])})`
  let config: unknown
  try {
    config = doc.toJS()
  } catch (toJsError) {
    // An alias before its anchor, or aliases expanding past the parser's limit.
    return `cannot be read as YAML: ${parserWords(toJsError instanceof Error ? toJsError.message : String(toJsError))}`
  }
  if (config === null || config === undefined) return options.emptyIsFine ? undefined : 'is empty'
  if (typeof config !== 'object' || Array.isArray(config)) return 'is not a kubeconfig (a mapping with clusters, contexts and users)'
  // A mapping with none of a kubeconfig's fields is some other file (`/etc/shadow` reads as one):
  // it is not a kubeconfig without contexts yet, and kind must not write a context into it.
  const keys = Object.keys(config)
  if (keys.length > 0 && !keys.some((key) => KUBECONFIG_FIELDS.has(key)))
    return 'is not a kubeconfig (it has none of apiVersion, kind, clusters, contexts and users)'
  for (const list of LISTS) {
    const entries = (config as Record<string, unknown>)[list]
    const at = (path: (string | number)[]): string => {
      const range = (doc.getIn(path, true) as { range?: [number, number, number] } | undefined)?.range
      return range ? `, line ${lineOf(range[0])}` : ''
    }
    // `contexts: null` is how `kubectl config view` writes none; a text or a mapping there is no list at all.
    if (entries !== null && entries !== undefined && !Array.isArray(entries))
      return `has ${list} that is not a list (${list}${at([list])}): write each entry as \`- name: …\`, as \`kubectl config view\` shows them`
    if (!Array.isArray(entries)) continue
    const index = entries.findIndex((entry) => entry === null || typeof entry !== 'object' || Array.isArray(entry))
    if (index < 0) continue
    return `has an entry of ${list} (${list}[${index}]${at([list, index])}) that is empty or not a mapping with a name`
  }
  return undefined
}

/**
 * A YAML parser's complaint as kindling may show it: the first line only (the lines after it are
 * an excerpt of the file), cut before anything it quotes (an alias, a tag, a key), and short.
 */
function parserWords(message: string): string {
  const first = (message.split('\n')[0] ?? '').replace(/\s*\(\d+:\d+\)\s*$/, '').replace(/ at line \d+, column \d+:?\s*$/, '')
  const cut = first.split(/["'`<]|: /)[0]!.trim()
  return clip(cut, 120) || 'cannot be parsed'
}

/**
 * The problem of a kubeconfig the API client refused to load, from its error and the file's text:
 * the parser's words and line (the client's YAML parser quotes the file in its message), or what
 * is wrong with the document's shape (the client stops on an empty file or a null entry with a
 * bare TypeError).
 */
export function kubeconfigLoadProblem(error: unknown, text: string | undefined): string {
  const parsed = error as { name?: unknown; reason?: unknown; mark?: { line?: unknown } } | null
  if (parsed?.name === 'YAMLException' && typeof parsed.reason === 'string') {
    const line = typeof parsed.mark?.line === 'number' ? ` (line ${parsed.mark.line + 1})` : ''
    return `is not valid YAML: ${parserWords(parsed.reason)}${line}`
  }
  const shape = text === undefined ? undefined : kubeconfigTextProblem(text)
  if (shape) return shape
  // The client's own words ("contexts[0].name is missing", a token-file it cannot open) quote no value.
  const message = ((error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '').trim()
  if (/^Cannot read properties of|is not a function|is not iterable/.test(message))
    return 'has a field of the wrong type (a list or mapping where text belongs, or the other way round)'
  return clip(message, 200) || 'cannot be loaded'
}

/**
 * A kubeconfig kindling cannot read; `details` say how to fix it. Nothing was changed. A file the
 * user named (the spec's provider.kubeconfig) is bad input, exit 2; the text `kind get kubeconfig`
 * printed is the tool's, exit 3 like any prerequisite.
 */
export class KubeconfigError extends KindlingError {
  override readonly exitCode: ExitCode

  constructor(message: string, options: { details?: string[]; named: boolean }) {
    super(message, { details: options.details })
    this.exitCode = options.named ? ExitCode.badInput : ExitCode.missingPrerequisite
  }
}

/** The kubeconfig file named is not there (yet): a prerequisite, like a context that does not answer. */
export class KubeconfigMissingError extends PrerequisiteError {}

/** The kubeconfig has no context of the name the spec gives; `contexts` are the ones it has. */
export class KubeContextMissingError extends PrerequisiteError {
  constructor(
    message: string,
    readonly contexts: string[],
    options: { details?: string[] } = {},
  ) {
    super(message, options)
  }
}

/**
 * The credentials a kubeconfig names could not be had: its credential plugin (`exec:`) failed or
 * is not installed, or a certificate or key file it names cannot be read. Nothing was changed.
 */
export class KubeCredentialsError extends PrerequisiteError {}

/** The user entry of a kubeconfig as the API client holds it: what a message may name, and the credentials it must not. */
export interface KubeconfigUser {
  name?: string
  token?: unknown
  username?: unknown
  password?: unknown
  keyData?: unknown
  exec?: { command?: unknown; args?: unknown; env?: unknown } | null
  authProvider?: { name?: unknown; config?: Record<string, unknown> & { exec?: { command?: unknown } } } | null
}

/**
 * The credentials of a user entry, to be masked wherever they might show up (an API server or a
 * proxy that quotes back the header it rejected): the token, the password and the Basic header
 * made of it, the client key, the environment values of its credential plugin and its auth
 * provider's tokens and secrets. Tokens a plugin or provider hands out are caught as they are sent.
 */
export function userSecrets(user: KubeconfigUser | null | undefined): string[] {
  const basic =
    typeof user?.username === 'string' && typeof user.password === 'string' ? Buffer.from(`${user.username}:${user.password}`).toString('base64') : undefined
  const env = Array.isArray(user?.exec?.env) ? (user.exec.env as { value?: unknown }[]).map((entry) => entry?.value) : []
  const provider = Object.entries(user?.authProvider?.config ?? {})
    .filter(([key]) => /token|secret|password|key/i.test(key))
    .map(([, value]) => value)
  return [user?.token, user?.password, basic, user?.keyData, ...env, ...provider].filter((value): value is string => typeof value === 'string')
}

/**
 * The values of a user entry that may be secrets: its credentials (userSecrets), the arguments
 * its credential plugin is given (`--token …`) and every setting of its auth provider. A plugin
 * that fails often repeats its arguments on stderr.
 */
function credentialValues(user: KubeconfigUser | null | undefined): string[] {
  // A flag's name is no secret; `--token=…` carries one after the `=`.
  const args = (Array.isArray(user?.exec?.args) ? (user.exec.args as unknown[]) : []).map((arg) =>
    typeof arg === 'string' && arg.startsWith('-') ? arg.split('=').slice(1).join('=') : arg,
  )
  const provider = Object.values(user?.authProvider?.config ?? {})
  return [...userSecrets(user), ...args, ...provider].filter((value): value is string => typeof value === 'string')
}

/**
 * Why the credentials of `user` could not be applied to a request, from what the API client threw.
 * A plugin that exits non-zero leaves only its stderr (often nothing), one that prints no JSON a
 * parse error quoting what it printed (a token, maybe): neither is shown as it is.
 */
export function credentialsError(
  user: KubeconfigUser | null | undefined,
  error: unknown,
  where: { context: string; file?: string; stoppedAfterMs?: number },
): KubeCredentialsError {
  const { context } = where
  const kubectl = `kubectl${where.file ? ` --kubeconfig ${where.file}` : ''} --context ${context} get nodes`
  const who = `kubeconfig user "${user?.name ?? '(none)'}" of context "${context}"`
  const command = user?.exec?.command ?? user?.authProvider?.config?.exec?.command
  const redactor = new Redactor()
  for (const value of credentialValues(user)) redactor.add(value)
  const said = redactor.redact(((error instanceof Error ? error.message : String(error)).trim().split('\n')[0] ?? '').trim())
  const short = clip(said, 200)
  if (typeof command === 'string' && command) {
    const plugin = `the credential plugin \`${command}\` of ${who}`
    const login = 'an expired login is the usual cause (gcloud auth login, az login, aws sso login, …)'
    if (where.stoppedAfterMs !== undefined)
      return new KubeCredentialsError(`${plugin} printed no credential within ${where.stoppedAfterMs / 1000}s and was stopped`, {
        details: [`\`${kubectl}\` runs the same plugin: finish what it waits for there (a login), then run this again`],
      })
    if ((error as { code?: unknown } | null)?.code === 'ENOENT')
      return new KubeCredentialsError(`${plugin} is not installed (not found)`, { details: ['install it, or use a context whose user needs no plugin'] })
    if (error instanceof SyntaxError)
      return new KubeCredentialsError(`${plugin} printed something other than the ExecCredential JSON the API client reads (not shown)`, {
        details: [`\`${kubectl}\` runs the same plugin: it must print an ExecCredential (client.authentication.k8s.io) on stdout`],
      })
    return new KubeCredentialsError(`${plugin} failed${short ? `: ${short}` : ' without saying why (nothing on its stderr)'}`, {
      details: [`${login}; \`${kubectl}\` runs the same plugin and shows its own error`],
    })
  }
  return new KubeCredentialsError(`cannot use the credentials or certificates of ${who}: ${short || 'the API client gave no reason'}`, {
    details: [`check the certificate, key and token files the kubeconfig names; \`${kubectl}\` reads them the same way`],
  })
}

/**
 * The context's cluster has an http:// server and no `insecure-skip-tls-verify`: the API client
 * sends nothing there, while kubectl does. The address is not quoted (it may carry credentials).
 */
export function plainHttpServerError(cluster: string, where: { context: string; file?: string }): KubeCredentialsError {
  const file = where.file ?? 'the kubeconfig'
  return new KubeCredentialsError(
    `the API server of context "${where.context}" (cluster "${cluster}") has a plain http:// address, and the Kubernetes client kindling uses sends no request over plain HTTP unless that cluster sets insecure-skip-tls-verify: true (kubectl does not need it)`,
    {
      details: [
        `give cluster "${cluster}" in ${file} its https:// address; for a plain-HTTP endpoint on this machine (such as \`kubectl proxy\`), add insecure-skip-tls-verify: true to that cluster`,
      ],
    },
  )
}
