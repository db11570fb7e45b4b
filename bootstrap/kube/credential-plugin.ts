// A kubeconfig credential plugin (`exec:`) held to a deadline, in a process group of its own. The
// API client waits for a plugin with no limit: one that hangs (a login waiting for a browser nobody
// sees, a network call that never returns) would hold status and bootstrap past --timeout, and
// would outlive kindling.

import type * as k8s from '@kubernetes/client-node'
import { spawnBounded } from '../tools/exec-runner.js'

/** How long a credential plugin may take to print its credential: a login in a browser takes a while. */
export const PLUGIN_TIMEOUT_MS = 2 * 60_000

/** What became of the plugins a kubeconfig ran: the deadline one of them was stopped at, if any. */
export interface PluginRuns {
  stoppedAfterMs?: number
}

type Spawn = (command: string, args: readonly string[], options: Parameters<typeof spawnBounded>[2]) => ReturnType<typeof spawnBounded>

/**
 * Make the API client's exec authenticator of `config` start each plugin as the Runner starts a
 * command: leading a process group of its own (stopped with whatever it started, also when kindling
 * exits) and stopped at `timeoutMs`. The client keeps its authenticators to itself, so the one with
 * an `execFn` is found by that field.
 */
export function boundCredentialPlugins(config: k8s.KubeConfig, timeoutMs: number): PluginRuns {
  const runs: PluginRuns = {}
  const authenticators = (config as unknown as { authenticators?: { execFn?: Spawn }[] }).authenticators ?? []
  const exec = authenticators.find((entry) => typeof entry.execFn === 'function')
  if (!exec) return runs
  exec.execFn = (command, args, options) =>
    spawnBounded(command, args, options, timeoutMs, () => {
      runs.stoppedAfterMs = timeoutMs
    })
  return runs
}
