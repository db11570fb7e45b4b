import path from 'node:path'
import { KindlingError, PrerequisiteError } from '../../engine/errors.js'
import type { Action, StepContext } from '../../engine/step.js'
import { enabledComponents } from '../../components/registry.js'
import { allEngines, engineOf } from '../../engines/index.js'
import { COMPONENTS_DIR } from '../../render/component-files.js'
import { desiredContent, renderClusterKustomization, type RepoFile } from '../../render/repo-files.js'
import { variableInMessage } from '../../spec/quoting.js'
import type { ClusterSpec } from '../../spec/load.js'
import { readFileIfExists } from '../../tools/files.js'
import { BranchMissingError, gitSaid, lsRemoteCommand, parseLsRemote, type GitAccess } from '../../tools/git.js'
import { Secret } from '../../tools/secrets.js'
import { CommandError } from '../../tools/runner.js'
import { inClusterHead } from './git-server.js'
import { assertSshFilesUsable, deployKeyFile } from '../spec-files.js'

/** The HTTPS token from the environment, registered with the redactor; undefined when not set. */
function httpsToken(ctx: StepContext): Secret | undefined {
  const auth = ctx.spec.repository.auth
  if (auth.type !== 'https') return undefined
  const value = ctx.env[auth.tokenEnv]
  if (!value) return undefined
  ctx.secrets.add(value)
  return new Secret(value, auth.tokenEnv)
}

/** The token, or a prerequisite error naming the variable to set. */
export function requireHttpsToken(ctx: StepContext): Secret {
  const auth = ctx.spec.repository.auth
  const token = httpsToken(ctx)
  if (!token || auth.type !== 'https') {
    throw new PrerequisiteError(
      `environment variable ${auth.type === 'https' ? variableInMessage(auth.tokenEnv, 'repository.auth.tokenEnv') : '(none)'} is not set`,
      {
        details: ['it holds the HTTPS token the engine reads the repository with (read-only scope is enough)'],
      },
    )
  }
  return token
}

/** How git on this machine reaches the repository, with the same credentials the engine gets. */
function gitAccess(ctx: StepContext): GitAccess {
  const auth = ctx.spec.repository.auth
  assertSshFilesUsable(ctx.spec)
  if (auth.type === 'ssh') return { type: 'ssh', privateKeyFile: deployKeyFile(ctx.spec), knownHostsFile: auth.knownHostsFile }
  if (auth.type === 'https') return { type: 'https', username: auth.username, token: requireHttpsToken(ctx) }
  return { type: 'none' }
}

/**
 * The commit the branch points to on the remote (`git ls-remote`), asked once per run and shared:
 * the health gate waits for exactly this revision.
 */
export async function remoteHead(ctx: StepContext): Promise<string> {
  const cached = ctx.facts.remoteHead
  if (cached) return cached
  const { url, branch } = ctx.spec.repository
  const lookup = (async () => {
    if (ctx.spec.repository.inCluster) {
      const head = await inClusterHead(ctx)
      if (head) return head
      throw new BranchMissingError(`nothing is on branch ${branch} of the in-cluster Git server yet`, {
        details: ['run bootstrap: it pushes this checkout there'],
      })
    }
    const result = await ctx.runner.run(lsRemoteCommand(url, branch, gitAccess(ctx)), { signal: ctx.signal }).catch((cause: unknown) => {
      throw gitReadFailure(ctx.spec, cause)
    })
    return parseLsRemote(result.stdout, branch)
  })()
  ctx.facts.remoteHead = lookup
  lookup.catch(() => {
    if (ctx.facts.remoteHead === lookup) ctx.facts.remoteHead = undefined
  })
  return lookup
}

/**
 * Why the remote could not be read, as a cause and a fix: the host unreachable, the credentials
 * refused, the repository not there. Each is a missing prerequisite (exit 3): nothing has been
 * changed, and the same command finishes once it is fixed.
 */
function gitReadFailure(spec: ClusterSpec, cause: unknown): KindlingError {
  if (!(cause instanceof CommandError))
    return cause instanceof KindlingError ? cause : new KindlingError(`cannot read ${spec.repository.url}: ${String(cause)}`, { cause })
  const { url, branch, auth } = spec.repository
  const said = cause.stderrTail
  const tail = gitSaid(cause)
  const credentials = auth.type === 'https' ? `the token in $${auth.tokenEnv}` : auth.type === 'ssh' ? 'the SSH key' : 'no credentials (auth type none)'
  if (
    /Authentication failed|HTTP 40[13]|The requested URL returned error: 40[13]|could not read Username|Permission denied|terminal prompts disabled|access denied|not authorized/i.test(
      said,
    )
  ) {
    const fix =
      auth.type === 'https'
        ? `check that $${auth.tokenEnv} holds a token that has not expired and can read the repository (GitHub: fine-grained token with Contents: read), then run again`
        : auth.type === 'ssh'
          ? 'add the deploy key kindling printed (read-only) to the repository, or check privateKeyFile, then run again'
          : 'the repository is private: set repository.auth (type https with tokenEnv, or ssh with a deploy key)'
    return new PrerequisiteError(`${url} refused ${credentials}`, { cause, details: [fix, ...tail] })
  }
  if (/Repository not found|HTTP 404|returned error: 404|does not appear to be a git repository|not found/i.test(said)) {
    return new PrerequisiteError(`${url} does not exist, or is not visible with ${credentials}`, {
      cause,
      details: ['check repository.url in the spec (create the repository first, or push this checkout to it)', ...tail],
    })
  }
  if (
    /Could not resolve host|Connection refused|Connection timed out|Failed to connect|Network is unreachable|Operation timed out|timed out after|SSL|certificate/i.test(
      said,
    ) ||
    cause.commandExitCode === 124
  ) {
    return new PrerequisiteError(`cannot reach the Git host of ${url}`, {
      cause,
      details: ['check the network, or the host and port in repository.url, then run again', ...tail],
    })
  }
  return new KindlingError(`cannot read branch ${branch} of ${url}`, { cause, details: cause.details })
}

/** This checkout's commit (HEAD), or undefined when it has none yet (not a repository, or no commit). */
export async function checkoutHead(ctx: StepContext): Promise<string | undefined> {
  const command = { file: 'git', args: ['-C', ctx.spec.repoRoot, 'rev-parse', '--verify', '--quiet', 'HEAD'], readOnly: true, okExitCodes: [1, 128] }
  const result = await ctx.runner.run(command, { signal: ctx.signal })
  return result.exitCode === 0 ? result.stdout.trim() : undefined
}

/**
 * The branch head, or undefined when the branch is not on the remote yet (an empty fork): the push
 * step creates it. Any other failure (unreachable, refused) still throws.
 */
export async function remoteHeadIfAny(ctx: StepContext): Promise<string | undefined> {
  try {
    return await remoteHead(ctx)
  } catch (error) {
    if (error instanceof BranchMissingError) return undefined
    throw error
  }
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

/** A file of the repository, or undefined when it does not exist; a pipe or a folder in its place is refused. */
export function readRepoFile(spec: ClusterSpec, relative: string): Promise<string | undefined> {
  return readFileIfExists(path.join(spec.repoRoot, relative), { fix: `make ${relative} a regular file, or remove it (kindling writes the files it renders)` })
}

/** The root sync files: the sync objects and the cluster folder's kustomization (engine folder, components). */
export async function rootSyncFiles(spec: ClusterSpec): Promise<RepoFile[]> {
  const engine = engineOf(spec)
  const sync = engine.files(spec).filter((file) => file.path === engine.rootSyncFile(spec))
  const entries = [engine.dir, ...(enabledComponents(spec).length ? [COMPONENTS_DIR] : [])]
  // The other engines' folders: listed by an earlier choice, never to be applied by this engine.
  const retired = allEngines()
    .map((other) => other.dir)
    .filter((dir) => dir !== engine.dir)
  const kustomization = renderClusterKustomization(
    spec.repository.path,
    entries,
    await readRepoFile(spec, `${spec.repository.path}/kustomization.yaml`),
    retired,
  )
  return [...sync, kustomization]
}

/** Files whose content in the repository is not what it should be, as write actions. */
export async function fileWrites(spec: ClusterSpec, files: readonly RepoFile[]): Promise<Extract<Action, { type: 'write-file' }>[]> {
  const writes: Extract<Action, { type: 'write-file' }>[] = []
  for (const file of files) {
    const existing = await readRepoFile(spec, file.path)
    const content = desiredContent(file, existing)
    if (content !== existing)
      writes.push({ type: 'write-file', path: path.join(spec.repoRoot, file.path), content, description: existing === undefined ? 'create' : 'update' })
  }
  return writes
}

export { shortSha } from '../../engines/revision.js'
