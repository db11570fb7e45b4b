import { statSync } from 'node:fs'
import path from 'node:path'
import { kubeconfigsListed } from '../spec/defaults.js'
import { homeFolder } from '../state.js'
import type { Command, Runner } from './runner.js'

/** Labels kind puts on its node containers. */
export const KIND_CLUSTER_LABEL = 'io.x-k8s.kind.cluster'
export const KIND_ROLE_LABEL = 'io.x-k8s.kind.role'
/** The Docker network kind attaches every node to. */
export const KIND_NETWORK = 'kind'

function getClustersCommand(): Command {
  return { file: 'kind', args: ['get', 'clusters'], readOnly: true }
}

/**
 * `kind create cluster` with the config on stdin (no temporary file) and no waiting inside kind:
 * kindling watches the nodes become Ready itself.
 */
export function createClusterCommand(name: string, configYaml: string): Command {
  return { file: 'kind', args: ['create', 'cluster', '--name', name, '--config', '-', '--wait', '0s'], input: configYaml }
}

export function deleteClusterCommand(name: string): Command {
  return { file: 'kind', args: ['delete', 'cluster', '--name', name] }
}

/** Names of the kind clusters on this machine (`kind get clusters` prints one per line). */
export async function listKindClusters(runner: Runner, signal?: AbortSignal): Promise<string[]> {
  const { stdout } = await runner.run(getClustersCommand(), { signal })
  // With no clusters kind prints "No kind clusters found." (on stderr in current releases).
  return stdout
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('No kind clusters'))
}

/**
 * The container (and node) names kind gives a cluster's nodes: `<name>-control-plane`,
 * `<name>-control-plane2`, …, `<name>-worker`, `<name>-worker2`, …
 */
export function kindNodeNames(cluster: string, controlPlanes: number, workers: number): string[] {
  const numbered = (role: string, count: number): string[] => Array.from({ length: count }, (_, index) => `${cluster}-${role}${index === 0 ? '' : index + 1}`)
  return [...numbered('control-plane', controlPlanes), ...numbered('worker', workers)]
}

/** The kubeconfig files kind and helm consider: those $KUBECONFIG lists (empty and repeated ones dropped), else ~/.kube/config. */
export function kubeconfigPaths(env: NodeJS.ProcessEnv): string[] {
  const listed = kubeconfigsListed(env)
  return listed.length ? listed : [path.join(homeFolder(env), '.kube', 'config')]
}

/**
 * The kubeconfig `kind create cluster` writes the new context into, by kind's own rule: the only
 * file there is; of several, the first that exists (and is no folder), else the last.
 */
export function kubeconfigKindWrites(env: NodeJS.ProcessEnv): string {
  const files = kubeconfigPaths(env)
  const exists = (file: string): boolean => {
    try {
      return !statSync(file).isDirectory()
    } catch {
      return false
    }
  }
  return files.length === 1 ? files[0]! : (files.find(exists) ?? files.at(-1)!)
}
