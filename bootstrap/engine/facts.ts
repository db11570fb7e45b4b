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
  /** An engine already running on an adopted cluster, not from kindling's release (existing-cluster -> engine). */
  existingEngine?: EngineName
  /** When the health gate asked the engine to sync now; Flux echoes it once handled. */
  syncRequestedAt?: string
  /** Lines for the end-of-run summary: where things run, what to back up. */
  summary: string[]
  /** What `status` found, by part ("cluster", "gitops"), as data for `--json`. */
  status: Record<string, unknown>
}

/** Facts for a new run. */
export function newFacts(): RunFacts {
  return { summary: [], status: {} }
}
