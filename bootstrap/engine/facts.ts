import type { EngineName } from '../spec/load.js'

/**
 * Facts one step learns and a later step needs, in one typed object per run (instead of a
 * string-keyed map read with casts). Each field says who writes it and who reads it.
 */
export interface RunFacts {
  /** The branch head on the remote, asked once per run (repo.ts); the health gate waits for it. */
  remoteHead?: Promise<string>
  /**
   * The cluster a run creates (or re-creates) in its cluster step (kind-cluster -> the command's
   * kube connection): a dry run knows that whatever lives in it is all still to do.
   */
  clusterToCreate?: string
  /**
   * The step that creates or updates the in-cluster Git server in this run, as a plan names it:
   * "step 2 (git-server)", and which of the two (git-server -> the steps that read the server:
   * push, health gate).
   */
  gitServerChange?: GitServerChange
  /** The run's steps in the order its plan numbers them (runSteps -> a step naming an earlier one). */
  order?: readonly string[]
  /** An engine already running on an adopted cluster, not from kindling's release (existing-cluster -> engine). */
  existingEngine?: EngineName
  /** When the health gate asked the engine to sync now; Flux echoes it once handled. */
  syncRequestedAt?: string
  /** Lines for the end-of-run summary: where things run, what to back up. */
  summary: string[]
  /** What `status` found, by part ("cluster", "gitops"), as data for `--json`. */
  status: Record<string, unknown>
}

/** How a plan names one of its steps: "step 2 (git-server)", or "step git-server" outside a run. */
export function stepLabel(facts: RunFacts, name: string): string {
  const index = facts.order?.indexOf(name) ?? -1
  return index >= 0 ? `step ${index + 1} (${name})` : `step ${name}`
}

/** Facts for a new run. */
export function newFacts(): RunFacts {
  return { summary: [], status: {} }
}

/** The in-cluster Git server an earlier step of a dry run's plan creates, or updates (a server not ready may be fixed by it). */
export interface GitServerChange {
  step: string
  verb: 'creates' | 'updates'
}

/** How a server an earlier step changes is now: not there (it creates it), or not ready (it updates it). */
export function notYet(change: GitServerChange): string {
  return change.verb === 'creates' ? 'not there' : 'not ready'
}
