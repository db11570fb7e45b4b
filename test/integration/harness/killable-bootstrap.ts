/**
 * A bootstrap of the Flux loop in a process of its own, for the test to kill outright (SIGKILL) at
 * one point of the run: it prints `STOPPED-AT <step> <phase>` when it gets there and freezes (its
 * thread blocked, nothing more sent), so the kill lands exactly at that boundary. Run with tsx:
 *
 *   node --import tsx killable-bootstrap.ts '{"repoRoot":…,"cluster":…,"kubeconfigFile":…,"context":…,"step":…,"phase":…}'
 *
 * One process (not the tsx command, whose child a SIGKILL of tsx would leave running).
 */
import { writeSync } from 'node:fs'
import { newFacts } from '../../../bootstrap/engine/facts.js'
import { runSteps } from '../../../bootstrap/engine/run.js'
import { KubeClient } from '../../../bootstrap/kube/client.js'
import { loadClusterSpec } from '../../../bootstrap/spec/load.js'
import { ExecRunner } from '../../../bootstrap/tools/exec-runner.js'
import { Redactor } from '../../../bootstrap/tools/secrets.js'
import { loopSteps } from './flux-loop.js'

const options = JSON.parse(process.argv[2]!) as { repoRoot: string; cluster: string; kubeconfigFile: string; context: string; step: string; phase?: string }
const spec = await loadClusterSpec(options.repoRoot, options.cluster)
const kube = KubeClient.fromKubeconfig({ file: options.kubeconfigFile, context: options.context })
const secrets = new Redactor()

function freeze(where: string): void {
  writeSync(1, `STOPPED-AT ${where}\n`)
  // Block the only thread at once: no timer, request or callback runs again before the kill.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 120_000)
  // Not killed (the test is gone): never go on with a bootstrap the test has moved past.
  process.exit(70)
}

await runSteps(
  loopSteps(spec),
  { spec, runner: new ExecRunner(secrets), kube: async () => kube, log: () => {}, signal: new AbortController().signal, secrets, flags: { dryRun: false, yes: false, recreate: false, purge: false, verbose: false }, facts: newFacts() },
  {
    stepStarted: (step) => options.phase === undefined && step.name === options.step && freeze(step.name),
    phaseStarted: (step, phase) => options.phase !== undefined && step.name === options.step && phase === options.phase && freeze(`${step.name} ${phase}`),
  },
)
writeSync(1, 'FINISHED\n')
