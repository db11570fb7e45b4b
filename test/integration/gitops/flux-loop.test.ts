import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { stringify } from 'yaml'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { exitCodeOf, ExitCode, InterruptedError, type KindlingError } from '../../../bootstrap/engine/errors.js'
import { runSteps, type RunReport } from '../../../bootstrap/engine/run.js'
import { gitopsStatusSteps } from '../../../bootstrap/steps/gitops/index.js'
import { pushRefusal } from '../../../bootstrap/steps/gitops/push-state.js'
import { rootSyncFiles } from '../../../bootstrap/steps/gitops/repo.js'
import type { GitopsStatus } from '../../../bootstrap/steps/gitops/status.js'
import { clusterStub } from '../../unit/steps/gitops/support.js'
import { fluxKustomizationRef, gitRepositoryRef } from '../../../bootstrap/engines/flux-health.js'
import { KubeClient, type ObjectRef } from '../../../bootstrap/kube/client.js'
import { conditionTrue, deleted, type Condition } from '../../../bootstrap/kube/conditions.js'
import { DEMO_NS, DEMO_SECRET, demoFiles, LOOP_NAME as NAME, startFluxLoop, type FluxLoop } from '../harness/flux-loop.js'
import type { Command, RunOptions, RunResult, Runner } from '../../../bootstrap/tools/runner.js'
import { CommandLineTools, contentsOf, expectNoSecretIn, filesUnder, runCli } from '../harness/command-line.js'
import type { CommandName } from '../../../bootstrap/cli/args.js'
import { ADOPTION_RECORD } from '../../../bootstrap/steps/provider/existing-cluster.js'
import { formatTimings } from '../../../bootstrap/ui/format.js'
import { toJsonReport } from '../../../bootstrap/ui/json-report.js'
import { saveRunReport } from '../../../bootstrap/ui/run-report.js'
import { startControlPlane } from '../harness/control-plane.js'
import { controlPlane, everyStepDone, kindlingWritesDuring, testKube } from '../support.js'

// kindling's GitOps steps against the real loop: Flux's source-controller and kustomize-controller
// as local processes, reconciling a Git server on loopback over HTTPS with a token (see
// harness/flux-loop.ts for what is stood in for, and why).

const kube = testKube()
const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
let loop: FluxLoop

const settingsRef: ObjectRef = { apiVersion: 'v1', kind: 'ConfigMap', name: 'settings', namespace: DEMO_NS }
const extraRef: ObjectRef = { apiVersion: 'v1', kind: 'ConfigMap', name: 'extra', namespace: DEMO_NS }
const webRef: ObjectRef = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: DEMO_NS }

/** Records every process kindling starts (file, arguments, environment names) and runs it. */
class ProcessRecorder implements Runner {
  readonly commands: Command[] = []
  constructor(private readonly inner: Runner) {}
  run(command: Command, options?: RunOptions): Promise<RunResult> {
    this.commands.push(command)
    return this.inner.run(command, options)
  }
}

/**
 * The secrets in the loop's bootstrap: the HTTPS token and the age key it is given, and the value
 * kustomize-controller decrypts with that key from the SOPS file committed under clusters/.
 */
function loopSecrets(): Record<string, string> {
  const ageKey = /AGE-SECRET-KEY-[0-9A-Z]+/.exec(readFileSync(loop.spec.secrets.sops.ageKeyFile, 'utf8'))![0]
  return { token: loop.token, 'age key': ageKey, 'SOPS-decrypted password': DEMO_SECRET.password }
}

/** kindling's status steps against the loop; the engine part of what `status --json` prints. */
async function statusOf(): Promise<GitopsStatus> {
  const ctx = loop.context()
  const report = await runSteps([clusterStub, ...gitopsStatusSteps(loop.spec, { healthTimeoutMs: 30_000, interactive: false })], ctx)
  const status = ctx.facts.status.gitops as GitopsStatus | undefined
  if (!status) throw new Error(`status read nothing: ${String(report.steps.find((step) => step.error)?.error)}`)
  return status
}

const statuses = (report: RunReport): string[] => report.steps.map((step) => `${step.name}:${step.status}`)

const dataIs = (key: string, value: string | undefined): Condition => ({
  description: `data.${key} = ${value ?? '(absent)'}`,
  test: (object) => ({
    done: (object?.data as Record<string, string> | undefined)?.[key] === value,
    message: `data.${key} = ${(object?.data as Record<string, string> | undefined)?.[key]}`,
  }),
})

beforeAll(async () => {
  const plane = controlPlane()
  loop = await startFluxLoop({
    kube,
    kubeconfigFile: plane.kubeconfigFile,
    context: plane.context,
    setEnv: (key, value) => vi.stubEnv(key, value),
    log: (line) => console.log(`[flux] ${line}`),
  })
}, 600_000)

afterAll(async () => {
  vi.unstubAllEnvs()
  await loop?.stop()
}, 300_000)

describe('the real Flux loop (source-controller and kustomize-controller as local processes, Git over HTTPS on loopback)', () => {
  it('bootstrap brings the cluster to Ready at the pushed commit, reading the repository with the HTTPS token', async () => {
    const head = loop.checkout.head()
    const authorizedBefore = loop.git.stats.authorized
    const logs: string[] = []
    const ctx = loop.context(logs)
    const processes = new ProcessRecorder(ctx.runner)
    const started = performance.now()
    const report = await runSteps(loop.steps(), { ...ctx, runner: processes })
    const error = report.steps.find((step) => step.error)?.error
    expect(error, String(error)).toBeUndefined()
    expect(statuses(report)).toEqual([
      'cluster:done',
      'engine:done',
      'components:done',
      'component-secrets:done',
      'repo-credentials:applied',
      'sops-key:applied',
      'root-sync:applied',
      'push:done',
      'health-gate:applied',
      'hooks:done',
    ])
    console.log(`[flux] bootstrap against the real loop: Ready at ${head.slice(0, 7)} in ${((performance.now() - started) / 1000).toFixed(1)}s`)

    const repository = await kube.get(gitRepositoryRef)
    expect((repository?.status as { artifact?: { revision?: string } }).artifact?.revision).toBe(`main@sha1:${head}`)
    const root = await kube.get(fluxKustomizationRef)
    expect((root?.status as { lastAppliedRevision?: string }).lastAppliedRevision).toBe(`main@sha1:${head}`)
    // Applied by kustomize-controller, not by the test: its field manager and labels are on the objects.
    const settings = await kube.get(settingsRef)
    expect(settings?.data).toEqual({ greeting: 'hello' })
    expect(settings?.metadata.labels?.['kustomize.toolkit.fluxcd.io/name']).toBe('flux-system')
    await kube.waitFor(webRef, conditionTrue('Available'), { timeoutMs: 30_000 })
    // Every request needs the token: kindling's ls-remote and source-controller (with the Secret
    // kindling rendered) got in with it.
    expect(loop.git.stats.authorized).toBeGreaterThan(authorizedBefore)

    // The secrets that went in (the HTTPS token, the age key, the value SOPS decrypts in the cluster) appear in nothing that came out:
    // log lines, the --json document, the saved run report, the arguments of every process
    // started, or any file written under clusters/.
    const redact = (text: string): string => ctx.secrets.redact(text)
    const document = toJsonReport('bootstrap', NAME, report, { summary: ctx.facts.summary }, redact)
    const reports = mkdtempSync(path.join(os.tmpdir(), 'kindling-reports-'))
    const saved = saveRunReport(reports, 'bootstrap', document).saved!
    const outputs: Record<string, string> = {
      logs: logs.join('\n'),
      json: JSON.stringify(document),
      'run report': readFileSync(saved.file, 'utf8'),
      timings: formatTimings(report),
      'process arguments': processes.commands.map((command) => [command.file, ...command.args].join(' ')).join('\n'),
      'files under clusters/': loop.checkout
        .git('ls-files', '-z', 'clusters')
        .split('\0')
        .filter(Boolean)
        .map((file) => readFileSync(path.join(loop.spec.repoRoot, file), 'utf8'))
        .join('\n'),
    }
    rmSync(reports, { recursive: true, force: true })
    expect(processes.commands.length).toBeGreaterThan(0)
    expectNoSecretIn(outputs, loopSecrets())
  })

  it('a second bootstrap against the converged loop writes nothing', async () => {
    const refs: ObjectRef[] = [
      gitRepositoryRef,
      fluxKustomizationRef,
      { apiVersion: 'v1', kind: 'Secret', name: 'flux-system', namespace: 'flux-system' },
      { apiVersion: 'v1', kind: 'Secret', name: 'sops-age', namespace: 'flux-system' },
    ]
    const before = await Promise.all(refs.map(async (ref) => (await kube.get(ref))?.metadata.resourceVersion))
    let report: RunReport | undefined
    // Counted by the API server itself: its audit log of kindling's mutating requests.
    const writes = await kindlingWritesDuring(async () => (report = await loop.bootstrap()))
    expect(statuses(report!)).toEqual(everyStepDone())
    expect(writes).toEqual([])
    console.log('[flux] second bootstrap of the converged loop: 0 mutating requests in the audit log')
    expect(await Promise.all(refs.map(async (ref) => (await kube.get(ref))?.metadata.resourceVersion))).toEqual(before)
    expect(loop.checkout.git('status', '--porcelain')).toBe('')
  })

  it('status writes nothing (audit log) and reports the loop healthy: remote, head applied, each component, no drift', async () => {
    let status: GitopsStatus | undefined
    const writes = await kindlingWritesDuring(async () => (status = await statusOf()))
    expect(status!.healthy, status!.problems.join('\n')).toBe(true)
    expect(status!).toMatchObject({ applied: true, drift: [], remote: { head: loop.checkout.head(), branch: 'main' } })
    expect(status!.remote.url).not.toContain(loop.token)
    expect(writes).toEqual([])
  })

  it("fails the health gate on a pushed broken manifest with Flux's own message (exit 1), and passes again after git revert", async () => {
    const good = loop.checkout.head()
    // A ConfigMap value must be a string: the API server's dry-run refuses it, inside Flux.
    loop.checkout.write(
      `clusters/${NAME}/demo/broken.yaml`,
      stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'broken', namespace: DEMO_NS }, data: { count: { not: 'a string' } } }),
    )
    loop.checkout.write(
      `clusters/${NAME}/demo/kustomization.yaml`,
      stringify({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: ['objects.yaml', 'broken.yaml'] }),
    )
    const bad = await loop.checkout.commitAndPush('a broken manifest')

    const started = performance.now()
    const report = await loop.bootstrap()
    const gate = report.steps.find((step) => step.name === 'health-gate')!
    expect(gate.status).toBe('failed')
    expect(exitCodeOf(gate.error)).toBe(ExitCode.failed)
    const error = gate.error as KindlingError
    const text = [error.message, ...error.details].join('\n')
    const root = await kube.get(fluxKustomizationRef)
    const ready = ((root?.status as { conditions?: { type: string; message: string; reason: string }[] }).conditions ?? []).find((c) => c.type === 'Ready')!
    console.log(`[flux] health gate failed in ${((performance.now() - started) / 1000).toFixed(1)}s:\n${text}`)
    // The gate names the Kustomization and repeats Flux's own reason and message.
    expect(ready).toMatchObject({ status: 'False', reason: 'ReconciliationFailed' })
    expect(text).toContain('Kustomization flux-system/flux-system')
    expect(text).toContain(`Ready=False (ReconciliationFailed): ${ready.message.split('\n')[0]}`)
    expect((root?.status as { lastAttemptedRevision?: string }).lastAttemptedRevision).toBe(`main@sha1:${bad}`)
    expect((root?.status as { lastAppliedRevision?: string }).lastAppliedRevision).toBe(`main@sha1:${good}`)

    const reverted = await loop.checkout.revertHeadAndPush()
    const again = await loop.bootstrap()
    expect(statuses(again)).toContain('health-gate:applied')
    expect((await kube.get(fluxKustomizationRef))?.status).toMatchObject({ lastAppliedRevision: `main@sha1:${reverted}` })
  })

  it('heals drift: an object changed or deleted by hand comes back from Git at the next reconcile', async () => {
    const head = loop.checkout.head()
    // A hand edit under another field manager, as `kubectl edit` would make, and a deletion.
    await kube.apply(
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: DEMO_NS }, data: { greeting: 'edited by hand' } },
      { fieldManager: 'kubectl-edit' },
    )
    await kube.delete(webRef)
    await kube.waitFor(webRef, deleted, { timeoutMs: 30_000 })
    expect((await kube.get(settingsRef))?.data).toEqual({ greeting: 'edited by hand' })
    // status shows the drift while it lasts: the deleted Deployment and who edited the ConfigMap.
    const during = await statusOf()
    expect(during.healthy).toBe(false)
    expect(during.drift).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^drift: Deployment loop-demo\/web was deleted; Kustomization flux-system\/\S+ restores it/),
        expect.stringMatching(/^drift: ConfigMap loop-demo\/settings was changed by kubectl-edit at \S+ after Kustomization flux-system\/\S+ applied it/),
      ]),
    )
    // The Kustomization's interval is 10m; ask for the reconcile it would make then, as `flux reconcile` does.
    const started = performance.now()
    await loop.syncTo(head)
    await kube.waitFor(settingsRef, dataIs('greeting', 'hello'), { timeoutMs: 30_000 })
    await kube.waitFor(webRef, conditionTrue('Available'), { timeoutMs: 30_000 })
    const after = await statusOf()
    expect(after.drift, after.drift.join('\n')).toEqual([])
    console.log(`[flux] drift healed in ${((performance.now() - started) / 1000).toFixed(1)}s after the reconcile request`)
  })

  it('rolls back by git revert: values restored, objects the bad change added pruned (time from push to converged printed)', async () => {
    loop.writeAll(demoFiles('a bad value', true))
    let pushed = performance.now()
    const bad = await loop.checkout.commitAndPush('a bad change')
    await loop.syncTo(bad)
    console.log(`[flux] bad change applied ${((performance.now() - pushed) / 1000).toFixed(1)}s after the push`)
    expect((await kube.get(settingsRef))?.data).toEqual({ greeting: 'a bad value' })
    expect(await kube.get(extraRef)).toBeDefined()

    pushed = performance.now()
    const reverted = await loop.checkout.revertHeadAndPush()
    await loop.syncTo(reverted)
    const converged = (performance.now() - pushed) / 1000
    expect((await kube.get(settingsRef))?.data).toEqual({ greeting: 'hello' })
    await kube.waitFor(extraRef, deleted, { timeoutMs: 30_000 })
    console.log(`[flux] rollback by git revert: ${reverted.slice(0, 7)} applied and the added ConfigMap pruned ${converged.toFixed(1)}s after the push`)
  })

  it('bootstrap commits and pushes only the files it rendered, then waits until the engine applied that commit', async () => {
    const before = loop.checkout.head()
    // A rendered file missing from this checkout (removed in a local commit), and a file of the user's own.
    const rendered = (await rootSyncFiles(loop.spec))[0]!.path
    loop.checkout.remove(rendered)
    loop.checkout.git('commit', '--quiet', '-am', 'a local commit that drops a rendered file')
    loop.checkout.write(`clusters/${NAME}/notes.md`, 'mine, not for kindling to commit\n')
    // The user's own Git identity and push credentials, as their git config would hold them.
    for (const [key, value] of Object.entries({
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'http.extraHeader',
      GIT_CONFIG_VALUE_0: `Authorization: Basic ${Buffer.from(`${loop.git.username}:${loop.token}`).toString('base64')}`,
      GIT_AUTHOR_NAME: 'a user',
      GIT_AUTHOR_EMAIL: 'user@kindling.invalid',
      GIT_COMMITTER_NAME: 'a user',
      GIT_COMMITTER_EMAIL: 'user@kindling.invalid',
    }))
      vi.stubEnv(key, value)
    const ctx = loop.context()
    const report = await runSteps(loop.steps(), { ...ctx, flags: { ...ctx.flags, yes: true } })
    expect(report.steps.find((step) => step.error)?.error).toBeUndefined()
    expect(statuses(report)).toContain('push:applied')
    expect(statuses(report)).toContain('health-gate:applied')
    const pushed = loop.checkout.head()
    expect(pushed).not.toBe(before)
    // kindling's commit holds exactly the file it rendered; the user's file stays untracked.
    expect(loop.checkout.git('show', '--name-only', '--format=', 'HEAD')).toBe(rendered)
    expect(loop.checkout.git('status', '--porcelain')).toBe(`?? clusters/${NAME}/notes.md`)
    // The engine fetched the pushed commit from the Git server and applied it: the push reached the remote.
    const root = await kube.get(fluxKustomizationRef)
    expect((root?.status as { lastAppliedRevision?: string }).lastAppliedRevision).toBe(`main@sha1:${pushed}`)
    loop.checkout.remove(`clusters/${NAME}/notes.md`)
  })

  it("the preflight tries the push with the user's own credentials: refused, or behind the remote, it says so before anything is created", async () => {
    // The user's stored credentials, as a credential helper (a keychain, `gh auth`) hands them to git.
    const helper = (token: string): string => `!f() { echo username=${loop.git.username}; echo password=${token}; }; f`
    for (const [key, value] of Object.entries({ GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'credential.helper', GIT_CONFIG_VALUE_0: helper(loop.token) }))
      vi.stubEnv(key, value)
    expect(await pushRefusal(loop.context())).toBeUndefined()

    // Someone else pushed: the remote branch is ahead of this checkout.
    const ahead = await loop.checkout.commitAndPush('a commit this checkout is about to lose')
    loop.checkout.git('reset', '--quiet', '--hard', 'HEAD~1')
    const behind = await pushRefusal(loop.context())
    expect(behind?.problem).toBe(`${loop.spec.repository.url} main has commits this checkout does not: the push would be refused`)
    expect(behind?.fix).toMatch(/pull --rebase/)
    loop.checkout.git('reset', '--quiet', '--hard', ahead)

    // Stored credentials the server refuses (an expired token).
    vi.stubEnv('GIT_CONFIG_VALUE_0', helper('expired-token-0000'))
    const refused = await pushRefusal(loop.context())
    expect(refused?.problem).toMatch(
      new RegExp(`^your Git credentials cannot push to ${loop.spec.repository.url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} main: `),
    )
    expect(JSON.stringify(refused)).not.toContain(loop.token)
    expect(JSON.stringify(refused)).not.toContain('expired-token-0000')
    vi.stubEnv('GIT_CONFIG_VALUE_0', helper(loop.token))
    await loop.syncTo(ahead)
  })

  it('the command line itself (bootstrap plain and --json, then status --json): the token, the age key and the SOPS-decrypted value appear in nothing it prints, saves, passes as an argument or writes under clusters/', async () => {
    // The loop's cluster adopted as `provider: existing` through the control plane's kubeconfig, so
    // every step runs as it ships, preflight and cluster included.
    const specFile = path.join(loop.spec.repoRoot, 'clusters', NAME, 'cluster.yaml')
    const original = readFileSync(specFile, 'utf8')
    const plane = controlPlane()
    const adopted = original.replace(
      '  provider:\n    type: kind\n',
      `  provider:\n    type: existing\n    kubeconfig: ${plane.kubeconfigFile}\n    context: ${plane.context}\n`,
    )
    expect(adopted).not.toBe(original)
    // Committed, as a user adopting a cluster would: bootstrap commits a changed spec with what it renders.
    writeFileSync(specFile, adopted)
    await loop.syncTo(await loop.checkout.commitAndPush('adopt the loop cluster as an existing one'))
    const state = mkdtempSync(path.join(os.tmpdir(), 'kindling-state-'))
    vi.stubEnv('XDG_STATE_HOME', state)
    const runner = new CommandLineTools(kube)
    const cli = (command: CommandName, ...argv: string[]) => runCli(command, ['--cluster', NAME, '--timeout', '90s', ...argv], loop.spec.repoRoot, runner)
    try {
      const plain = await cli('bootstrap', '--yes')
      expect(plain.code, plain.stdout + plain.stderr).toBe(ExitCode.ok)
      // Every step as it ships, the gate reporting what it proved.
      expect(plain.stdout).toMatch(
        /✔ Check prerequisites: .*\n[^]*✔ Adopt cluster \(context [^]*✔ Wait until Flux has applied main: (done|up to date) — main@[0-9a-f]{7} applied, all root objects and components ready/,
      )
      const json = await cli('bootstrap', '--yes', '--json')
      expect(json.code, json.stdout + json.stderr).toBe(ExitCode.ok)
      expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, exitCode: 0 })
      const status = await cli('status', '--json')
      expect(status.code, status.stdout + status.stderr).toBe(ExitCode.ok)
      expect(JSON.parse(status.stdout)).toMatchObject({ ok: true, status: { gitops: { applied: true } } })
      // The token was used (preflight's ls-remote, the Secret for source-controller), the age key loaded.
      expect(runner.commands.some((command) => command.file === 'git' && command.args.includes('ls-remote'))).toBe(true)
      expect(await kube.get({ apiVersion: 'v1', kind: 'Secret', name: 'sops-age', namespace: 'flux-system' })).toBeDefined()

      const reports = filesUnder(state)
      expect(reports.length).toBeGreaterThanOrEqual(2)
      const outputs: Record<string, string> = {
        'bootstrap output': plain.stdout + plain.stderr,
        'bootstrap --json': json.stdout + json.stderr,
        'status --json': status.stdout + status.stderr,
        'run reports': contentsOf(reports),
        'process arguments': runner.argumentLines,
        'files under clusters/': contentsOf(filesUnder(path.join(loop.spec.repoRoot, 'clusters'))),
      }
      expectNoSecretIn(outputs, loopSecrets())
      console.log(
        `[flux] the command line (bootstrap, bootstrap --json, status --json) printed, saved and passed ${runner.commands.length} commands without the token, the age key or the decrypted value`,
      )
    } finally {
      writeFileSync(specFile, original)
      await loop.syncTo(await loop.checkout.commitAndPush('back to the kind spec'))
      await kube.delete(ADOPTION_RECORD)
      rmSync(state, { recursive: true, force: true })
    }
    expect(loop.checkout.git('status', '--porcelain')).toBe('')
  }, 300_000)

  /** What an interrupted run must leave converged: kindling's Secrets and root sync objects, nothing duplicated. */
  async function syncInventory(): Promise<string[]> {
    const found = await Promise.all([
      kube.list('v1', 'Secret', { namespace: 'flux-system' }),
      kube.list('kustomize.toolkit.fluxcd.io/v1', 'Kustomization', { namespace: 'flux-system' }),
      kube.list('source.toolkit.fluxcd.io/v1', 'GitRepository', { namespace: 'flux-system' }),
    ])
    return found
      .flat()
      .map((object) => `${object.kind}/${object.metadata.name}`)
      .sort()
  }

  /** Give the steps work to do: the Secrets kindling made are gone, the root sync was edited by hand. */
  async function disturb(): Promise<void> {
    for (const name of ['flux-system', 'sops-age']) await kube.delete({ apiVersion: 'v1', kind: 'Secret', name, namespace: 'flux-system' })
    await kube.apply(
      {
        apiVersion: fluxKustomizationRef.apiVersion,
        kind: fluxKustomizationRef.kind,
        metadata: { name: fluxKustomizationRef.name, namespace: fluxKustomizationRef.namespace },
        spec: { interval: '7m' },
      },
      { fieldManager: 'kubectl-edit' },
    )
  }

  /** The same bootstrap, run again after the stop, finishes with the same objects at the same commit. */
  async function expectRerunConverges(converged: string[], head: string, where: string): Promise<void> {
    const again = await runSteps(loop.steps(), loop.context())
    expect(again.steps.find((step) => step.error)?.error, `re-run after stopping at ${where}`).toBeUndefined()
    expect(await syncInventory()).toEqual(converged)
    const root = await kube.get(fluxKustomizationRef)
    expect((root?.status as { lastAppliedRevision?: string }).lastAppliedRevision).toBe(`main@sha1:${head}`)
    expect((root?.spec as { interval?: string }).interval).not.toBe('7m')
  }

  /** Every boundary where a step is about to start, then the middle of the health gate's wait. */
  const stopPoints = (): { step: string; phase?: 'verify' }[] => [
    ...loop
      .steps()
      .slice(1)
      .map((step) => ({ step: step.name })),
    { step: 'health-gate', phase: 'verify' },
  ]

  it('interrupted at every step boundary and during the health-gate wait, the same bootstrap run again finishes: same end state, nothing duplicated', async () => {
    const converged = await syncInventory()
    const head = loop.checkout.head()
    const stops = stopPoints()
    for (const stop of stops) {
      await disturb()
      const controller = new AbortController()
      const interrupt = (): void => controller.abort(new InterruptedError('interrupted', 'SIGINT'))
      const observer = {
        stepStarted: (step: { name: string }) => stop.phase === undefined && step.name === stop.step && interrupt(),
        phaseStarted: (step: { name: string }, phase: string) => stop.phase !== undefined && step.name === stop.step && phase === stop.phase && interrupt(),
      }
      const stopped = await runSteps(loop.steps(), { ...loop.context(), signal: controller.signal }, observer)
      expect(stopped.interrupted, `${stop.step} ${stop.phase ?? ''}`).toBe(true)
      await expectRerunConverges(converged, head, `${stop.step} ${stop.phase ?? ''}`)
    }
    console.log(`[flux] interrupted at ${stops.length} points (each step boundary and the health-gate wait); every re-run converged to the same objects`)
  }, 300_000)

  /**
   * The bootstrap in a process of its own, held at `stop`, then sent `signal`: how it ended
   * (exit code or signal) and what it printed.
   */
  async function stopChild(
    stop: { step: string; phase?: 'verify' },
    signal: 'SIGKILL' | 'SIGINT',
  ): Promise<{ ended: NodeJS.Signals | number | null; output: string }> {
    const child = path.join(ROOT, 'test', 'integration', 'harness', 'killable-bootstrap.ts')
    // One process, node with tsx's loader: the tsx command would run the bootstrap in a child of
    // its own, which a SIGKILL of the tsx process leaves running.
    const run = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        child,
        JSON.stringify({
          repoRoot: loop.spec.repoRoot,
          cluster: NAME,
          kubeconfigFile: controlPlane().kubeconfigFile,
          context: controlPlane().context,
          ...stop,
          signal,
        }),
      ],
      { cwd: ROOT, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) => run.on('exit', (code, ended) => resolve(ended ?? code)))
    let output = ''
    const reached = await new Promise<boolean>((resolve) => {
      const guard = setTimeout(() => resolve(false), 90_000)
      run.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString()
        if (!output.includes('STOPPED-AT')) return
        clearTimeout(guard)
        resolve(true)
      })
      run.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
      void exited.then(() => {
        clearTimeout(guard)
        resolve(false)
      })
    })
    run.kill(signal)
    const ended = await exited
    expect(reached, `${stop.step} ${stop.phase ?? ''}: ${output}`).toBe(true)
    return { ended, output }
  }

  it('killed outright (SIGKILL) at every step boundary and during the health-gate wait, the same bootstrap run again finishes', async () => {
    const converged = await syncInventory()
    const head = loop.checkout.head()
    const stops = stopPoints()
    for (const stop of stops) {
      await disturb()
      const { ended, output } = await stopChild(stop, 'SIGKILL')
      expect(ended, output).toBe('SIGKILL')
      await expectRerunConverges(converged, head, `SIGKILL at ${stop.step} ${stop.phase ?? ''}`)
    }
    console.log(
      `[flux] killed with SIGKILL at ${stops.length} points (each step boundary and the health-gate wait); every re-run converged to the same objects`,
    )
  }, 600_000)

  it('sent SIGINT at every step boundary and during the health-gate wait, it stops within 2 s with exit 130, and the same bootstrap run again finishes', async () => {
    const converged = await syncInventory()
    const head = loop.checkout.head()
    const stops = stopPoints()
    const stopMs: number[] = []
    for (const stop of stops) {
      await disturb()
      const { ended, output } = await stopChild(stop, 'SIGINT')
      expect(ended, output).toBe(130)
      const ms = Number(/INTERRUPTED (\d+)/.exec(output)?.[1])
      expect(ms, output).toBeLessThan(2000)
      stopMs.push(ms)
      await expectRerunConverges(converged, head, `SIGINT at ${stop.step} ${stop.phase ?? ''}`)
    }
    console.log(
      `[flux] SIGINT at ${stops.length} points (each step boundary and the health-gate wait): stopped within ${Math.max(...stopMs)} ms at most, exit 130; every re-run converged to the same objects`,
    )
  }, 600_000)

  it('rebuild: on a new, empty control plane the same bootstrap with the same repository and age key brings back the same objects', async () => {
    const head = loop.checkout.head()
    const demo = async (client: KubeClient): Promise<unknown> => ({
      settings: (await client.get(settingsRef))?.data,
      web: (await client.get(webRef))?.spec,
      sops: (await client.get({ apiVersion: 'v1', kind: 'Secret', name: 'sops-age', namespace: 'flux-system' }))?.data,
      decrypted: Buffer.from(String(((await client.get(DEMO_SECRET.ref))?.data as Record<string, string> | undefined)?.password ?? ''), 'base64').toString(),
    })
    const before = await demo(kube)
    expect(before).toMatchObject({ settings: { greeting: 'hello' }, decrypted: DEMO_SECRET.password })
    // Git holds only ciphertext.
    const committed = loop.checkout.git('show', `HEAD:clusters/${NAME}/demo/secret.sops.yaml`)
    expect(committed).toMatch(/password: ENC\[AES256_GCM,data:/)
    expect(committed).not.toContain(DEMO_SECRET.password)
    // New hardware: a control plane with empty storage (its own etcd), nothing of the old one.
    const fresh = await startControlPlane({ log: (line) => console.log(`[rebuild] ${line}`) })
    try {
      const freshKube = KubeClient.fromKubeconfig({ file: fresh.kubeconfigFile, context: fresh.context })
      expect(await freshKube.get(settingsRef)).toBeUndefined()
      const started = performance.now()
      await loop.rebuildOn({ kube: freshKube, kubeconfigFile: fresh.kubeconfigFile, context: fresh.context })
      const report = await runSteps(loop.steps(), loop.context())
      expect(report.steps.find((step) => step.error)?.error).toBeUndefined()
      await freshKube.waitFor(webRef, conditionTrue('Available'), { timeoutMs: 60_000 })
      console.log(
        `[flux] rebuilt on an empty control plane in ${((performance.now() - started) / 1000).toFixed(1)}s (controllers started, bootstrap, Ready at ${head.slice(0, 7)})`,
      )
      // The same objects, from the same commit; the same age key, so SOPS-encrypted files decrypt as before.
      expect(await demo(freshKube)).toEqual(before)
      const root = await freshKube.get(fluxKustomizationRef)
      expect((root?.status as { lastAppliedRevision?: string }).lastAppliedRevision).toBe(`main@sha1:${head}`)
    } finally {
      await loop.stop()
      await fresh.stop()
    }
  }, 300_000)
})
