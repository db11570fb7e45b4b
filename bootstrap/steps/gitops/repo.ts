import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { KindlingError, PrerequisiteError } from '../../engine/errors.js'
import type { Action, StepContext } from '../../engine/step.js'
import { renderClusterKustomization, renderEngineFiles, desiredContent, type RepoFile } from '../../render/repo-files.js'
import { rootSyncFile } from '../../render/sync.js'
import { expandHome, type ClusterSpec } from '../../spec/load.js'
import { lsRemoteCommand, parseLsRemote, type GitAccess } from '../../tools/git.js'
import { Secret } from '../../tools/secrets.js'

const REMOTE_HEAD = 'gitops.remoteHead'

/** Where the SSH deploy key lives: the spec's file, or one kindling generates outside the repository. */
export function deployKeyFile(spec: ClusterSpec): string {
  const auth = spec.repository.auth
  if (auth.type === 'ssh' && auth.privateKeyFile) return auth.privateKeyFile
  return expandHome(`~/.config/kindling/ssh/${spec.name}_ed25519`)
}

/** The HTTPS token from the environment, registered with the redactor; undefined when not set. */
export function httpsToken(ctx: StepContext): Secret | undefined {
  const auth = ctx.spec.repository.auth
  if (auth.type !== 'https') return undefined
  const value = process.env[auth.tokenEnv]
  if (!value) return undefined
  ctx.secrets.add(value)
  return new Secret(value, auth.tokenEnv)
}

/** The token, or a prerequisite error naming the variable to set. */
export function requireHttpsToken(ctx: StepContext): Secret {
  const auth = ctx.spec.repository.auth
  const token = httpsToken(ctx)
  if (!token || auth.type !== 'https') {
    throw new PrerequisiteError(`environment variable ${auth.type === 'https' ? auth.tokenEnv : '(none)'} is not set`, {
      details: ['it holds the HTTPS token the engine reads the repository with (read-only scope is enough)'],
    })
  }
  return token
}

/** How git on this machine reaches the repository, with the same credentials the engine gets. */
export function gitAccess(ctx: StepContext): GitAccess {
  const auth = ctx.spec.repository.auth
  if (auth.type === 'ssh') return { type: 'ssh', privateKeyFile: deployKeyFile(ctx.spec), knownHostsFile: auth.knownHostsFile }
  if (auth.type === 'https') return { type: 'https', username: auth.username, token: requireHttpsToken(ctx) }
  return { type: 'none' }
}

/**
 * The commit the branch points to on the remote (`git ls-remote`), asked once per run and shared:
 * the health gate waits for exactly this revision.
 */
export async function remoteHead(ctx: StepContext): Promise<string> {
  const cached = ctx.shared.get(REMOTE_HEAD) as Promise<string> | undefined
  if (cached) return cached
  const { url, branch } = ctx.spec.repository
  const lookup = (async () => {
    const result = await ctx.runner.run(lsRemoteCommand(url, branch, gitAccess(ctx)), { signal: ctx.signal }).catch((cause: unknown) => {
      throw new KindlingError(`cannot read branch ${branch} of ${url}`, { cause, details: cause instanceof KindlingError ? cause.details : [] })
    })
    return parseLsRemote(result.stdout, branch)
  })()
  ctx.shared.set(REMOTE_HEAD, lookup)
  lookup.catch(() => ctx.shared.delete(REMOTE_HEAD))
  return lookup
}

/** The remote head for a plan: a placeholder in a dry run that cannot reach the remote. */
export async function remoteHeadForPlan(ctx: StepContext): Promise<string> {
  try {
    return await remoteHead(ctx)
  } catch (error) {
    if (ctx.flags.dryRun) return `<head of ${ctx.spec.repository.branch}>`
    throw error
  }
}

/** A file of the repository, or undefined when it does not exist. */
export async function readRepoFile(spec: ClusterSpec, relative: string): Promise<string | undefined> {
  try {
    return await readFile(path.join(spec.repoRoot, relative), 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

/** The engine's own files (install values, version pins), without the root sync ones. */
export function engineFiles(spec: ClusterSpec): RepoFile[] {
  const sync = rootSyncFile(spec)
  return renderEngineFiles(spec).filter((file) => file.path !== sync)
}

/** The root sync files: the sync objects and the cluster folder's kustomization. */
export async function rootSyncFiles(spec: ClusterSpec): Promise<RepoFile[]> {
  const sync = renderEngineFiles(spec).filter((file) => file.path === rootSyncFile(spec))
  const kustomization = renderClusterKustomization(spec, await readRepoFile(spec, `${spec.repository.path}/kustomization.yaml`))
  return [...sync, kustomization]
}

/** Files whose content in the repository is not what it should be, as write actions. */
export async function fileWrites(spec: ClusterSpec, files: readonly RepoFile[]): Promise<Extract<Action, { type: 'write-file' }>[]> {
  const writes: Extract<Action, { type: 'write-file' }>[] = []
  for (const file of files) {
    const existing = await readRepoFile(spec, file.path)
    const content = desiredContent(spec, file, existing)
    if (content !== existing) writes.push({ type: 'write-file', path: path.join(spec.repoRoot, file.path), content, description: existing === undefined ? 'create' : 'update' })
  }
  return writes
}

/** The reminder after writing engine files: the engine reads the remote, not this checkout. */
export function pushNote(spec: ClusterSpec): Action {
  return {
    type: 'note',
    text: `commit and push ${spec.repository.path}/ to ${spec.repository.branch}: the engine reconciles these files from the remote and adopts its own install from them`,
  }
}

/** The first 7 characters of a commit, for messages. */
export function shortSha(sha: string): string {
  return /^[0-9a-f]{40}/.test(sha) ? sha.slice(0, 7) : sha
}
