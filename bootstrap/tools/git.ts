import { BadInputError, PrerequisiteError } from '../engine/errors.js'
import { urlCredentials } from '../spec/url-credentials.js'
import type { Command, CommandError } from './runner.js'
import { Secret } from './secrets.js'

/** How git reaches the repository: nothing, an SSH key file, or a token from the environment. */
export type GitAccess =
  | { type: 'none' }
  | { type: 'ssh'; privateKeyFile: string; knownHostsFile?: string; throughTunnel?: boolean }
  | { type: 'https'; username: string; token: Secret }

/** Environment variables the credential helper reads; the token travels only through the environment. */
const GIT_USERNAME_ENV = 'KINDLING_GIT_USERNAME'
const GIT_TOKEN_ENV = 'KINDLING_GIT_TOKEN'

// A credential helper written inline: it names the environment variables, never their values.
const ENV_CREDENTIAL_HELPER = `!f() { test "$1" = get && printf 'username=%s\\npassword=%s\\n' "$${GIT_USERNAME_ENV}" "$${GIT_TOKEN_ENV}"; }; f`

/**
 * `git ls-remote <url> refs/heads/<branch>`: the commit the branch points to on the remote. Read-only,
 * so a dry run runs it too. Tokens reach git through an env-based credential helper, never the URL.
 */
export function lsRemoteCommand(url: string, branch: string, access: GitAccess): Command {
  const env: Record<string, string | Secret> = { GIT_TERMINAL_PROMPT: '0' }
  const config: string[] = []
  if (access.type === 'https') {
    if (urlCredentials(url) !== undefined) throw new BadInputError('the repository URL must not carry credentials; set auth.tokenEnv instead')
    config.push('-c', 'credential.helper=', '-c', `credential.helper=${ENV_CREDENTIAL_HELPER}`)
    env[GIT_USERNAME_ENV] = access.username
    env[GIT_TOKEN_ENV] = access.token
  }
  if (access.type === 'ssh') env.GIT_SSH_COMMAND = sshCommand(access)
  return { file: 'git', args: [...config, 'ls-remote', '--', url, `refs/heads/${branch}`], env, readOnly: true, timeoutMs: 60_000 }
}

/**
 * The ssh command git runs. Through a port-forward (`throughTunnel`) the server's identity is
 * already proven by the API server's TLS, and its address is a new loopback port each time, so
 * no host key is checked or recorded (nothing is written to ~/.ssh/known_hosts).
 */
export function sshCommand(access: Extract<GitAccess, { type: 'ssh' }>): string {
  if (access.throughTunnel)
    return `ssh -i ${shellWord(access.privateKeyFile)} -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR`
  const knownHosts = access.knownHostsFile
    ? ` -o UserKnownHostsFile=${shellWord(access.knownHostsFile)} -o StrictHostKeyChecking=yes`
    : ' -o StrictHostKeyChecking=accept-new'
  return `ssh -i ${shellWord(access.privateKeyFile)} -o IdentitiesOnly=yes -o BatchMode=yes${knownHosts}`
}

function shellWord(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`
}

/** The last lines git printed on stderr, as one detail line ("git said: a / b"); none when it printed nothing. */
export function gitSaid(error: CommandError): string[] {
  const lines = error.stderrTail.split('\n').filter(Boolean).slice(-2)
  return lines.length ? [`git said: ${lines.join(' / ')}`] : []
}

/** The branch is not on the remote (yet): the push step can create it, nothing else can read it. */
export class BranchMissingError extends PrerequisiteError {}

/** The commit SHA in `git ls-remote` output for one branch. */
export function parseLsRemote(stdout: string, branch: string): string {
  const ref = `refs/heads/${branch}`
  const line = stdout.split('\n').find((entry) => entry.trim().endsWith(`\t${ref}`) || entry.trim().endsWith(` ${ref}`))
  const sha = line?.trim().split(/\s+/)[0]
  if (!sha || !/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(sha)) {
    throw new BranchMissingError(`branch ${branch} does not exist on the remote`, {
      details: [`push it (git push origin HEAD:${branch}), or set repository.branch to a branch that exists: the engine reads the remote, not this checkout`],
    })
  }
  return sha
}

/** The host, port and path of a Git URL in any form kindling accepts. */
export function parseGitUrl(url: string): { host: string; port?: number; path: string } {
  const scp = /^[\w.-]+@([^:/]+):(.+)$/.exec(url)
  if (scp) return { host: scp[1]!, path: scp[2]!.replace(/^\/+/, '') }
  const parsed = new URL(url)
  return { host: parsed.hostname, port: parsed.port ? Number(parsed.port) : undefined, path: parsed.pathname.replace(/^\/+/, '') }
}

/** `ssh-keyscan` of the repository's host: the known_hosts lines an engine needs for SSH. Read-only. */
export function sshKeyscanCommand(url: string): Command {
  const { host, port } = parseGitUrl(url)
  return { file: 'ssh-keyscan', args: [...(port ? ['-p', String(port)] : []), '-t', 'ecdsa,ed25519,rsa', host], readOnly: true, timeoutMs: 30_000 }
}

/** `ssh-keygen -y`: print the public key of a private key file (read-only). */
export function sshPublicKeyCommand(file: string): Command {
  return { file: 'ssh-keygen', args: ['-y', '-f', file], readOnly: true }
}

/** `ssh-keygen` for a new ed25519 deploy key without a passphrase (the engine cannot type one). */
export function sshKeygenCommand(file: string, comment: string): Command {
  return { file: 'ssh-keygen', args: ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file] }
}
