import type { KubeClient, KubeObject, ObjectRef, PlanEntry } from '../kube/client.js'
import type { Condition } from '../kube/conditions.js'
import type { ClusterSpec } from '../spec/load.js'
import type { FetchLike } from '../tools/git-host.js'
import type { Command, Runner } from '../tools/runner.js'
import type { Redactor } from '../tools/secrets.js'
import type { PodConnector } from '../kube/tunnel.js'
import type { RunFacts } from './facts.js'

/** What a step's check found: its work is already done, or still to do (with why), and what it saw. */
export interface CheckResult<Found = undefined> {
  state: 'done' | 'todo'
  /** One line for the user: "cluster homelab exists with the same config". */
  detail?: string
  /**
   * Said instead of "up to date" when the step had no work in the first place, rather than work
   * an earlier run did: "passed" (a check), "nothing to delete", "not needed". A re-run did not
   * skip such a step, so it is not listed as already done.
   */
  verdict?: string
  /**
   * For work to do: what a real run says once it is applied, in the past tense ("created 5
   * registry containers"). What check found missing is no longer true then, so it is not repeated.
   */
  did?: string
  /** What check learned from the live system, handed to `plan` so it need not ask again. */
  found?: Found
}

/**
 * Something to watch until it holds: one object and a condition, with a deadline. Plans and
 * steps declare waits as data, so a dry run can print what a real run would wait for.
 */
export interface Wait {
  ref: ObjectRef
  condition: Condition
  timeoutMs: number
  /**
   * On failure or timeout: more lines for the error (failing children, events). Best-effort: its
   * requests are cancelled by `signal` when its few seconds are up.
   */
  explain?: (kube: KubeClient, signal?: AbortSignal) => Promise<string[]>
}

/** One unit of planned work; a dry run prints it, a real run executes it. */
export type Action =
  | { type: 'run'; command: Command; description?: string }
  | { type: 'apply'; objects: KubeObject[]; description?: string; preview?: PlanEntry[] }
  | { type: 'write-file'; path: string; content: string; mode?: number; description?: string }
  | { type: 'wait'; wait: Wait }
  | { type: 'call'; description: string; run: (ctx: StepContext) => Promise<void> }
  | { type: 'note'; text: string }

/** Options from the command line that steps may consult; steps never prompt. */
export interface RunFlags {
  dryRun: boolean
  yes: boolean
  recreate: boolean
  purge: boolean
  verbose: boolean
  /** bootstrap: leave committing and pushing the rendered files to the user. */
  noPush?: boolean
}

/** Everything a step may use, passed in explicitly: no globals. */
export interface StepContext {
  spec: ClusterSpec
  runner: Runner
  /** API access to the cluster the spec names; connects on first use. */
  kube: () => Promise<KubeClient>
  log: (line: string) => void
  signal: AbortSignal
  secrets: Redactor
  flags: RunFlags
  /** What one step learns that a later one needs (e.g. the commit the health gate waits for), typed. */
  facts: RunFacts
  /** The environment the spec's variables are read from (tokens, passwords); tests hand in their own. */
  env: NodeJS.ProcessEnv
  /** How steps reach a Git host's API (registering a deploy key); tests hand in their own. */
  fetch: FetchLike
  /** How a local connection reaches a pod's port; defaults to the API server's port-forward. */
  connectPod?: PodConnector
  /**
   * With --timeout: when waits give up (ms since the epoch), a little before the run's deadline, so
   * a wait that runs out still asks the API what was not ready instead of being cut off by the stop.
   */
  waitsEndBy?: number
}

/**
 * A step of a run: `check` asks the live system and returns what it found, `plan` turns that into
 * actions, `apply` does them, `waits` and `verify` prove the result.
 */
export interface Step<Found = unknown> {
  name: string
  title: string
  needs: readonly string[]
  check(ctx: StepContext): Promise<CheckResult<Found>>
  plan(ctx: StepContext, found?: Found): Promise<Action[]> | Action[]
  /** Defaults to executing the planned actions in order. */
  apply?(ctx: StepContext, actions: Action[]): Promise<void>
  /** Health, as data: watched in order after apply (and when check says done); a dry run lists them. */
  waits?(ctx: StepContext): Wait[] | Promise<Wait[]>
  /**
   * Health that is not a plain wait: runs after `waits`. It may return the state it proved, shown
   * instead of what check found to do (a gate that waited reports what is ready, not what was not).
   */
  verify?(ctx: StepContext, found?: Found): Promise<string | void>
}
