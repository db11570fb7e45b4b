import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import { BadInputError, NotCreatedYetError, PrerequisiteError } from '../../engine/errors.js'
import { notYet, stepLabel, type GitServerChange } from '../../engine/facts.js'
import type { Action, CheckResult, Step, StepContext, Wait } from '../../engine/step.js'
import { deploymentAvailable } from '../../kube/conditions.js'
import { kubePortForward, NoReadyPodError, withTunnel } from '../../kube/tunnel.js'
import { IN_CLUSTER_GIT, renderGitServer } from '../../render/git-server.js'
import { DEFAULTS } from '../../spec/defaults.js'
import type { ClusterSpec } from '../../spec/load.js'
import { readFileIfExists } from '../../tools/files.js'
import { kubectlFor } from '../connect.js'
import { gitServerKeyFile } from '../spec-files.js'
import { gitSaid, lsRemoteCommand, parseLsRemote, sshCommand, sshKeygenCommand, type GitAccess } from '../../tools/git.js'
import { CommandError, formatCommand, type Command } from '../../tools/runner.js'
import { assertNotForeign } from '../ownership.js'
import { describeApplied, formatRef, refOf } from '../../kube/refs.js'
import { addSummary } from '../summary.js'

/** How git on this machine reaches the in-cluster server, once a tunnel listens on `port`. */
function inClusterRemote(spec: ClusterSpec, port: number | string): { url: string; access: Extract<GitAccess, { type: 'ssh' }> } {
  return {
    url: `ssh://git@127.0.0.1:${port}/${IN_CLUSTER_GIT.repository}.git`,
    access: { type: 'ssh', privateKeyFile: gitServerKeyFile(spec), throughTunnel: true },
  }
}

/**
 * Run `use` with a port-forward open from a local port to the Git server's SSH port; closed
 * afterwards. In a dry run whose git-server step (re)creates the server, a server not running yet
 * is what that plan expects, not a failure to look: what needs it is still to do.
 */
export async function withInClusterRemote<T>(ctx: StepContext, use: (port: number) => Promise<T>): Promise<T> {
  const kube = await ctx.kube()
  const connect = ctx.connectPod ?? kubePortForward(kube)
  const where = { namespace: IN_CLUSTER_GIT.namespace, selector: IN_CLUSTER_GIT.selector, port: IN_CLUSTER_GIT.sshPort }
  try {
    return await withTunnel(kube, where, connect, ctx.signal, use)
  } catch (error) {
    const change = ctx.facts.gitServerChange
    if (ctx.flags.dryRun && change && error instanceof NoReadyPodError) throw new GitServerNotCreatedError(change)
    throw error
  }
}

/**
 * A dry run read the in-cluster Git server that an earlier step of its plan creates (it holds
 * nothing yet) or updates (its pod is not ready now; the update may be what fixes it).
 */
export class GitServerNotCreatedError extends NotCreatedYetError {
  constructor(readonly change: GitServerChange) {
    super(`the in-cluster Git server is ${notYet(change)} yet: ${change.step} ${change.verb} it first`)
  }
}

/**
 * The branch head on the in-cluster server, or undefined when nothing was pushed there yet.
 * Read over SSH through a port-forward: the engine's own HTTP port is only reachable in the cluster.
 */
export async function inClusterHead(ctx: StepContext): Promise<string | undefined> {
  const { branch } = ctx.spec.repository
  // Only git's own failure means the server cannot be read; failing to reach the cluster says so itself.
  const lsRemote = (port: number): ReturnType<StepContext['runner']['run']> => {
    const { url, access } = inClusterRemote(ctx.spec, port)
    return ctx.runner.run(lsRemoteCommand(url, branch, access), { signal: ctx.signal }).catch((cause: unknown) => {
      if (!(cause instanceof CommandError)) throw cause
      throw new PrerequisiteError('cannot read the in-cluster Git server', {
        cause,
        details: [
          `check it runs: kubectl -n ${IN_CLUSTER_GIT.namespace} get pods -l ${IN_CLUSTER_GIT.selector}; run bootstrap to (re)create it`,
          ...gitSaid(cause),
        ],
      })
    })
  }
  const result = await withInClusterRemote(ctx, lsRemote)
  return result.stdout.trim() ? parseLsRemote(result.stdout, branch) : undefined
}

/** `git push --force` of this checkout's HEAD through a tunnel on `port`: the server mirrors this checkout. */
function forcedPush(spec: ClusterSpec, port: number | string, quiet: boolean): Command {
  const { url, access } = inClusterRemote(spec, port)
  return {
    file: 'git',
    args: ['-C', spec.repoRoot, 'push', ...(quiet ? ['--quiet'] : []), '--force', url, `HEAD:refs/heads/${spec.repository.branch}`],
    env: { GIT_SSH_COMMAND: sshCommand(access) },
  }
}

/** The push kindling runs to the in-cluster server, never asking on a terminal. */
export function inClusterPushCommand(spec: ClusterSpec, port: number | string): Command {
  const push = forcedPush(spec, port, true)
  return { ...push, env: { ...push.env, GIT_TERMINAL_PROMPT: '0' }, timeoutMs: 120_000 }
}

/** What a person types to push without kindling (--no-push): a port-forward, then the push. */
export function inClusterPushHowTo(spec: ClusterSpec): string[] {
  // Quoted as a shell reads it, so a home or checkout path with spaces or quotes pastes as it is.
  return [`${kubectlFor(spec, IN_CLUSTER_GIT.namespace)} port-forward svc/${IN_CLUSTER_GIT.name} 2222:22 &`, formatCommand(forcedPush(spec, 2222, false))]
}

async function publicKey(spec: ClusterSpec): Promise<string | undefined> {
  return (await readFileIfExists(`${gitServerKeyFile(spec)}.pub`))?.trim()
}

async function checkGitServer(ctx: StepContext): Promise<CheckResult> {
  const key = await publicKey(ctx.spec)
  // Until this step is applied, the steps that read the server may not find it: a dry run says why.
  const toDo = <T extends CheckResult>(result: T, verb: GitServerChange['verb'] = 'creates'): T => {
    ctx.facts.gitServerChange = { step: stepLabel(ctx.facts, 'git-server'), verb }
    return result
  }
  if (!key)
    return toDo({
      state: 'todo',
      detail: `no push key at ${gitServerKeyFile(ctx.spec)}: one will be generated`,
      did: `generated the push key ${gitServerKeyFile(ctx.spec)} and started the Git server in ${IN_CLUSTER_GIT.namespace}`,
    })
  const kube = await ctx.kube()
  const objects = renderGitServer(key)
  await assertNotForeign(kube, objects.filter((object) => object.kind !== 'Namespace').map(refOf), ctx.spec.name)
  const pending = (await kube.planApply(objects)).filter((entry) => entry.state !== 'up to date')
  if (pending.length) {
    // The server is there once its Deployment is; anything else pending only updates it.
    const server = objects.filter((object) => object.kind === 'Deployment').map((object) => formatRef(object))
    const creates = pending.some((entry) => entry.state === 'create' && server.includes(entry.ref))
    const detail = pending.map((entry) => `${entry.ref}: ${entry.state}`).join(', ')
    return toDo({ state: 'todo', detail, did: describeApplied(pending) }, creates ? 'creates' : 'updates')
  }
  return { state: 'done', detail: `${IN_CLUSTER_GIT.namespace}/${IN_CLUSTER_GIT.name} serves ${IN_CLUSTER_GIT.url}` }
}

async function planGitServer(ctx: StepContext): Promise<Action[]> {
  const { spec } = ctx
  const file = gitServerKeyFile(spec)
  const key = await publicKey(spec)
  const description = `Soft Serve (${DEFAULTS.gitServer.image}) in ${IN_CLUSTER_GIT.namespace}, serving ${IN_CLUSTER_GIT.url} to the engine`
  if (key) return [{ type: 'apply', objects: renderGitServer(key), description }]
  return [
    {
      type: 'call',
      description: `create ${path.dirname(file)} (mode 700)`,
      run: async () => void (await mkdir(path.dirname(file), { recursive: true, mode: 0o700 })),
    },
    {
      type: 'run',
      command: sshKeygenCommand(file, `kindling-${spec.name}-git-server`),
      description: 'generate the ed25519 key that alone may push to the in-cluster Git server',
    },
    {
      type: 'call',
      description,
      run: async (inner) => {
        const generated = await publicKey(inner.spec)
        if (!generated) throw new BadInputError(`${file}.pub is missing`)
        for (const result of await (await inner.kube()).applyAll(renderGitServer(generated), { signal: inner.signal }))
          inner.log(`${result.ref}: ${result.outcome}`)
      },
    },
  ]
}

/**
 * Step `git-server` (only when the spec names no remote): run Soft Serve in the cluster with a
 * volume, the one repository the engine reads, and kindling's key as its only writer.
 */
export function gitServerStep(_spec: ClusterSpec, timeoutMs = 5 * 60_000): Step {
  return {
    name: 'git-server',
    title: 'Run a Git server in the cluster (the spec names no remote)',
    needs: ['cluster'],
    check: checkGitServer,
    plan: planGitServer,
    verify: async (ctx) => {
      addSummary(
        ctx,
        `Git: the engine reads ${IN_CLUSTER_GIT.url} (a Git server in the cluster); bootstrap pushes this checkout there with ${gitServerKeyFile(ctx.spec)}`,
      )
      addSummary(
        ctx,
        `  to move to your own remote: set repository.url in ${path.relative(process.cwd(), ctx.spec.file) || ctx.spec.file} and run bootstrap again`,
      )
    },
    waits: (): Wait[] => [
      {
        ref: { apiVersion: 'apps/v1', kind: 'Deployment', name: IN_CLUSTER_GIT.name, namespace: IN_CLUSTER_GIT.namespace },
        condition: deploymentAvailable,
        timeoutMs,
      },
    ],
  }
}
