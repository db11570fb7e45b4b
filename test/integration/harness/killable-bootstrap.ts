/**
 * A bootstrap of the Flux loop in a process of its own, for the test to stop at one point of the
 * run: it prints `STOPPED-AT <step> <phase>` when it gets there and waits there.
 *
 * - `signal: "SIGKILL"` (the default): it freezes (its thread blocked, nothing more sent), so the
 *   kill lands exactly at that boundary.
 * - `signal: "SIGINT"`: it waits for the signal, which aborts the run as the command line's own
 *   handler does; the step then meets a stopped run. It prints `INTERRUPTED <ms>` (from the signal
 *   to the end of the run) and exits 130, as the command line does.
 *
 * Run with tsx:
 *
 *   node --import tsx killable-bootstrap.ts '{"repoRoot":…,"cluster":…,"kubeconfigFile":…,"context":…,"step":…,"phase":…,"signal":…}'
 *
 * One process (not the tsx command, whose child a SIGKILL of tsx would leave running).
 */
import { writeSync } from 'node:fs'
import { InterruptedError } from '../../../bootstrap/engine/errors.js'
import { newFacts } from '../../../bootstrap/engine/facts.js'
import { runSteps } from '../../../bootstrap/engine/run.js'
import type { Step } from '../../../bootstrap/engine/step.js'
import { KubeClient } from '../../../bootstrap/kube/client.js'
import { loadClusterSpec } from '../../../bootstrap/spec/load.js'
import { ExecRunner } from '../../../bootstrap/tools/exec-runner.js'
import { platformFetch } from '../../../bootstrap/tools/git-host.js'
import { Redactor } from '../../../bootstrap/tools/secrets.js'
import { loopSteps } from './flux-loop.js'

const options = JSON.parse(process.argv[2]!) as {
  repoRoot: string
  cluster: string
  kubeconfigFile: string
  context: string
  step: string
  phase?: string
  signal?: 'SIGKILL' | 'SIGINT'
}
const spec = await loadClusterSpec(options.repoRoot, options.cluster)
const kube = KubeClient.fromKubeconfig({ file: options.kubeconfigFile, context: options.context })
const secrets = new Redactor()
const controller = new AbortController()
const where = options.phase === undefined ? options.step : `${options.step} ${options.phase}`

function freeze(): void {
  writeSync(1, `STOPPED-AT ${where}\n`)
  // Block the only thread at once: no timer, request or callback runs again before the kill.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 120_000)
  // Not killed (the test is gone): never go on with a bootstrap the test has moved past.
  process.exit(70)
}

let signalledAt = 0
process.on('SIGINT', () => {
  signalledAt = performance.now()
  controller.abort(new InterruptedError('interrupted', 'SIGINT'))
})

/** Until SIGINT arrives (or two minutes pass: the test is gone, never go on). */
async function awaitSignal(): Promise<void> {
  writeSync(1, `STOPPED-AT ${where}\n`)
  if (controller.signal.aborted) return
  await new Promise<void>((resolve) => {
    const guard = setTimeout(() => process.exit(70), 120_000)
    controller.signal.addEventListener('abort', () => {
      clearTimeout(guard)
      resolve()
    })
  })
}

/** The target step, holding at its start (check) or at its health wait (waits), until the signal. */
function holding(step: Step): Step {
  if (step.name !== options.step) return step
  if (options.phase === 'verify') return { ...step, waits: async (ctx) => (await awaitSignal(), (await step.waits?.(ctx)) ?? []) }
  return { ...step, check: async (ctx) => (await awaitSignal(), step.check(ctx)) }
}

const interruptible = options.signal === 'SIGINT'
const report = await runSteps(
  interruptible ? loopSteps(spec).map(holding) : loopSteps(spec),
  {
    spec,
    runner: new ExecRunner(secrets),
    kube: async () => kube,
    log: () => {},
    signal: controller.signal,
    secrets,
    flags: { dryRun: false, yes: false, recreate: false, purge: false, verbose: false },
    facts: newFacts(),
    env: process.env,
    fetch: platformFetch,
  },
  interruptible
    ? {}
    : {
        stepStarted: (step) => options.phase === undefined && step.name === options.step && freeze(),
        phaseStarted: (step, phase) => options.phase !== undefined && step.name === options.step && phase === options.phase && freeze(),
      },
)
if (report.interrupted) {
  writeSync(1, `INTERRUPTED ${Math.round(performance.now() - signalledAt)}\n`)
  process.exit(130)
}
writeSync(1, 'FINISHED\n')
