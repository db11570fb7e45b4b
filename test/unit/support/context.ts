import { fileURLToPath } from 'node:url'
import { newFacts } from '../../../bootstrap/engine/facts.js'
import type { RunFlags, StepContext } from '../../../bootstrap/engine/step.js'
import type { KubeClient } from '../../../bootstrap/kube/client.js'
import { parseClusterSpec, type ClusterSpec } from '../../../bootstrap/spec/load.js'
import { platformFetch } from '../../../bootstrap/tools/git-host.js'
import { RecordingRunner } from '../../../bootstrap/tools/recording-runner.js'
import type { Runner } from '../../../bootstrap/tools/runner.js'
import { Redactor } from '../../../bootstrap/tools/secrets.js'

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url))

/** A minimal valid spec text; `extra` is appended under `spec:` after provider/gitops/repository. */
export function specText(options: { provider?: string; gitops?: string; repository?: string; name?: string; extra?: string } = {}): string {
  return `apiVersion: kindling.dev/v1alpha1
kind: Cluster
metadata:
  name: ${options.name ?? 'lab'}
spec:
  provider:
${indent(options.provider ?? 'type: kind', 4)}
  gitops:
${indent(options.gitops ?? 'engine: flux', 4)}
  repository:
${indent(options.repository ?? 'url: https://example.com/lab.git', 4)}
${options.extra ? `${indent(options.extra, 2)}\n` : ''}`
}

function indent(text: string, spaces: number): string {
  return text
    .split('\n')
    .map((line) => ' '.repeat(spaces) + line)
    .join('\n')
}

export function testSpec(text = specText(), name = 'lab'): ClusterSpec {
  return parseClusterSpec(text, `/repo/clusters/${name}/cluster.yaml`, '/repo', name)
}

/** A StepContext over a fake Runner (or the one given) and, optionally, a real KubeClient. */
export function testContext(
  overrides: { spec?: ClusterSpec; runner?: Runner; kube?: KubeClient; flags?: Partial<RunFlags>; signal?: AbortSignal; env?: NodeJS.ProcessEnv } = {},
): StepContext & { lines: string[] } {
  const lines: string[] = []
  return {
    spec: overrides.spec ?? testSpec(),
    runner: overrides.runner ?? new RecordingRunner(),
    kube: async () => {
      if (!overrides.kube) throw new Error('no cluster in this test')
      return overrides.kube
    },
    log: (line) => lines.push(line),
    signal: overrides.signal ?? new AbortController().signal,
    secrets: new Redactor(),
    flags: { dryRun: false, yes: false, recreate: false, purge: false, verbose: false, ...overrides.flags },
    facts: newFacts(),
    env: overrides.env ?? process.env,
    fetch: platformFetch,
    lines,
  }
}
