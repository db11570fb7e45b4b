import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { stringify } from 'yaml'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { newFacts } from '../../../bootstrap/engine/facts.js'
import { exitCodeOf, ExitCode, type KindlingError } from '../../../bootstrap/engine/errors.js'
import { runSteps, type RunReport } from '../../../bootstrap/engine/run.js'
import type { Step, StepContext } from '../../../bootstrap/engine/step.js'
import { runWaits } from '../../../bootstrap/engine/waits.js'
import { engineOf } from '../../../bootstrap/engines/index.js'
import { fluxKustomizationRef, gitRepositoryRef } from '../../../bootstrap/engines/flux-health.js'
import type { KubeObject, ObjectRef } from '../../../bootstrap/kube/client.js'
import { conditionTrue, deleted, type Condition } from '../../../bootstrap/kube/conditions.js'
import { MANAGED_BY } from '../../../bootstrap/render/labels.js'
import { renderSopsConfig } from '../../../bootstrap/render/secrets.js'
import type { ClusterSpec } from '../../../bootstrap/spec/load.js'
import { engineFiles } from '../../../bootstrap/steps/gitops/engine.js'
import { gitopsSteps } from '../../../bootstrap/steps/gitops/index.js'
import { fileWrites, rootSyncFiles } from '../../../bootstrap/steps/gitops/repo.js'
import { ExecRunner } from '../../../bootstrap/tools/exec-runner.js'
import { Redactor } from '../../../bootstrap/tools/secrets.js'
import { clusterStub, removeTempDirs, tempRepo } from '../../unit/steps/gitops/support.js'
import { specText } from '../../unit/support/context.js'
import { generateAgeIdentity } from '../harness/age-identity.js'
import { upstreamCrds } from '../harness/crossplane.js'
import { startFlux, type RunningFlux } from '../harness/flux.js'
import { startFluxOperatorStandIn } from '../harness/flux-operator-stand-in.js'
import { GitCheckout } from '../harness/git-checkout.js'
import { startGitServer, type GitServer } from '../harness/git-server.js'
import { controlPlane, testKube } from '../support.js'

// The real loop: Flux's own source-controller and kustomize-controller, built from their Go modules,
// run as local processes and reconcile a Git server on loopback (git http-backend over HTTPS with
// Basic auth). kindling's own GitOps steps run against them; only two steps are stood in for, named
// as such below: `cluster` (the control plane is the test's) and `engine` (flux-operator and its
// chart cannot be pulled here). For the same reason the status of flux-operator's own objects in
// kindling's flux-system/ folder comes from a stand-in (harness/flux-operator-stand-in.ts).

const kube = testKube()
const NAME = 'loop'
const TOKEN_ENV = 'KINDLING_TEST_GIT_TOKEN'
// The spec's default username for HTTPS tokens (repository.auth.username).
const GIT_USER = 'git'
const TOKEN = `test-${randomBytes(12).toString('hex')}`
// A real age key: Flux loads it (the fixed one the played-engine tests use has no valid checksum).
const AGE = generateAgeIdentity()
const DEMO_NS = 'loop-demo'
const FLUX_SET_NAMES = ['flux-source-controller', 'flux-kustomize-controller', 'flux-helm-controller', 'flux-operator']

let git: GitServer
let flux: RunningFlux
let operatorStandIn: ReturnType<typeof startFluxOperatorStandIn> | undefined
let checkout: GitCheckout
let spec: ClusterSpec
const addedCrds: string[] = []

const crdRef = (name: string): ObjectRef => ({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name })
const settingsRef: ObjectRef = { apiVersion: 'v1', kind: 'ConfigMap', name: 'settings', namespace: DEMO_NS }
const extraRef: ObjectRef = { apiVersion: 'v1', kind: 'ConfigMap', name: 'extra', namespace: DEMO_NS }
const webRef: ObjectRef = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: DEMO_NS }

/**
 * Test stand-in for the `engine` step. The real one installs the flux-operator chart with Helm and
 * the operator deploys Flux; neither the chart nor the images can be pulled here. Instead the harness
 * applied Flux's upstream CRDs and started the controllers (beforeAll); this stand-in only reports
 * that. It is the only step besides `cluster` that is not kindling's own.
 */
const engineStandIn: Step = {
  name: 'engine',
  title: 'Flux (test stand-in: upstream CRDs and controllers started by the test harness)',
  needs: ['cluster'],
  check: async () => ({ state: 'done', detail: `source-controller ${flux.versions['source-controller']}, kustomize-controller ${flux.versions['kustomize-controller']} as local processes` }),
  plan: () => [],
}

function steps(): Step[] {
  return [clusterStub, ...gitopsSteps(spec, { healthTimeoutMs: 90_000, interactive: false }).map((step) => (step.name === 'engine' ? engineStandIn : step))]
}

function context(logs: string[] = []): StepContext {
  const secrets = new Redactor()
  return {
    spec,
    runner: new ExecRunner(secrets),
    kube: async () => kube,
    log: (line) => logs.push(line),
    signal: new AbortController().signal,
    secrets,
    flags: { dryRun: false, yes: false, recreate: false, purge: false, verbose: false },
    facts: newFacts(),
  }
}

async function bootstrap(logs: string[] = []): Promise<RunReport> {
  return runSteps(steps(), context(logs))
}

const statuses = (report: RunReport): string[] => report.steps.map((step) => `${step.name}:${step.status}`)

/** Ask Flux to reconcile now (what kindling's health gate does), then wait until `sha` is applied and Ready. */
async function syncTo(sha: string, timeoutMs = 60_000): Promise<void> {
  const facts = newFacts()
  facts.syncRequestedAt = await engineOf(spec).requestSync(kube)
  await runWaits({ ...context(), facts }, engineOf(spec).revisionWaits(spec, sha, facts, timeoutMs))
}

const dataIs = (key: string, value: string | undefined): Condition => ({
  description: `data.${key} = ${value ?? '(absent)'}`,
  test: (object) => ({ done: (object?.data as Record<string, string> | undefined)?.[key] === value, message: `data.${key} = ${(object?.data as Record<string, string> | undefined)?.[key]}` }),
})

function demoFiles(greeting: string, extra = false): Record<string, string> {
  const objects: KubeObject[] = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: DEMO_NS } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: DEMO_NS }, data: { greeting } },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: DEMO_NS },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'web' } },
        // kwok runs the Pod on a simulated node, so the Deployment becomes Available for real.
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'registry.k8s.io/pause:3.10' }] } },
      },
    },
    ...(extra ? [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'extra', namespace: DEMO_NS }, data: { added: 'by the bad change' } }] : []),
  ]
  return {
    [`clusters/${NAME}/demo/kustomization.yaml`]: stringify({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: ['objects.yaml'] }),
    [`clusters/${NAME}/demo/objects.yaml`]: objects.map((object) => stringify(object)).join('---\n'),
  }
}

function writeAll(files: Record<string, string>): void {
  for (const [relative, content] of Object.entries(files)) checkout.write(relative, content)
}

/** Apply CRDs, waiting first for any of the same name still being deleted by an earlier test file. */
async function installCrds(crds: KubeObject[]): Promise<void> {
  for (const crd of crds) {
    const live = await kube.get(crdRef(crd.metadata.name))
    if (live?.metadata.deletionTimestamp) await kube.waitFor(crdRef(crd.metadata.name), deleted, { timeoutMs: 60_000 })
    else if (live) continue
    addedCrds.push(crd.metadata.name)
  }
  await kube.applyAll(crds.filter((crd) => addedCrds.includes(crd.metadata.name)))
  await Promise.all(crds.map((crd) => kube.waitFor(crdRef(crd.metadata.name), conditionTrue('Established'), { timeoutMs: 60_000 })))
}

beforeAll(async () => {
  git = await startGitServer({ username: GIT_USER, token: TOKEN })
  // What `helm install --create-namespace` and the operator would leave: the namespace and Flux's CRDs.
  await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'flux-system' } })
  // Before HOME is stubbed below: the CRD and build caches live under the real one.
  await installCrds(FLUX_SET_NAMES.flatMap((set) => upstreamCrds(set)))
  flux = await startFlux({
    kubeconfigFile: controlPlane().kubeconfigFile,
    log: (line) => console.log(`[flux] ${line}`),
    // source-controller trusts the Git server's CA the way a Pod trusts a private CA: in its trust store.
    env: { SSL_CERT_FILE: git.caFile },
    // Only kindling's GitRepository is reconciled: the flux-operator chart's OCIRepository points at
    // ghcr.io, which cannot be reached here. Left without status, like the HelmRelease and the
    // FluxInstance (their controllers are not running), kstatus counts it as current.
    sourceLabelSelector: Object.entries(MANAGED_BY).map(([key, value]) => `${key}=${value}`).join(','),
  })
  // flux-operator's own release objects and the FluxInstance (kindling writes them to flux-system/)
  // get their status from a named stand-in: their controllers and chart cannot run here.
  operatorStandIn = startFluxOperatorStandIn({ kubeconfigFile: controlPlane().kubeconfigFile, context: controlPlane().context })
  console.log(`[flux] real controllers: source-controller ${flux.versions['source-controller']}, kustomize-controller ${flux.versions['kustomize-controller']}; Git server ${git.baseUrl} (HTTPS, Basic auth)`)

  const url = git.createRepository('lab.git')

  // The spec the user writes: the HTTPS token path, SOPS on, components that need images off.
  const repo = tempRepo(NAME, specText({
    name: NAME,
    repository: `url: ${url}\nauth:\n  type: https\n  tokenEnv: ${TOKEN_ENV}`,
    extra: 'components:\n  crossplane:\n    enabled: false\n  monitoring:\n    enabled: false\n  apps:\n    enabled: false\nsecrets:\n  sops:\n    enabled: true\n    ageKeyFile: AGE_KEY_FILE',
  }))
  spec = repo.spec
  mkdirSync(path.dirname(spec.secrets.sops.ageKeyFile), { recursive: true, mode: 0o700 })
  writeFileSync(spec.secrets.sops.ageKeyFile, AGE.file, { mode: 0o600 })
  vi.stubEnv('HOME', repo.home)
  vi.stubEnv(TOKEN_ENV, TOKEN)
  // kindling's `git ls-remote` trusts the test server's certificate as git does: GIT_SSL_CAINFO.
  vi.stubEnv('GIT_SSL_CAINFO', git.caFile)

  // The repository as a user has it after kindling wrote its files and they were pushed: the engine
  // and root sync files from kindling's own renderers, .sops.yaml for the key, plus a demo folder.
  checkout = new GitCheckout(spec.repoRoot, url, { username: GIT_USER, token: TOKEN, caFile: git.caFile }).init()
  for (const write of await fileWrites(spec, [...engineFiles(spec), ...(await rootSyncFiles(spec))])) checkout.write(path.relative(spec.repoRoot, write.path), write.content)
  checkout.write('.sops.yaml', renderSopsConfig(spec, AGE.recipient))
  const kustomization = `clusters/${NAME}/kustomization.yaml`
  checkout.write(kustomization, `${readFileSync(path.join(spec.repoRoot, kustomization), 'utf8')}  - demo\n`)
  writeAll(demoFiles('hello'))
  await checkout.commitAndPush('kindling files and a demo app')
}, 600_000)

afterAll(async () => {
  vi.unstubAllEnvs()
  await operatorStandIn?.stop()
  // Nothing is left for the next file. The namespaces go first, while the controllers still run to
  // release their finalizers (deleting the root Kustomization prunes what it applied, too).
  await Promise.all(
    ['flux-system', DEMO_NS].map(async (name) => {
      const ref = { apiVersion: 'v1', kind: 'Namespace', name }
      if ((await kube.delete(ref)) === 'deleted') await kube.waitFor(ref, deleted, { timeoutMs: 90_000 })
    }),
  )
  await flux?.stop()
  await git?.stop()
  await Promise.all(addedCrds.map((name) => kube.delete(crdRef(name))))
  await Promise.all(addedCrds.map((name) => kube.waitFor(crdRef(name), deleted, { timeoutMs: 60_000 })))
  removeTempDirs()
}, 300_000)

describe('the real Flux loop (source-controller and kustomize-controller as local processes, Git over HTTPS on loopback)', () => {
  it('bootstrap brings the cluster to Ready at the pushed commit, reading the repository with the HTTPS token', async () => {
    const head = checkout.head()
    const refusedBefore = git.stats.refused
    const logs: string[] = []
    const started = performance.now()
    const report = await bootstrap(logs)
    const error = report.steps.find((step) => step.error)?.error
    expect(error, String(error)).toBeUndefined()
    expect(statuses(report)).toEqual(['cluster:done', 'engine:done', 'components:done', 'component-secrets:done', 'repo-credentials:applied', 'sops-key:applied', 'root-sync:applied', 'health-gate:applied'])
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
    // The server refused requests without the token; source-controller got in with kindling's Secret.
    expect(git.stats.refused).toBeGreaterThanOrEqual(refusedBefore)
    expect(git.stats.authorized).toBeGreaterThan(0)
    expect(logs.join('\n')).not.toContain(TOKEN)
  })

  it('a second bootstrap against the converged loop writes nothing', async () => {
    const refs: ObjectRef[] = [gitRepositoryRef, fluxKustomizationRef, { apiVersion: 'v1', kind: 'Secret', name: 'flux-system', namespace: 'flux-system' }, { apiVersion: 'v1', kind: 'Secret', name: 'sops-age', namespace: 'flux-system' }]
    const before = await Promise.all(refs.map(async (ref) => (await kube.get(ref))?.metadata.resourceVersion))
    const report = await bootstrap()
    expect(statuses(report)).toEqual(['cluster:done', 'engine:done', 'components:done', 'component-secrets:done', 'repo-credentials:done', 'sops-key:done', 'root-sync:done', 'health-gate:done'])
    expect(await Promise.all(refs.map(async (ref) => (await kube.get(ref))?.metadata.resourceVersion))).toEqual(before)
    expect(checkout.git('status', '--porcelain')).toBe('')
  })

  it("fails the health gate on a pushed broken manifest with Flux's own message (exit 1), and passes again after git revert", async () => {
    const good = checkout.head()
    // A ConfigMap value must be a string: the API server's dry-run refuses it, inside Flux.
    checkout.write(`clusters/${NAME}/demo/broken.yaml`, stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'broken', namespace: DEMO_NS }, data: { count: { not: 'a string' } } }))
    checkout.write(`clusters/${NAME}/demo/kustomization.yaml`, stringify({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: ['objects.yaml', 'broken.yaml'] }))
    const bad = await checkout.commitAndPush('a broken manifest')

    const started = performance.now()
    const report = await bootstrap()
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

    const reverted = await checkout.revertHeadAndPush()
    const again = await bootstrap()
    expect(statuses(again).at(-1)).toBe('health-gate:applied')
    expect((await kube.get(fluxKustomizationRef))?.status).toMatchObject({ lastAppliedRevision: `main@sha1:${reverted}` })
  })

  it('heals drift: an object changed or deleted by hand comes back from Git at the next reconcile', async () => {
    const head = checkout.head()
    // A hand edit under another field manager, as `kubectl edit` would make, and a deletion.
    await kube.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: DEMO_NS }, data: { greeting: 'edited by hand' } }, { fieldManager: 'kubectl-edit' })
    await kube.delete(webRef)
    await kube.waitFor(webRef, deleted, { timeoutMs: 30_000 })
    expect((await kube.get(settingsRef))?.data).toEqual({ greeting: 'edited by hand' })
    // The Kustomization's interval is 10m; ask for the reconcile it would make then, as `flux reconcile` does.
    const started = performance.now()
    await syncTo(head)
    await kube.waitFor(settingsRef, dataIs('greeting', 'hello'), { timeoutMs: 30_000 })
    await kube.waitFor(webRef, conditionTrue('Available'), { timeoutMs: 30_000 })
    console.log(`[flux] drift healed in ${((performance.now() - started) / 1000).toFixed(1)}s after the reconcile request`)
  })

  it('rolls back by git revert: values restored, objects the bad change added pruned (time from push to converged printed)', async () => {
    writeAll(demoFiles('a bad value', true))
    let pushed = performance.now()
    const bad = await checkout.commitAndPush('a bad change')
    await syncTo(bad)
    console.log(`[flux] bad change applied ${((performance.now() - pushed) / 1000).toFixed(1)}s after the push`)
    expect((await kube.get(settingsRef))?.data).toEqual({ greeting: 'a bad value' })
    expect(await kube.get(extraRef)).toBeDefined()

    pushed = performance.now()
    const reverted = await checkout.revertHeadAndPush()
    await syncTo(reverted)
    const converged = (performance.now() - pushed) / 1000
    expect((await kube.get(settingsRef))?.data).toEqual({ greeting: 'hello' })
    await kube.waitFor(extraRef, deleted, { timeoutMs: 30_000 })
    console.log(`[flux] rollback by git revert: ${reverted.slice(0, 7)} applied and the added ConfigMap pruned ${converged.toFixed(1)}s after the push`)
  })
})
