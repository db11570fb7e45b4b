// What the push step will run and say, from what it found: the commit and push commands as a
// person would type them, and the words for where the push goes and what is left to do. Pure:
// nothing here reads the checkout or the remote (push-state.ts does); the step in push.ts asks,
// and its apply runs these actions.

import { notYet, type GitServerChange } from '../../engine/facts.js'
import type { Action } from '../../engine/step.js'
import type { ClusterSpec } from '../../spec/load.js'
import { formatCommand, type Command } from '../../tools/runner.js'
import { shortSha } from './repo.js'

/** What the push step found: the rendered files not yet committed, and whether the remote has this checkout's commit. */
export interface PushState {
  files: string[]
  uncommitted: string[]
  local?: string
  /** Undefined: the in-cluster server has nothing on the branch yet. */
  head?: string
  onRemote: boolean
  /** A dry run's in-cluster server that an earlier step creates or updates first, named as the plan does: "step 2 (git-server)". */
  serverChange?: GitServerChange
  /** Files (or whole folders) kindling rendered for an earlier spec that nothing lists now. */
  leftOver: string[]
}

/** A git command run in the repository root. */
export function git(spec: ClusterSpec, args: string[], extra: Partial<Command> = {}): Command {
  return { file: 'git', args: ['-C', spec.repoRoot, ...args], ...extra }
}

/** The commands that commit exactly what kindling rendered, as a person would type them. */
export function commitCommands(spec: ClusterSpec, state: Pick<PushState, 'uncommitted'>): Command[] {
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
export function commitActions(spec: ClusterSpec, state: Pick<PushState, 'uncommitted'>): Action[] {
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
export function remotePushCommand(spec: ClusterSpec): Command {
  // The user's credentials may ask (a password, a key's passphrase): it runs where the terminal is.
  return git(spec, ['push', '--quiet', spec.repository.url, `HEAD:refs/heads/${spec.repository.branch}`], { timeoutMs: 120_000, foreground: true })
}

/** Where the push goes, in words. */
export function destination(spec: ClusterSpec): string {
  return spec.repository.inCluster ? `the in-cluster Git server (${spec.repository.branch})` : `${spec.repository.url} ${spec.repository.branch}`
}

/** What the push still has to do, in words: a server not made yet (a dry run's) holds nothing to compare with. */
export function pushWork(spec: ClusterSpec, state: PushState): string {
  const change = state.serverChange
  const changedFirst = change ? `, which ${change.step} ${change.verb} first` : ''
  if (state.uncommitted.length) return `${state.uncommitted.length} rendered file(s) to commit, then push to ${destination(spec)}${changedFirst}`
  if (change) return `${destination(spec)} is ${notYet(change)} yet: ${change.step} ${change.verb} it, then this checkout is pushed to it`
  if (state.head === undefined) return `${destination(spec)} holds nothing yet: push this checkout to it`
  // The in-cluster server mirrors this checkout, so any other commit there is replaced.
  if (spec.repository.inCluster && state.local)
    return `${destination(spec)} is at ${shortSha(state.head)}, this checkout at ${shortSha(state.local)}: push it there`
  return `this checkout has commits ${destination(spec)} does not: push them`
}
