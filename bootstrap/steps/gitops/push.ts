import { BadInputError, DeclinedError, errorMessage, KindlingError } from '../../engine/errors.js'
import type { Action, CheckResult, Step, StepContext } from '../../engine/step.js'
import { CommandError, formatCommand } from '../../tools/runner.js'
import { confirm as askPerson, type Confirm } from '../../ui/prompts.js'
import type { StepOptions } from '../index.js'
import { addSummary } from '../summary.js'
import { inClusterPushCommand, inClusterPushHowTo, withInClusterRemote } from './git-server.js'
import { commitActions, commitCommands, destination, pushWork, remotePushCommand, type PushState } from './push-plan.js'
import { readLocalState, readRemoteState, renderedFiles } from './push-state.js'
import { remoteHead, shortSha } from './repo.js'
import type { ClusterSpec } from '../../spec/load.js'

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
              : `stop here: ${options.unasked ?? 'off a terminal'} nobody can agree to the push (pass --yes, or --no-push to push yourself)`,
            run: async (inner) => {
              const question = `Commit ${state.uncommitted.length} file(s) kindling rendered and push to ${destination(spec)}?`
              if (!options.interactive)
                throw new BadInputError(`bootstrap needs to push ${spec.repository.path}/ to ${destination(spec)}`, {
                  details: ['pass --yes to let it commit and push what it rendered, or --no-push to do it yourself'],
                })
              if (!(await ask(question, inner.signal)))
                throw new DeclinedError('not pushed: the engine cannot apply what is not on the remote', {
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
