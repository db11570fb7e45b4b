import { newFacts } from '../../../bootstrap/engine/facts.js'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { exitCodeOf, HealthError, type KindlingError } from '../../../bootstrap/engine/errors.js'
import { runSteps } from '../../../bootstrap/engine/run.js'
import type { Step, StepContext } from '../../../bootstrap/engine/step.js'
import type { KubeObject, ObjectRef } from '../../../bootstrap/kube/client.js'
import { deleted, exists, type Condition } from '../../../bootstrap/kube/conditions.js'
import type { ClusterSpec } from '../../../bootstrap/spec/load.js'
import { runWaits } from '../../../bootstrap/engine/waits.js'
import { engineOf } from '../../../bootstrap/engines/index.js'
import { rootApplicationRef } from '../../../bootstrap/engines/argocd-health.js'
import { fluxKustomizationRef, gitRepositoryRef } from '../../../bootstrap/engines/flux-health.js'
import { gitopsSteps } from '../../../bootstrap/steps/gitops/index.js'
import { rootSyncStep } from '../../../bootstrap/steps/gitops/root-sync.js'
import { gitopsStatusStep, type GitopsStatus } from '../../../bootstrap/steps/gitops/status.js'
import { platformFetch } from '../../../bootstrap/tools/git-host.js'
import { Redactor } from '../../../bootstrap/tools/secrets.js'
import { MANAGED_BY } from '../../../bootstrap/render/labels.js'
import { clusterStub, removeTempDirs, specYaml, tempRepo } from '../../unit/steps/gitops/support.js'
import { everyStepDone, testKube } from '../support.js'
import { ENGINE_CRDS, FakeToolsRunner, ready, recordHelmRelease, setStatus, TEST_AGE_IDENTITY } from './fakes.js'
import { engineStep } from '../../../bootstrap/steps/gitops/engine.js'

const kube = testKube()
const HEAD = 'c0ffee0123456789abcdef0123456789abcdef01'
const OLD = 'deadbeef0123456789abcdef0123456789abcdef'
const TOKEN = 'glpat-IntegrationTokenNeverPrinted0123'
const fluxInstanceRef: ObjectRef = { apiVersion: 'fluxcd.controlplane.io/v1', kind: 'FluxInstance', name: 'flux', namespace: 'flux-system' }

beforeAll(async () => {
  await kube.applyAll(ENGINE_CRDS)
})

afterAll(async () => {
  vi.unstubAllEnvs()
  // Wait until they are gone: the next file must not find an engine namespace still terminating.
  await Promise.all(
    ['flux-system', 'argocd'].map(async (name) => {
      const ref = { apiVersion: 'v1', kind: 'Namespace', name }
      if ((await kube.delete(ref)) === 'deleted') await kube.waitFor(ref, deleted, { timeoutMs: 60_000 })
    }),
  )
  await Promise.all(ENGINE_CRDS.map((crd) => kube.delete({ apiVersion: crd.apiVersion, kind: crd.kind, name: crd.metadata.name })))
  removeTempDirs()
})

function repoWithKey(engine: 'flux' | 'argocd', repository: string): { spec: ClusterSpec; root: string; home: string } {
  // The engine is played by this test; components (Crossplane, ...) have their own tests.
  const repo = tempRepo('lab', specYaml('lab', `engine: ${engine}`, repository, true, false))
  const keyFile = repo.spec.secrets.sops.ageKeyFile
  mkdirSync(path.dirname(keyFile), { recursive: true, mode: 0o700 })
  writeFileSync(keyFile, TEST_AGE_IDENTITY, { mode: 0o600 })
  vi.stubEnv('HOME', repo.home)
  return repo
}

function context(spec: ClusterSpec, runner: FakeToolsRunner, logs: string[]): StepContext {
  return {
    spec,
    runner,
    kube: async () => kube,
    log: (line) => logs.push(line),
    signal: new AbortController().signal,
    secrets: new Redactor(),
    flags: { dryRun: false, yes: false, recreate: false, purge: false, verbose: false },
    facts: newFacts(),
    env: process.env,
    fetch: platformFetch,
  }
}

/** What the health gate watches first: the root objects at `sha`. */
async function waitForRevision(spec: ClusterSpec, sha: string, timeoutMs: number): Promise<void> {
  await runWaits(context(spec, new FakeToolsRunner(kube, sha), []), engineOf(spec).revisionWaits(spec, sha, newFacts(), timeoutMs))
}

function stepsOf(spec: ClusterSpec, healthTimeoutMs = 90_000): Step[] {
  return [clusterStub, ...gitopsSteps(spec, { healthTimeoutMs, interactive: false })]
}

const annotated = (key: string): Condition => ({
  description: `annotation ${key}`,
  test: (object) => ({ done: object?.metadata.annotations?.[key] !== undefined }),
})

/** Play Flux's controllers: the operator reports the instance ready, then source and kustomize controllers report the head applied (after an older commit). */
async function playFlux(head: string): Promise<void> {
  await kube.waitFor(fluxInstanceRef, exists, { timeoutMs: 60_000 })
  await setStatus(fluxInstanceRef, { conditions: [ready('True', 'ReconciliationSucceeded', 'Reconciliation finished')] })
  await kube.waitFor(gitRepositoryRef, exists, { timeoutMs: 60_000 })
  await setStatus(gitRepositoryRef, {
    artifact: { revision: `main@sha1:${OLD}` },
    conditions: [ready('True', 'Succeeded', `stored artifact for revision 'main@sha1:${OLD}'`)],
  })
  await setStatus(gitRepositoryRef, {
    artifact: { revision: `main@sha1:${head}` },
    conditions: [ready('True', 'Succeeded', `stored artifact for revision 'main@sha1:${head}'`)],
  })
  await kube.waitFor(fluxKustomizationRef, exists, { timeoutMs: 60_000 })
  await setStatus(fluxKustomizationRef, {
    lastAppliedRevision: `main@sha1:${head}`,
    lastAttemptedRevision: `main@sha1:${head}`,
    inventory: { entries: [] },
    conditions: [ready('True', 'ReconciliationSucceeded', `Applied revision: main@sha1:${head}`)],
  })
}

describe('Flux bootstrap against a real API server', () => {
  let spec: ClusterSpec
  let root: string

  it('installs, syncs and passes the health gate at the remote head; a second bootstrap changes nothing', async () => {
    ;({ spec, root } = repoWithKey('flux', 'url: https://github.com/example/lab.git'))
    const runner = new FakeToolsRunner(kube, HEAD)
    const logs: string[] = []
    const [report] = await Promise.all([runSteps(stepsOf(spec), context(spec, runner, logs)), playFlux(HEAD)])
    expect(report.steps.map((step) => [step.name, step.status, step.error ? String(step.error) : ''])).toEqual([
      ['cluster', 'done', ''],
      ['engine', 'applied', ''],
      ['components', 'done', ''],
      ['component-secrets', 'done', ''],
      ['repo-credentials', 'done', ''],
      ['sops-key', 'applied', ''],
      ['root-sync', 'applied', ''],
      ['push', 'done', ''],
      ['health-gate', 'applied', ''],
      ['hooks', 'done', ''],
    ])
    expect(runner.lines.filter((line) => line.startsWith('helm'))).toEqual([
      expect.stringMatching(/^helm upgrade --install flux-operator .* --version 0\.59\.0 --namespace flux-system/),
    ])
    for (const file of ['flux-system/flux-instance.yaml', 'flux-system/sync.yaml', 'flux-system/flux-operator-values.yaml', 'kustomization.yaml'])
      expect(existsSync(path.join(root, 'clusters/lab', file))).toBe(true)
    expect(readFileSync(path.join(root, '.sops.yaml'), 'utf8')).toContain('age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p')
    const sopsSecret = await kube.get({ apiVersion: 'v1', kind: 'Secret', name: 'sops-age', namespace: 'flux-system' })
    expect(Buffer.from(String((sopsSecret?.data as Record<string, string>)['age.agekey']), 'base64').toString()).toBe(TEST_AGE_IDENTITY)
    expect(logs.join('\n')).not.toContain('AGE-SECRET-KEY')

    const before = await Promise.all(
      [fluxInstanceRef, gitRepositoryRef, fluxKustomizationRef].map(async (ref) => (await kube.get(ref))?.metadata.resourceVersion),
    )
    const again = new FakeToolsRunner(kube, HEAD)
    const second = await runSteps(stepsOf(spec), context(spec, again, []))
    expect(second.steps.map((step) => `${step.name}:${step.status}`)).toEqual(everyStepDone())
    expect(again.commands.every((command) => command.readOnly)).toBe(true)
    const after = await Promise.all(
      [fluxInstanceRef, gitRepositoryRef, fluxKustomizationRef].map(async (ref) => (await kube.get(ref))?.metadata.resourceVersion),
    )
    expect(after).toEqual(before)
  })

  it('finishes after a run was killed during helm upgrade: rolls the pending release back, then upgrades', async () => {
    const releases = await kube.list('v1', 'Secret', { namespace: 'flux-system', labelSelector: 'owner=helm,name=flux-operator' })
    const latest = releases.sort((a, b) => Number(b.metadata.labels?.version) - Number(a.metadata.labels?.version))[0]!
    const revision = Number(latest.metadata.labels?.version) + 1
    await kube.apply({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: `sh.helm.release.v1.flux-operator.v${revision}`,
        namespace: 'flux-system',
        labels: { owner: 'helm', name: 'flux-operator', status: 'pending-upgrade', version: String(revision) },
      },
      type: 'helm.sh/release.v1',
      data: latest.data,
    })
    const runner = new FakeToolsRunner(kube, HEAD)
    const report = await runSteps(stepsOf(spec), context(spec, runner, []))
    expect(report.steps.map((step) => `${step.name}:${step.status}`)).toEqual([
      'cluster:done',
      'engine:applied',
      'components:done',
      'component-secrets:done',
      'repo-credentials:done',
      'sops-key:done',
      'root-sync:done',
      'push:done',
      'health-gate:done',
      'hooks:done',
    ])
    expect(runner.lines.filter((line) => line.startsWith('helm')).map((line) => line.split(' ').slice(0, 3).join(' '))).toEqual([
      'helm rollback flux-operator',
      'helm upgrade --install',
    ])
    const again = new FakeToolsRunner(kube, HEAD)
    expect((await runSteps(stepsOf(spec), context(spec, again, []))).steps.every((step) => step.status === 'done')).toBe(true)
  })

  it('fails fast when the Kustomization turns Ready=False at the head, showing its condition and events', async () => {
    const next = 'abcabc0123456789abcdef0123456789abcdef01'
    await setStatus(fluxKustomizationRef, {
      lastAppliedRevision: `main@sha1:${HEAD}`,
      lastAttemptedRevision: `main@sha1:${next}`,
      conditions: [ready('False', 'BuildFailed', 'kustomize build failed: accumulating resources from ./apps')],
    })
    await setStatus(gitRepositoryRef, { artifact: { revision: `main@sha1:${next}` }, conditions: [ready('True', 'Succeeded', 'stored artifact')] })
    await kube.apply(event('flux-system', 'Kustomization', 'BuildFailed', 'kustomize build failed: accumulating resources from ./apps'))
    const started = performance.now()
    const error = await waitForRevision(spec, next, 60_000).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(performance.now() - started).toBeLessThan(15_000)
    expect(error).toBeInstanceOf(HealthError)
    expect((error as HealthError).message).toMatch(/Kustomization flux-system\/flux-system: Ready=True at abcabc0 failed; last: Ready=False \(BuildFailed\)/)
    expect((error as HealthError).details.join('\n')).toContain('Warning BuildFailed: kustomize build failed')
  })

  it('times out naming the objects under the root that are not ready, with their conditions', async () => {
    await kube.apply({
      apiVersion: 'helm.toolkit.fluxcd.io/v2',
      kind: 'HelmRelease',
      metadata: { name: 'podinfo', namespace: 'flux-system' },
      spec: { interval: '1h' },
    })
    await setStatus(
      { apiVersion: 'helm.toolkit.fluxcd.io/v2', kind: 'HelmRelease', name: 'podinfo', namespace: 'flux-system' },
      {
        conditions: [ready('False', 'InstallFailed', 'Helm install failed: context deadline exceeded')],
      },
    )
    await setStatus(fluxKustomizationRef, {
      lastAppliedRevision: `main@sha1:${HEAD}`,
      inventory: { entries: [{ id: 'flux-system_podinfo_helm.toolkit.fluxcd.io_HelmRelease', v: 'v2' }] },
      conditions: [ready('Unknown', 'Progressing', 'Reconciliation in progress')],
    })
    const error = (await waitForRevision(spec, 'abcabc0123456789abcdef0123456789abcdef01', 5_000).then(
      () => undefined,
      (e: unknown) => e,
    )) as HealthError
    expect(error).toBeInstanceOf(HealthError)
    expect(error.message).toMatch(/timed out after [\d.]+ s; last: Ready=Unknown \(Progressing\): Reconciliation in progress/)
    expect(error.details).toContain('  HelmRelease flux-system/podinfo: Ready=False (InstallFailed): Helm install failed: context deadline exceeded')
  })

  it('status shows the same: the revision behind the remote and the objects not ready, without changing anything', async () => {
    const step = gitopsStatusStep(spec)
    const runner = new FakeToolsRunner(kube, 'abcabc0123456789abcdef0123456789abcdef01')
    const ctx = context(spec, runner, [])
    const before = (await kube.get(fluxKustomizationRef))?.metadata.resourceVersion
    expect((await step.check(ctx)).detail).toMatch(/not applied yet/)
    const error = (await step.verify!(ctx).then(
      () => undefined,
      (e: unknown) => e,
    )) as HealthError
    expect(error.details.join('\n')).toContain('HelmRelease flux-system/podinfo: Ready=False (InstallFailed)')
    expect((await kube.get(fluxKustomizationRef))?.metadata.resourceVersion).toBe(before)
    expect(runner.commands.every((command) => command.readOnly)).toBe(true)
  })

  it('status lists each component the spec enables (what --json carries): not ready, naming the object, until the engine applies it', async () => {
    // The root at the remote head, applied and Ready: only the component is left.
    await setStatus(gitRepositoryRef, {
      artifact: { revision: `main@sha1:${HEAD}` },
      conditions: [ready('True', 'Succeeded', `stored artifact for revision 'main@sha1:${HEAD}'`)],
    })
    await setStatus(fluxKustomizationRef, {
      lastAppliedRevision: `main@sha1:${HEAD}`,
      lastAttemptedRevision: `main@sha1:${HEAD}`,
      inventory: { entries: [] },
      conditions: [ready('True', 'ReconciliationSucceeded', `Applied revision: main@sha1:${HEAD}`)],
    })
    const withApps: ClusterSpec = { ...spec, components: { ...spec.components, apps: { ...spec.components.apps, enabled: true } } }
    const appsRef: ObjectRef = { apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', name: 'apps', namespace: 'flux-system' }
    const statusNow = async (): Promise<GitopsStatus> => {
      const ctx = context(withApps, new FakeToolsRunner(kube, HEAD), [])
      await gitopsStatusStep(withApps).check(ctx)
      return ctx.facts.status.gitops as GitopsStatus
    }

    const before = await statusNow()
    expect(before).toMatchObject({ applied: true, healthy: false })
    expect(before.components).toEqual([{ name: 'apps', ready: false, problems: ['Kustomization flux-system/apps: object does not exist'], checks: [] }])
    expect(before.problems).toEqual(['Kustomization flux-system/apps: object does not exist'])

    // The engine applies the apps folder and reports it Ready at the head.
    await kube.apply({
      apiVersion: appsRef.apiVersion,
      kind: appsRef.kind,
      metadata: { name: appsRef.name, namespace: appsRef.namespace },
      spec: { interval: '10m', path: './clusters/lab/apps', prune: true, sourceRef: { kind: 'GitRepository', name: 'flux-system' } },
    })
    try {
      await setStatus(appsRef, {
        lastAppliedRevision: `main@sha1:${HEAD}`,
        conditions: [ready('True', 'ReconciliationSucceeded', `Applied revision: main@sha1:${HEAD}`)],
      })
      const after = await statusNow()
      expect(after.components).toEqual([{ name: 'apps', ready: true, problems: [], checks: [] }])
      expect(after).toMatchObject({ applied: true, healthy: true, problems: [] })
    } finally {
      await kube.delete(appsRef)
    }
  })
})

function event(namespace: string, kind: string, reason: string, message: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `flux-system.${reason.toLowerCase()}`, namespace },
    involvedObject: { apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind, name: 'flux-system', namespace },
    reason,
    message,
    type: 'Warning',
    count: 1,
    firstTimestamp: new Date().toISOString(),
    lastTimestamp: new Date().toISOString(),
    source: { component: 'kustomize-controller' },
  }
}

/** Play Argo CD: when the refresh annotation appears, clear it and report the head Synced and Healthy. */
async function playArgo(head: string): Promise<void> {
  await kube.waitFor(rootApplicationRef, annotated('argocd.argoproj.io/refresh'), { timeoutMs: 90_000 })
  await setStatus(
    rootApplicationRef,
    {
      sync: { status: 'Synced', revision: head },
      health: { status: 'Healthy' },
      operationState: { phase: 'Succeeded', syncResult: { revision: head } },
      resources: [],
    },
    (object) => {
      delete (object.metadata as { annotations?: Record<string, string> }).annotations?.['argocd.argoproj.io/refresh']
    },
  )
}

describe('Argo CD bootstrap against a real API server', () => {
  it('on a cluster where kindling installed Flux, stops with exit 2 before changing anything; after Flux is uninstalled it goes on', async () => {
    const { spec } = repoWithKey('argocd', 'url: https://gitlab.com/example/lab.git')
    const fluxSpec = repoWithKey('flux', 'url: https://gitlab.com/example/lab.git').spec
    const fluxRelease = engineOf(fluxSpec).release(fluxSpec)
    await recordHelmRelease(kube, { release: fluxRelease.release, namespace: fluxRelease.namespace, version: fluxRelease.version })
    // Kindling's install: the release and kindling's labelled root sync object.
    await kube.apply({
      apiVersion: gitRepositoryRef.apiVersion,
      kind: gitRepositoryRef.kind,
      metadata: { name: gitRepositoryRef.name, namespace: gitRepositoryRef.namespace, labels: { ...MANAGED_BY } },
      spec: { url: 'https://gitlab.com/example/lab.git' },
    })
    const runner = new FakeToolsRunner(kube, HEAD)
    const error = await engineStep(spec)
      .check(context(spec, runner, []))
      .then(
        () => undefined,
        (e: unknown) => e,
      )
    expect(exitCodeOf(error)).toBe(2)
    const text = [String(error), ...(error as KindlingError).details].join('\n')
    expect(text).toMatch(/Flux runs on this cluster \(kindling installed it\), but the spec now asks for Argo CD/)
    expect(text).toContain('kindling destroy -c lab')
    expect(runner.commands).toEqual([])
    // What `kindling destroy` does to it: helm uninstall removes the release's records.
    for (const secret of await kube.list('v1', 'Secret', { namespace: fluxRelease.namespace, labelSelector: `owner=helm,name=${fluxRelease.release}` }))
      await kube.delete({ apiVersion: 'v1', kind: 'Secret', name: secret.metadata.name, namespace: fluxRelease.namespace })
    expect((await engineStep(spec).check(context(spec, runner, []))).state).toBe('todo')
  })

  it('installs with an HTTPS token it never prints, refreshes instead of waiting, passes the gate, and changes nothing the second time', async () => {
    const { spec } = repoWithKey('argocd', 'url: https://gitlab.com/example/lab.git\nauth:\n  type: https\n  tokenEnv: LAB_TOKEN')
    vi.stubEnv('LAB_TOKEN', TOKEN)
    const runner = new FakeToolsRunner(kube, HEAD)
    const logs: string[] = []
    const [report] = await Promise.all([runSteps(stepsOf(spec), context(spec, runner, logs)), playArgo(HEAD)])
    expect(report.steps.map((step) => `${step.name}:${step.status}${step.error ? ` ${String(step.error)}` : ''}`)).toEqual([
      'cluster:done',
      'engine:applied',
      'components:done',
      'component-secrets:done',
      'repo-credentials:applied',
      'sops-key:applied',
      'root-sync:applied',
      'push:done',
      'health-gate:applied',
      'hooks:done',
    ])
    const secret = await kube.get({ apiVersion: 'v1', kind: 'Secret', name: 'lab-repository', namespace: 'argocd' })
    expect(secret?.metadata.labels).toMatchObject({ 'argocd.argoproj.io/secret-type': 'repository' })
    expect(Buffer.from(String((secret?.data as Record<string, string>).password), 'base64').toString()).toBe(TOKEN)
    expect([...logs, ...runner.lines].join('\n')).not.toContain(TOKEN)
    expect(runner.commands.flatMap((command) => command.args).join(' ')).not.toContain(TOKEN)

    const again = new FakeToolsRunner(kube, HEAD)
    const second = await runSteps(stepsOf(spec), context(spec, again, []))
    expect(second.steps.map((step) => `${step.name}:${step.status}`)).toEqual(everyStepDone())
    expect(again.commands.every((command) => command.readOnly)).toBe(true)

    await setStatus(rootApplicationRef, {
      sync: { status: 'OutOfSync', revision: HEAD },
      health: { status: 'Healthy' },
      resources: [{ group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'default', name: 'web', status: 'OutOfSync', health: { status: 'Healthy' } }],
    })
    const status = gitopsStatusStep(spec)
    const ctx = context(spec, new FakeToolsRunner(kube, HEAD), [])
    await status.check(ctx)
    const drift = (await status.verify!(ctx).then(
      () => undefined,
      (e: unknown) => e,
    )) as HealthError
    // Drift is named once, as drift, with the Application that syncs it back; not again as an unhealthy object.
    expect(drift.details.join('\n')).toMatch(/drift: Deployment default\/web differs from Git; Application argocd\/\S+ syncs it back \(self-heal\)/)
    expect(drift.details.join('\n')).not.toContain('OutOfSync (drift)')
  })
})

describe('SSH deploy key against a real API server', () => {
  it('stores the deploy key for Flux and registers it read-only through the GitHub API, never printing the token or key', async () => {
    const { spec, home } = repoWithKey('flux', 'url: git@github.com:example/lab.git\nauth:\n  type: ssh')
    const keyFile = path.join(home, 'deploy_ed25519')
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'test', '-f', keyFile])
    writeFileSync(path.join(home, 'known_hosts'), 'github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n')
    const sshSpec: ClusterSpec = {
      ...spec,
      repository: { ...spec.repository, auth: { type: 'ssh', privateKeyFile: keyFile, knownHostsFile: path.join(home, 'known_hosts') } },
    }
    const githubToken = 'ghp_IntegrationGitHubTokenNeverPrinted01'
    vi.stubEnv('GITHUB_TOKEN', githubToken)
    const requests: { url: string; method: string; body?: string; headers: Record<string, string> }[] = []
    // No Git host is reachable from tests: a scripted stand-in answers the two calls GitHub would.
    vi.stubGlobal('fetch', async (url: string, init: { method: string; body?: string; headers: Record<string, string> }) => {
      requests.push({ url, ...init })
      return { ok: true, status: init.method === 'GET' ? 200 : 201, json: async () => (init.method === 'GET' ? [] : {}), text: async () => '' }
    })
    await kube.applyAll([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'flux-system' } }])
    const engineDone: Step = { name: 'engine', title: 'Engine', needs: ['cluster'], check: async () => ({ state: 'done' }), plan: () => [] }
    const credentials = gitopsSteps(sshSpec, { healthTimeoutMs: 1000, interactive: false }).find((step) => step.name === 'repo-credentials')!
    const logs: string[] = []
    const report = await runSteps([clusterStub, engineDone, credentials], context(sshSpec, new FakeToolsRunner(kube, HEAD), logs))
    vi.unstubAllGlobals()
    expect(report.steps.map((step) => `${step.name}:${step.status}${step.error ? ` ${String(step.error)}` : ''}`)).toEqual([
      'cluster:done',
      'engine:done',
      'repo-credentials:applied',
    ])
    const secret = await kube.get({ apiVersion: 'v1', kind: 'Secret', name: 'flux-system', namespace: 'flux-system' })
    const data = Object.fromEntries(
      Object.entries(secret?.data as Record<string, string>).map(([key, value]) => [key, Buffer.from(value, 'base64').toString()]),
    )
    expect(data.identity).toBe(readFileSync(keyFile, 'utf8'))
    expect(data.known_hosts).toContain('github.com ssh-ed25519')
    expect(requests.map((request) => `${request.method} ${request.url}`)).toEqual([
      'GET https://api.github.com/repos/example/lab/keys?per_page=100',
      'POST https://api.github.com/repos/example/lab/keys',
    ])
    expect(JSON.parse(requests[1]!.body!)).toMatchObject({ read_only: true, key: readFileSync(`${keyFile}.pub`, 'utf8').trim() })
    expect(logs.join('\n')).toContain('deploy key registered (read-only) on example/lab')
    expect(logs.join('\n')).not.toContain(githubToken)
    expect(logs.join('\n')).not.toContain('PRIVATE KEY')
    const again = await runSteps([clusterStub, engineDone, credentials], context(sshSpec, new FakeToolsRunner(kube, HEAD), []))
    expect(again.steps.map((step) => step.status)).toEqual(['done', 'done', 'done'])
  })
})

describe('an engine someone else set up', () => {
  it('is not repointed: root-sync stops with exit 2 and leaves the GitRepository as it was', async () => {
    const { spec } = repoWithKey('flux', 'url: https://github.com/example/lab.git')
    await kube.delete(gitRepositoryRef)
    await kube.waitFor(gitRepositoryRef, deleted, { timeoutMs: 30_000 })
    const theirs: KubeObject = {
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'GitRepository',
      metadata: { name: gitRepositoryRef.name, namespace: gitRepositoryRef.namespace },
      spec: { url: 'ssh://git@github.com/someone/else', interval: '1m', ref: { branch: 'main' } },
    }
    await kube.apply(theirs, { fieldManager: 'flux' })
    const error = await rootSyncStep(spec)
      .check(context(spec, new FakeToolsRunner(kube, HEAD), []))
      .then(
        () => undefined,
        (e: unknown) => e,
      )
    expect(exitCodeOf(error)).toBe(2)
    expect(String(error)).toMatch(/GitRepository flux-system\/flux-system already exists and was not made by kindling \(managed by flux\)/)
    expect((await kube.get(gitRepositoryRef))?.spec).toMatchObject({ url: 'ssh://git@github.com/someone/else' })
  })
})
