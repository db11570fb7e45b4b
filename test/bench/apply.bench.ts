#!/usr/bin/env -S npx tsx
// Benchmark (not a test): prints figures, asserts nothing. Run with `npm run bench`.
//   1. cold build time of the control plane (recorded by build.sh; `-- --cold` builds into empty caches now)
//   2. control plane start-to-ready time (measured now)
//   3. apply of 200 objects by kindling's kube module vs `kubectl apply --server-side`, same server, as a ratio:
//      created, unchanged, and every one changed
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { stringify } from 'yaml'
import { KubeClient, type KubeObject } from '../../bootstrap/kube/client.js'
import { buildControlPlane, locateBinaries } from '../integration/harness/binaries.js'
import { startControlPlane } from '../integration/harness/control-plane.js'

const OBJECTS = 200
const ROUNDS = 3

function objects(namespace: string, payload = 'x'): KubeObject[] {
  return Array.from({ length: OBJECTS }, (_, i) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `bench-${i}`, namespace, labels: { bench: 'apply' } },
    data: { index: String(i), payload: payload.repeat(512) },
  }))
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

/** Seconds the cached build took, from the build-info file build.sh writes beside bin/. */
function recordedBuildSeconds(binDir: string): string | undefined {
  const info = path.join(binDir, '..', 'build-info')
  if (!existsSync(info)) return undefined
  return /^build_seconds=(\d+)$/m.exec(readFileSync(info, 'utf8'))?.[1]
}

if (process.argv.includes('--cold')) {
  // A real cold build: empty module and build caches in a temporary cache root.
  const root = mkdtempSync(path.join(os.tmpdir(), 'kindling-cold-build-'))
  try {
    const t = performance.now()
    // The control plane alone: build.sh would build Crossplane next, which the benchmark does not time.
    buildControlPlane({ ...process.env, KINDLING_CACHE: root, KINDLING_SKIP_CROSSPLANE: '1' })
    console.log(`cold build (empty caches, measured now): ${seconds(performance.now() - t)}`)
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
}
const binaries = locateBinaries((line) => console.error(line))
const recorded = recordedBuildSeconds(path.dirname(binaries['kube-apiserver']))
console.log(
  `cold build of the cached binaries (recorded by build.sh): ${recorded ? `${recorded} s` : 'not recorded (binaries came from PATH or KUBEBUILDER_ASSETS)'}; \`npm run bench -- --cold\` measures one now`,
)

const started = performance.now()
const plane = await startControlPlane({ binaries })
const readyMs = performance.now() - started
console.log(`control plane start-to-ready (/readyz ok and the kwok node Ready): ${seconds(readyMs)}  [${plane.version}]`)

// The kubectl built with the control plane when there is one: same version as the server.
const builtKubectl = path.join(path.dirname(binaries['kube-apiserver']), 'kubectl')
const kubectl = existsSync(builtKubectl) ? builtKubectl : binaries.kubectl
console.log(`kubectl: ${kubectl} (${execFileSync(kubectl, ['version', '--client'], { encoding: 'utf8' }).split('\n')[0]})`)
const work = mkdtempSync(path.join(os.tmpdir(), 'kindling-bench-'))
try {
  const kube = KubeClient.fromKubeconfig({ file: plane.kubeconfigFile, context: plane.context })
  const ours: number[] = []
  const theirs: number[] = []
  const oursNoop: number[] = []
  const theirsNoop: number[] = []
  const oursChanged: number[] = []
  const theirsChanged: number[] = []
  for (let round = 0; round < ROUNDS; round++) {
    for (const who of ['kindling', 'kubectl'] as const) {
      const ns = `bench-${who}-${round}`
      await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } })
      const run = async (set: KubeObject[]): Promise<number> => {
        const file = path.join(work, `${ns}.yaml`)
        writeFileSync(file, set.map((o) => stringify(o)).join('---\n'))
        const t = performance.now()
        if (who === 'kindling') await kube.applyAll(set)
        else execFileSync(kubectl, ['--kubeconfig', plane.kubeconfigFile, 'apply', '--server-side', '--field-manager=bench', '-f', file], { stdio: 'ignore' })
        return performance.now() - t
      }
      ;(who === 'kindling' ? ours : theirs).push(await run(objects(ns)))
      ;(who === 'kindling' ? oursNoop : theirsNoop).push(await run(objects(ns)))
      ;(who === 'kindling' ? oursChanged : theirsChanged).push(await run(objects(ns, 'y')))
    }
  }
  const [a, b, c, d, e, f] = [median(ours), median(theirs), median(oursNoop), median(theirsNoop), median(oursChanged), median(theirsChanged)]
  console.log(
    `apply ${OBJECTS} ConfigMaps, first time (median of ${ROUNDS}): kindling ${seconds(a)}, kubectl --server-side ${seconds(b)}, ratio kubectl/kindling ${(b / a).toFixed(2)}x`,
  )
  console.log(
    `apply ${OBJECTS} ConfigMaps, unchanged   (median of ${ROUNDS}): kindling ${seconds(c)}, kubectl --server-side ${seconds(d)}, ratio kubectl/kindling ${(d / c).toFixed(2)}x`,
  )
  console.log(
    `apply ${OBJECTS} ConfigMaps, all changed (median of ${ROUNDS}): kindling ${seconds(e)}, kubectl --server-side ${seconds(f)}, ratio kubectl/kindling ${(f / e).toFixed(2)}x`,
  )
} finally {
  await plane.stop()
  rmSync(work, { recursive: true, force: true })
}
