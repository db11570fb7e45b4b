import { z } from 'zod'
import { looksLikeToken } from './tokens.js'
import { startsWithUrlScheme, URL_CREDENTIALS_MESSAGE, urlCredentials } from './url-credentials.js'
import { DEFAULTS } from './defaults.js'
import { DNS_LABEL, DNS_LABEL_MAX } from './dns-label.js'
import { valueProblems } from './limits.js'
import { withoutSafeIntegerBound } from './messages.js'

// Field types several parts of the cluster spec share.

export const dnsLabel = z
  .string()
  .regex(DNS_LABEL, 'must be lowercase letters, digits and "-", starting and ending with a letter or digit')
  .max(DNS_LABEL_MAX, `must be at most ${DNS_LABEL_MAX} characters (it becomes container and context names)`)

/** A repository URL read over SSH (a deploy key), not HTTPS or a file. */
export function isSshUrl(url: string): boolean {
  return /^(ssh:\/\/|git@)/.test(url)
}

export const port = z.int().min(1, 'must be a port between 1 and 65535').max(65535, 'must be a port between 1 and 65535')
export const semver = z.string().regex(/^v?\d+\.\d+\.\d+(-[\w.]+)?$/, 'must be an exact version such as 1.2.3')
/** Variables the shell, the login or the tools around kindling set: none of them holds a token or a password. */
const SYSTEM_VARIABLES = new Set(
  '_ PATH HOME PWD OLDPWD USER LOGNAME SHELL SHLVL TERM LANG LANGUAGE TZ TMPDIR HOSTNAME MAIL EDITOR VISUAL PAGER DISPLAY KUBECONFIG'.split(' '),
)

export const envName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, {
    message: 'must be the name of an environment variable (letters, digits and "_", not starting with a digit, such as GITHUB_TOKEN), not its value',
    abort: true,
  })
  // The message must not repeat the value: it may be a live token.
  .refine(
    (value) => !looksLikeToken(value),
    'looks like a token, not the name of an environment variable: put the token in a variable (export GITHUB_TOKEN=...) and write its name here (the value was not printed; if it was ever committed or shared, revoke it)',
  )
  // `tokenEnv: PATH` would send the search path to the Git host as the token, and every check of the value would pass.
  .refine(
    (value) => !SYSTEM_VARIABLES.has(value) && !/^(LC|XDG)_/.test(value),
    'names a variable the shell or the system sets for itself (PATH, HOME, KUBECONFIG, XDG_…, ...), not one that holds a secret: export the secret in a variable of its own, such as GITHUB_TOKEN, and write that name here',
  )

/**
 * The user name an HTTPS token is sent with. Git hosts take a login name or a fixed word (`git`,
 * `x-access-token`, `oauth2`); anything else there may be a password typed in its place, so the
 * message never repeats it.
 */
export const httpsUsername = z
  .string()
  .min(1, { abort: true })
  .regex(
    /^[\w.@+-]+$/,
    'must be a user name such as git or x-access-token: letters, digits, ".", "_", "-", "@" and "+" (the value was not printed: spaces or other signs there may be a password typed in its place; the token goes in the variable named by tokenEnv; if it was ever committed or shared, change it)',
  )

/**
 * A file the spec names (kubeconfig, keys, known_hosts): `~/` is the user's home and other relative
 * paths start at the repository root. A shell would expand `~alice/` or `$HOME/`; kindling does
 * not, and reading them as folders inside the repository hides the slip.
 */
export const filePath = z
  .string()
  .min(1)
  .refine((value) => !/^~[^/]/.test(value), "names another user's home (~name/): only ~/ (your own home) is expanded; write the full path instead")
  .refine((value) => !/^\$/.test(value), 'starts with an environment variable, which is not expanded: write ~/ for your home, or the full path')
  // `file:///home/me/kc` reads as a folder `file:` in the repository, and is then "not there".
  // One with credentials in it has a message of its own, which says to revoke them.
  .refine(
    (value) => !startsWithUrlScheme(value) || urlCredentials(value) !== undefined,
    'is a URL: the spec names a file on this machine by its path; write the path instead (~/.kube/config, /srv/keys/lab.agekey)',
  )

export const gcpProjectId = z
  .string()
  .regex(
    /^[a-z][-a-z0-9]{4,28}[a-z0-9]$/,
    'must be a Google Cloud project ID such as my-project-123: 6 to 30 lowercase letters, digits and "-", starting with a letter and not ending with "-"',
  )

export const workerCount = z.int().min(0, 'must be a whole number from 0 to 10').max(10, 'must be a whole number from 0 to 10')

export const repositoryUrl = z
  .string()
  .regex(/^(https:\/\/|ssh:\/\/|git@|file:\/\/)\S+$/, { message: 'must be an https://, ssh://, git@host:path or file:// URL', abort: true })
  .refine((value) => urlCredentials(value) === undefined, { message: URL_CREDENTIALS_MESSAGE, abort: true })
  // Git remotes have no use for a fragment; one that carries a token would reach the engine's source object.
  .refine(
    (value) => !value.includes('#'),
    'must not have a #fragment: Git remote URLs take none. The branch goes in repository.branch; a token goes in an environment variable named by auth.tokenEnv (auth type https), or use a deploy key (auth type ssh) (the value was not printed)',
  )
  // Nor for a query string: one holding a token, named or bare, would be printed and sent to the host.
  .refine(
    (value) => !value.includes('?'),
    'must not have a ?query: Git remote URLs take none. A token goes in an environment variable named by auth.tokenEnv (auth type https), or use a deploy key (auth type ssh) (the value was not printed)',
  )

/** A registry as an image reference names one: a host with a dot or a port, or localhost (`kindest/` alone is a path). */
const REGISTRY_HOST = String.raw`(?:localhost|[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+)(?::\d{1,5})?|[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?:\d{1,5}`
/** One part of an image's path, as Docker takes it: lowercase letters and digits, joined by `.`, `_`, `__` or dashes. */
const IMAGE_PATH_PART = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*'
const IMAGE_TAG = String.raw`:\w[\w.-]{0,127}`
const IMAGE_DIGEST = '@sha256:[0-9a-f]{64}'
/** `[registry/]path:tag[@sha256:digest]` or `[registry/]path@sha256:digest`: without either, Docker would pull a `latest` kind never publishes. */
const IMAGE_REFERENCE = new RegExp(`^(?:(?:${REGISTRY_HOST})/)?${IMAGE_PATH_PART}(?:/${IMAGE_PATH_PART})*(?:${IMAGE_TAG}(?:${IMAGE_DIGEST})?|${IMAGE_DIGEST})$`)

/**
 * A container image reference: `[registry[:port]/]path:tag[@sha256:digest]`, the path in lowercase.
 * The only `@` it may hold is the one before a digest; `user:password@registry/...` is refused first,
 * and without the value, since the reference is printed and handed to Docker and kind as it is.
 */
export const imageReference = z
  .string()
  .min(1)
  .refine((value) => !/@(?![a-z0-9]+(?:[+._-][a-z0-9]+)*:[\w=-]+$)/i.test(value), {
    message:
      'must not hold credentials (user:password@ before the registry): an image reference takes none; log the container runtime in to the registry instead (docker login) (the value was not printed; if it was ever committed or shared, change it)',
    abort: true,
  })
  .regex(
    IMAGE_REFERENCE,
    `must be an image reference such as kindest/node:${DEFAULTS.kind.kubernetesVersion}@sha256:<64 hex digits>: [registry/]path:tag, optionally followed by @sha256: and the digest, the path in lowercase`,
  )

/** A relative folder: no part empty, "." or "..", so no "//", no "/" at either end, nothing above where it starts. */
export function isRelativeFolder(value: string): boolean {
  return value.split('/').every((part) => part !== '' && part !== '.' && part !== '..')
}

/** Said of a URL copied from the docs or examples unchanged; preflight and the wizard both use it. */
export const PLACEHOLDER_URL_MESSAGE = "is the example's placeholder"

/**
 * A repository URL as the project's docs and examples show it rather than a real one: README's
 * `github.com/you/…`, the example specs' `github.com/<you>/<your-fork>.git`, the earlier
 * `github.com/example/homelab.git`. Used as it is, it fails later as an unreachable host or
 * refused credentials, which hides the real fix.
 */
export function isPlaceholderUrl(url: string): boolean {
  const trimmed = url.trim()
  // `<you>`, `<your-fork>`: a template's blanks, never part of a real URL.
  if (/[<>]/.test(trimmed)) return true
  // Any of the ways to write the host: `www.github.com`, `ssh://git@github.com:22/`, `git@github.com:`.
  const owner = /^(?:https:\/\/|ssh:\/\/(?:[^@/]+@)?|[^@/:]+@)(?:www\.)?github\.com(?::\d+)?[/:]([^/]+)\//i.exec(trimmed)?.[1]
  return owner !== undefined && ['you', 'example'].includes(owner.toLowerCase())
}

/**
 * A branch name Git accepts (`git check-ref-format --branch`): one it refuses would pass here and
 * fail only at the first push or clone, after the cluster was made.
 */
export const branchName = z
  .string()
  .regex(/^(?!-)(?!.*\.\.)[\w./-]+$/, {
    message: 'must be a branch name such as main: letters, digits and "_", ".", "/", "-", with no space or "..", not starting with "-"',
    abort: true,
  })
  // Git takes `refs/heads/main` as a branch of that very name, which nobody means.
  .refine((value) => !value.startsWith('refs/'), { message: 'is a full ref name: give the branch name alone (main, not refs/heads/main)', abort: true })
  .refine(
    (value) => !/(^|\/)\.|\.lock(\/|$)|\/\/|^\/|[/.]$/.test(value),
    'must be a branch name Git accepts, such as main: no part may start with "." or end with ".lock", and it may not start or end with "/", end with "." or hold "//"',
  )

/**
 * One field's rule as a prompt validator: true, or the message the spec would give. The wizard
 * asks with the same rules bootstrap applies, so an answer it accepts is one bootstrap accepts.
 */
export function fieldCheck(schema: z.ZodType): (value: unknown) => true | string {
  return (value) => {
    const result = schema.safeParse(value)
    // A huge number breaks the field's range and the safe-integer bound: the field's rule is the one to say.
    if (!result.success) return withoutSafeIntegerBound(result.error.issues)[0]?.message ?? 'is not valid'
    // Then what the spec loader checks in every value (control characters, length, credentials):
    // a value the field's own rule lets through is never echoed back before it is refused.
    return (typeof value === 'string' ? valueProblems(value)[0]?.message : undefined) ?? true
  }
}
