// What the push step finds: the files kindling renders and which of them are not committed, this
// checkout's HEAD, whether the remote has it, and whether the user's own push would be accepted.

import { enabledComponents } from '../../components/registry.js'
import { ClusterNotCreatedError } from '../../engine/errors.js'
import type { StepContext } from '../../engine/step.js'
import { engineOf } from '../../engines/index.js'
import type { RepoFile } from '../../render/repo-files.js'
import { SOPS_CONFIG, sopsRecipientInRepo } from '../../render/secrets.js'
import { relativeSpec, type ClusterSpec } from '../../spec/load.js'
import { CommandError, type Command } from '../../tools/runner.js'
import { engineFiles } from './engine.js'
import { GitServerNotCreatedError } from './git-server.js'
import { leftoverPaths } from './leftovers.js'
import { git, remotePushCommand, type PushState } from './push-plan.js'
import { checkoutHead, fileWrites, readRepoFile, remoteHeadIfAny, rootSyncFiles } from './repo.js'

/** Every file kindling renders for a spec, relative to the repository root: engine, root sync, components. */
export async function renderedFiles(spec: ClusterSpec): Promise<RepoFile[]> {
  return [...engineFiles(spec), ...(await rootSyncFiles(spec)), ...engineOf(spec).componentFiles(spec, enabledComponents(spec))]
}

/**
 * Files beside the rendered ones that a rebuild needs from Git, committed with them when changed:
 * the spec (a clone on new hardware runs the same command with it) and, with SOPS, `.sops.yaml`
 * (its rule is how a rebuild knows which age key the secrets in Git need). The sops-key step
 * writes `.sops.yaml` before this one; a dry run counts it when it holds no rule for this cluster.
 */
async function companionFiles(spec: ClusterSpec): Promise<{ files: string[]; pending: string[] }> {
  const specFile = relativeSpec(spec)
  if (!spec.secrets.sops.enabled) return { files: [specFile], pending: [] }
  const sopsRule = sopsRecipientInRepo(spec, await readRepoFile(spec, SOPS_CONFIG))
  return { files: [specFile, SOPS_CONFIG], pending: sopsRule ? [] : [SOPS_CONFIG] }
}

/** What this checkout holds: the rendered files, those not committed yet, its HEAD. Needs no remote. */
export async function readLocalState(ctx: StepContext): Promise<Omit<PushState, 'head' | 'onRemote'>> {
  const { spec, runner, signal } = ctx
  const rendered = await renderedFiles(spec)
  const companions = await companionFiles(spec)
  const files = [...rendered.map((file) => file.path), ...companions.files]
  // Files other steps will write in this run (a dry run plans them) count as uncommitted too.
  const pending = [...(await fileWrites(spec, rendered)).map((write) => write.path.slice(spec.repoRoot.length + 1)), ...companions.pending]
  const status = await runner.run(git(spec, ['status', '--porcelain', '--untracked-files=all', '--', ...files], { readOnly: true }), { signal })
  const changed = status.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => line.slice(3).trim())
  const uncommitted = [...new Set([...pending, ...changed])].sort()
  return { files, uncommitted, local: await checkoutHead(ctx), leftOver: leftoverPaths(spec, rendered) }
}

/**
 * Whether the remote branch has this checkout's commit. In a dry run that creates the cluster, or
 * the in-cluster Git server in it, that server is not there yet: empty, so nothing is on it.
 */
export async function readRemoteState(ctx: StepContext, localHead: string | undefined): Promise<Pick<PushState, 'head' | 'onRemote' | 'serverChange'>> {
  const { spec, runner, signal } = ctx
  let head: string | undefined
  try {
    head = await remoteHeadIfAny(ctx)
  } catch (error) {
    if (error instanceof GitServerNotCreatedError) return { head: undefined, onRemote: false, serverChange: error.change }
    if (error instanceof ClusterNotCreatedError) return { head: undefined, onRemote: false }
    throw error
  }
  let onRemote = localHead === head
  // The in-cluster server mirrors this checkout: on it only when it has exactly this commit.
  if (!onRemote && localHead && head && !spec.repository.inCluster) {
    // This checkout's commit is already on the remote when it is an ancestor of the remote head.
    const ancestor = await runner.run(git(spec, ['merge-base', '--is-ancestor', localHead, head], { readOnly: true, okExitCodes: [1, 128] }), { signal })
    onRemote = ancestor.exitCode === 0
  }
  return { head, onRemote }
}

/**
 * Would the push this run makes be accepted? `git push --dry-run` with the user's own credentials,
 * before anything is created: a push refused, or a remote branch ahead of this checkout, is found
 * now rather than after the cluster exists. Credentials that would have to be typed in (no
 * helper, no agent) cannot be tried without asking: then nothing is said.
 */
export async function pushRefusal(ctx: StepContext): Promise<{ problem: string; fix: string } | undefined> {
  const { spec } = ctx
  if (ctx.flags.noPush || spec.repository.inCluster || !(await checkoutHead(ctx))) return undefined
  const push = remotePushCommand(spec)
  const command: Command = {
    ...push,
    args: [...push.args.filter((arg) => arg !== '--quiet'), '--dry-run'],
    env: { GIT_TERMINAL_PROMPT: '0' },
    readOnly: true,
    foreground: false,
    timeoutMs: 60_000,
  }
  const where = `${spec.repository.url} ${spec.repository.branch}`
  try {
    await ctx.runner.run(command, { signal: ctx.signal })
    return undefined
  } catch (error) {
    if (!(error instanceof CommandError)) throw error
    const said = error.details.join('\n')
    if (/terminal prompts disabled|could not read (Username|Password)|passphrase/i.test(said)) return undefined
    if (/\[rejected\]|non-fast-forward|fetch first/i.test(said)) {
      return {
        problem: `${where} has commits this checkout does not: the push would be refused`,
        fix: `bring them in first (git -C ${spec.repoRoot} pull --rebase ${spec.repository.url} ${spec.repository.branch}), or pass --no-push`,
      }
    }
    return {
      problem: `your Git credentials cannot push to ${where}: ${said.split('\n').at(-1) ?? 'refused'}`,
      fix: 'check that you can push there (git push works from this checkout), point repository.url at your own fork, or pass --no-push and push yourself',
    }
  }
}
