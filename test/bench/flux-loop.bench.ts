#!/usr/bin/env -S npx tsx
// Benchmark (not a test): prints figures, asserts nothing. Run with `npx tsx test/bench/flux-loop.bench.ts`.
// Through the real Flux loop (source-controller and kustomize-controller as local processes, a Git
// server on loopback; see test/integration/harness/flux-loop.ts):
//   1. makespan of a full bootstrap (kindling's GitOps steps, `cluster` and `engine` stood in for)
//   2. push-to-applied with the reconcile request kindling's health gate makes
//   3. push-to-applied without it (Flux notices at its next poll: the GitRepository interval is 1m)
//   4. the makespan against the critical path of the bootstrap's own step durations, and a no-op re-run
import { criticalPathMs } from '../../bootstrap/engine/run.js'
import { KubeClient } from '../../bootstrap/kube/client.js'
import { startControlPlane } from '../integration/harness/control-plane.js'
import { demoFiles, startFluxLoop } from '../integration/harness/flux-loop.js'

const ROUNDS = 3
const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

const plane = await startControlPlane()
const kube = KubeClient.fromKubeconfig({ file: plane.kubeconfigFile, context: plane.context })
const loop = await startFluxLoop({
  kube,
  kubeconfigFile: plane.kubeconfigFile,
  context: plane.context,
  setEnv: (key, value) => (process.env[key] = value),
  log: (line) => console.error(line),
})
try {
  console.log(
    `Flux source-controller ${loop.flux.versions['source-controller']}, kustomize-controller ${loop.flux.versions['kustomize-controller']}; kube-apiserver ${plane.version}`,
  )
  let started = performance.now()
  const report = await loop.bootstrap()
  const failed = report.steps.find((step) => step.error)
  if (failed) throw new Error(`bootstrap failed at ${failed.name}: ${String(failed.error)}`)
  console.log(`full bootstrap through the real loop (remote head applied, Ready): ${seconds(performance.now() - started)}`)
  const critical = criticalPathMs(loop.steps(), report)
  console.log(
    `makespan ${seconds(report.totalMs)} against the critical path of its own steps ${seconds(critical)}: ratio ${(report.totalMs / critical).toFixed(3)}`,
  )
  started = performance.now()
  const again = await loop.bootstrap()
  if (!again.ok) throw new Error('the no-op re-run failed')
  console.log(`no-op re-run of the converged loop: ${seconds(performance.now() - started)} (every step up to date)`)

  const requested: number[] = []
  for (let round = 0; round < ROUNDS; round++) {
    loop.writeAll(demoFiles(`requested ${round}`))
    started = performance.now()
    await loop.syncTo(await loop.checkout.commitAndPush(`change ${round}`))
    requested.push(performance.now() - started)
  }
  console.log(`push-to-applied with the reconcile request: median ${seconds(median(requested))} of ${ROUNDS} (${requested.map(seconds).join(', ')})`)

  // One round only: each waits for the GitRepository's next 1m poll.
  loop.writeAll(demoFiles('polled'))
  started = performance.now()
  await loop.waitApplied(await loop.checkout.commitAndPush('change, not requested'), 180_000)
  const polled = performance.now() - started
  console.log(`push-to-applied without it (next poll, interval 1m): ${seconds(polled)}; ratio ${(polled / median(requested)).toFixed(0)}x`)
} finally {
  await loop.stop()
  await plane.stop()
}
