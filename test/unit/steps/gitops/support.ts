import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Step } from '../../../../bootstrap/engine/step.js'
import { parseClusterSpec, type ClusterSpec } from '../../../../bootstrap/spec/load.js'
import { ALL_CLOUDS } from '../../components/support.js'
import { specText } from '../../support/context.js'

/** A stand-in for the provider's `cluster` step, which the GitOps steps need. */
export const clusterStub: Step = { name: 'cluster', title: 'Cluster', needs: [], check: async () => ({ state: 'done' }), plan: () => [] }

const dirs: string[] = []

/** A throwaway repository holding one cluster spec; the age key goes to a separate throwaway home. */
export function tempRepo(name: string, spec: string): { root: string; home: string; spec: ClusterSpec } {
  const root = mkdtempSync(path.join(os.tmpdir(), 'kindling-gitops-'))
  const home = mkdtempSync(path.join(os.tmpdir(), 'kindling-home-'))
  dirs.push(root, home)
  mkdirSync(path.join(root, 'clusters', name), { recursive: true })
  const text = spec.replace('AGE_KEY_FILE', path.join(home, 'age', `${name}.agekey`))
  const file = path.join(root, 'clusters', name, 'cluster.yaml')
  writeFileSync(file, text)
  return { root, home, spec: parseClusterSpec(text, file, root, name) }
}

export function removeTempDirs(): void {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
}

export function specYaml(name: string, gitops: string, repository: string, sops = true, components = true): string {
  const off = components ? '' : 'components:\n  crossplane:\n    enabled: false\n  monitoring:\n    enabled: false\n  apps:\n    enabled: false\n'
  return specText({ name, gitops, repository, extra: `${off}secrets:\n  sops:\n    enabled: ${sops}\n    ageKeyFile: AGE_KEY_FILE` })
}

/** Every Crossplane cloud turned on, so golden files show each provider and its config. */
const CLOUDS = `components:\n  crossplane:\n${ALL_CLOUDS.split('\n')
  .map((line) => `    ${line}`)
  .join('\n')}\n`

/** A spec for golden files: fixed paths so the output never depends on the machine. */
export function goldenSpec(engine: 'flux' | 'argocd', options: { auth?: string; url?: string; sops?: boolean; clouds?: boolean } = {}): ClusterSpec {
  const auth = (options.auth ?? 'type: none')
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n')
  const text = specText({
    gitops: `engine: ${engine}`,
    repository: `url: ${options.url ?? 'https://github.com/example/lab.git'}\nauth:\n${auth}`,
    extra: `${options.clouds ? CLOUDS : ''}secrets:\n  sops:\n    enabled: ${options.sops ?? true}\n    ageKeyFile: /keys/lab.agekey`,
  })
  return parseClusterSpec(text, '/repo/clusters/lab/cluster.yaml', '/repo', 'lab')
}
