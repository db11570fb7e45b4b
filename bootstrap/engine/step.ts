import type { KubeClient, KubeObject, PlanEntry } from '../kube/client.js'
import type { ClusterSpec } from '../spec/load.js'
import type { Command, Runner } from '../tools/runner.js'
import type { Redactor } from '../tools/secrets.js'

/** What a step's check found: its work is already done, or still to do (with why). */
export interface CheckResult {
  state: 'done' | 'todo'
  /** One line for the user: "cluster homelab exists with the same config". */
  detail?: string
}

/** One unit of planned work; a dry run prints it, a real run executes it. */
export type Action =
  | { type: 'run'; command: Command; description?: string }
  | { type: 'apply'; objects: KubeObject[]; description?: string; preview?: PlanEntry[] }
  | { type: 'write-file'; path: string; content: string; mode?: number; description?: string }
  | { type: 'call'; description: string; run: (ctx: StepContext) => Promise<void> }
  | { type: 'note'; text: string }

/** Options from the command line that steps may consult; steps never prompt. */
export interface RunFlags {
  dryRun: boolean
  yes: boolean
  recreate: boolean
  purge: boolean
  verbose: boolean
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
  /** Values one step hands to a later one (e.g. the commit the health gate waits for). */
  shared: Map<string, unknown>
}

/** A step of a run: `check` asks the live system, `plan` says what to do, `apply` does it, `verify` proves it. */
export interface Step {
  name: string
  title: string
  needs: readonly string[]
  check(ctx: StepContext): Promise<CheckResult>
  plan(ctx: StepContext): Promise<Action[]> | Action[]
  /** Defaults to executing the planned actions in order. */
  apply?(ctx: StepContext, actions: Action[]): Promise<void>
  /** Health: runs after apply, and also when check says done. */
  verify?(ctx: StepContext): Promise<void>
}
