import { enabledComponents } from '../../components/registry.js'
import { BadInputError, ClusterNotCreatedError, errorMessage, KindlingError } from '../../engine/errors.js'
import type { Action, CheckResult, Step, StepContext } from '../../engine/step.js'
import { engineOf } from '../../engines/index.js'
import type { RepoFile } from '../../render/repo-files.js'
import { SOPS_CONFIG, sopsRecipientInRepo } from '../../render/secrets.js'
import { relativeSpec, type ClusterSpec } from '../../spec/load.js'
import { CommandError, formatCommand, type Command } from '../../tools/runner.js'
import { confirm as askPerson, type Confirm } from '../../ui/prompts.js'
import type { StepOptions } from '../index.js'
import { engineFiles } from './engine.js'
import { addSummary } from '../summary.js'
import { leftoverPaths } from './leftovers.js'
import { checkoutHead, fileWrites, readRepoFile, remoteHead, remoteHeadIfAny, rootSyncFiles, shortSha } from './repo.js'
import { inClusterPushCommand, inClusterPushHowTo, withInClusterRemote } from './git-server.js'

/** What the push step found: the rendered files not yet committed, and whether the remote has this checkout's commit. */
interface PushState {
  files: string[]
  uncommitted: string[]
  local?: string
  /** Undefined: the in-cluster server has nothing on the branch yet. */
  head?: string
  onRemote: boolean
  /** Files (or whole folders) kindling rendered for an earlier spec that nothing lists now. */
  leftOver: string[]
}

/** Every file kindling renders for a spec, relative to the repository root: engine, root sync, components. */
export async function renderedFiles(spec: ClusterSpec): Promise<RepoFile[]> {
  return [...engineFiles(spec), ...(await rootSyncFiles(spec)), ...engineOf(spec).componentFiles(spec, enabledComponents(spec))]
}

function git(spec: ClusterSpec, args: string[], extra: Partial<Command> = {}): Command {
  return { file: 'git', args: ['-C', spec.repoRoot, ...args], ...extra }
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
async function readLocalState(ctx: StepContext): Promise<Omit<PushState, 'head' | 'onRemote'>> {
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
 * Whether the remote branch has this checkout's commit. In a dry run that creates the cluster, its
 * in-cluster Git server is not there yet: empty, so nothing is on it.
 */
async function readRemoteState(ctx: StepContext, localHead: string | undefined): Promise<Pick<PushState, 'head' | 'onRemote'>> {
  const { spec, runner, signal } = ctx
  let head: string | undefined
  try {
    head = await remoteHeadIfAny(ctx)
  } catch (error) {
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

/** Name what an earlier spec left (the old engine's folder), with the command that removes it; never delete it. */
function noteLeftovers(ctx: StepContext, state: Pick<PushState, 'leftOver'>): string {
  if (!state.leftOver.length) return ''
  const { spec } = ctx
  const remove = `git -C ${spec.repoRoot} rm -r --quiet -- ${state.leftOver.join(' ')} && git -C ${spec.repoRoot} commit -m 'remove unused files'`
  addSummary(ctx, `⚠ rendered for an earlier spec and applied by nothing now (kept, in case they hold your edits): ${state.leftOver.join(', ')}`)
  addSummary(ctx, `  remove them: ${remove}`)
  // A dry run prints no end-of-run summary: the command goes with the step.
  return `; ${state.leftOver.join(', ')} rendered for an earlier spec and applied by nothing now${ctx.flags.dryRun ? ` (remove them: ${remove})` : ''}`
}

/** The commands that commit exactly what kindling rendered, as a person would type them. */
function commitCommands(spec: ClusterSpec, state: Pick<PushState, 'uncommitted'>): Command[] {
  if (!state.uncommitted.length) return []
  // A signed commit may ask for the key's passphrase: it runs where the terminal is.
  return [
    git(spec, ['add', '--', ...state.uncommitted]),
    git(spec, ['commit', '--quiet', '--only', '-m', `kindling: render ${spec.repository.path}/`, '--', ...state.uncommitted], { foreground: true }),
  ]
}

/**
 * The commit as one action: `git add` and `git commit --only` take the same files, so the plan
 * lists them once, in the first command, and the second names them by count.
 */
function commitActions(spec: ClusterSpec, state: Pick<PushState, 'uncommitted'>): Action[] {
  const commands = commitCommands(spec, state)
  if (!commands.length) return []
  const [add, commit] = commands as [Command, Command]
  const files = state.uncommitted.length
  const shownCommit = `${formatCommand({ ...commit, args: commit.args.slice(0, -files) })} <the same ${files} file(s)>`
  return [
    {
      type: 'call',
      description: `commit only what kindling rendered:\n  $ ${formatCommand(add)}\n  $ ${shownCommit}`,
      run: async (ctx) => {
        for (const command of commands) await ctx.runner.run(command, { signal: ctx.signal })
      },
    },
  ]
}

/** `git push` of this checkout's HEAD to the spec's remote branch, with the user's own credentials. */
function remotePushCommand(spec: ClusterSpec): Command {
  // The user's credentials may ask (a password, a key's passphrase): it runs where the terminal is.
  return git(spec, ['push', '--quiet', spec.repository.url, `HEAD:refs/heads/${spec.repository.branch}`], { timeoutMs: 120_000, foreground: true })
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

/** Where the push goes, in words. */
function destination(spec: ClusterSpec): string {
  return spec.repository.inCluster ? `the in-cluster Git server (${spec.repository.branch})` : `${spec.repository.url} ${spec.repository.branch}`
}

/** What the push still has to do, in words: a server not made yet (a dry run's) holds nothing to compare with. */
function pushWork(spec: ClusterSpec, state: PushState): string {
  if (state.uncommitted.length) return `${state.uncommitted.length} rendered file(s) to commit, then push to ${destination(spec)}`
  if (state.head === undefined) return `${destination(spec)} holds nothing yet: push this checkout to it`
  // The in-cluster server mirrors this checkout, so any other commit there is replaced.
  if (spec.repository.inCluster && state.local)
    return `${destination(spec)} is at ${shortSha(state.head)}, this checkout at ${shortSha(state.local)}: push it there`
  return `this checkout has commits ${destination(spec)} does not: push them`
}

/**
 * Step `push`: commit the files kindling rendered under clusters/<name>/ (nothing else) and push
 * them to the spec's branch with the user's own Git credentials, so the engine reconciles what
 * this run wrote; the health gate then waits for that commit. Asks first on a terminal; --yes
 * agrees; --no-push leaves it to the user and prints the exact commands.
 */
export function pushStep(spec: ClusterSpec, options: StepOptions, ask: Confirm = askPerson): Step<PushState> {
  const { branch } = spec.repository
  return {
    name: 'push',
    title: `Commit and push ${spec.repository.path}/ to ${branch}`,
    needs: ['root-sync', ...(spec.repository.inCluster ? ['git-server'] : [])],
    async check(ctx): Promise<CheckResult<PushState>> {
      if (ctx.flags.noPush) return leaveToUser(ctx)
      const local = await readLocalState(ctx)
      // Named whatever the remote says.
      const leftOver = noteLeftovers(ctx, local)
      const state: PushState = { ...local, ...(await readRemoteState(ctx, local.local)) }
      if (state.uncommitted.length === 0 && state.onRemote && state.head)
        return { state: 'done', detail: `${spec.repository.path}/ is on ${branch} at ${shortSha(state.head)}${leftOver}`, found: state }
      const committed = state.uncommitted.length ? `committed ${state.uncommitted.length} rendered file(s) and ` : ''
      return { state: 'todo', detail: `${pushWork(spec, state)}${leftOver}`, did: `${committed}pushed to ${destination(spec)}`, found: state }
    },
    async plan(ctx, found): Promise<Action[]> {
      if (ctx.flags.noPush) return []
      // A dry run that could not read the remote still commits what the checkout holds; one that
      // could not read the checkout either shows the commands for every rendered file.
      const state = found ?? (await readLocalState(ctx).catch(async () => ({ uncommitted: (await renderedFiles(spec)).map((file) => file.path) })))
      // Said as it will happen: --yes pushes without a question, and off a terminal none can be asked.
      const confirm: Action = ctx.flags.yes
        ? { type: 'note', text: 'push without asking (--yes)' }
        : {
            type: 'call',
            description: options.interactive
              ? 'ask before pushing (--yes agrees)'
              : 'stop here: off a terminal nobody can agree to the push (pass --yes, or --no-push to push yourself)',
            run: async () => {
              const question = `Commit ${state.uncommitted.length} file(s) kindling rendered and push to ${destination(spec)}?`
              if (!options.interactive)
                throw new BadInputError(`bootstrap needs to push ${spec.repository.path}/ to ${destination(spec)}`, {
                  details: ['pass --yes to let it commit and push what it rendered, or --no-push to do it yourself'],
                })
              if (!(await ask(question)))
                throw new BadInputError('not pushed: the engine cannot apply what is not on the remote', {
                  details: ['run again and agree, or pass --no-push and push yourself'],
                })
            },
          }
      const commits = commitActions(spec, state)
      const push = spec.repository.inCluster ? inClusterPush(spec) : remotePush(spec)
      return [
        confirm,
        ...commits,
        push,
        { type: 'call', description: 'read the new head the engine will apply', run: async (inner) => void refreshHead(inner) },
      ]
    },
  }
}

/**
 * --no-push: say what is not on the remote and the exact commands, change nothing. A remote that
 * cannot be read in a dry run (a token not set) leaves the step unknown, with the commands; one
 * in a cluster the plan creates has nothing yet.
 */
async function leaveToUser(ctx: StepContext): Promise<CheckResult<PushState>> {
  const { spec } = ctx
  const local = await readLocalState(ctx).catch(() => undefined)
  if (!local) return { state: 'done', verdict: 'left to you', detail: '--no-push: not a Git checkout; push the rendered files yourself' }
  let remote: Pick<PushState, 'head' | 'onRemote'> | undefined
  let unreadable: unknown
  try {
    remote = await readRemoteState(ctx, local.local)
  } catch (error) {
    unreadable = error
  }
  const state: PushState = { ...local, onRemote: remote?.onRemote ?? false, head: remote?.head }
  const leftOver = noteLeftovers(ctx, state)
  const push = spec.repository.inCluster ? inClusterPushHowTo(spec) : [formatCommand(remotePushCommand(spec))]
  const commands = [...commitCommands(spec, state).map(formatCommand), ...push]
  const pending = state.uncommitted.length > 0 || !state.onRemote
  if (pending) {
    addSummary(ctx, `not pushed (--no-push); the engine reads ${destination(spec)}, so run:`)
    for (const line of commands) addSummary(ctx, `  ${line}`)
  }
  const uncommitted = `--no-push: ${state.uncommitted.length} rendered file(s) not committed`
  if (unreadable !== undefined && ctx.flags.dryRun)
    throw new KindlingError(`${uncommitted}; whether ${destination(spec)} has this checkout's commit is unknown: ${errorMessage(unreadable)}`, {
      details: ['push yourself:', ...commands.map((line) => `  ${line}`)],
    })
  const remoteWords = unreadable !== undefined ? `; ${destination(spec)} could not be read` : state.onRemote ? '' : ', this checkout not pushed'
  // A dry run prints no end-of-run summary: the commands go with the step.
  const oneLine = commands.map((line, index) => (index === commands.length - 1 ? line : line.endsWith('&') ? `${line} ` : `${line} && `)).join('')
  const how = pending && ctx.flags.dryRun ? `; push yourself: ${oneLine}` : ''
  return { state: 'done', verdict: 'left to you', detail: `${uncommitted}${remoteWords}${leftOver}${how}` }
}

/** This checkout's HEAD to the in-cluster server, through a port-forward open only for the push. */
function inClusterPush(spec: ClusterSpec): Action {
  return {
    type: 'call',
    description: `push to the in-cluster Git server through a port-forward (the server mirrors this checkout, so the push is forced): ${formatCommand({ ...inClusterPushCommand(spec, '<port>'), env: undefined })}`,
    run: async (ctx) => void (await withInClusterRemote(ctx, (port) => ctx.runner.run(inClusterPushCommand(ctx.spec, port), { signal: ctx.signal }))),
  }
}

/** This checkout's HEAD to the spec's remote; a rejected push says why in words a person can act on. */
function remotePush(spec: ClusterSpec): Action {
  const command = remotePushCommand(spec)
  return {
    type: 'call',
    description: `push to ${spec.repository.url} ${spec.repository.branch}: ${formatCommand(command)}`,
    run: async (ctx) => {
      try {
        await ctx.runner.run(command, { signal: ctx.signal })
      } catch (error) {
        if (error instanceof CommandError && /rejected|non-fast-forward|fetch first/.test(error.stderrTail)) {
          throw new KindlingError(`${ctx.spec.repository.branch} on ${ctx.spec.repository.url} has commits this checkout does not`, {
            cause: error,
            details: [`pull them first (git pull --rebase ${ctx.spec.repository.url} ${ctx.spec.repository.branch}), then run bootstrap again`],
          })
        }
        throw error
      }
    },
  }
}

/** After a push the branch head moved: the health gate waits for the new one. */
async function refreshHead(ctx: StepContext): Promise<string> {
  ctx.facts.remoteHead = undefined
  return remoteHead(ctx)
}
