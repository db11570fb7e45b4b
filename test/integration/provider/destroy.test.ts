import { afterAll, describe, expect, it, onTestFinished } from 'vitest'
import { executeActions } from '../../../bootstrap/engine/actions.js'
import { runSteps } from '../../../bootstrap/engine/run.js'
import type { RunFlags, StepContext } from '../../../bootstrap/engine/step.js'
import type { KubeObject } from '../../../bootstrap/kube/client.js'
import { deleted } from '../../../bootstrap/kube/conditions.js'
import { exitCodeOf } from '../../../bootstrap/engine/errors.js'
import type { ClusterSpec } from '../../../bootstrap/spec/load.js'
import { uninstallActions } from '../../../bootstrap/steps/provider/uninstall.js'
import { ADOPTION_RECORD } from '../../../bootstrap/steps/provider/existing-cluster.js'
import { providerDestroySteps, providerSteps } from '../../../bootstrap/steps/provider/index.js'
import { encodeHelmRelease } from '../../../bootstrap/tools/helm.js'
import { renderGitServer } from '../../../bootstrap/render/git-server.js'
import { RecordingRunner } from '../../../bootstrap/tools/recording-runner.js'
import { specText, testContext, testSpec } from '../../unit/support/context.js'
import { toolsPresent } from '../../unit/steps/provider/support.js'
import { minimalCrd } from '../gitops/fakes.js'
import { controlPlane, testKube, uniqueName } from '../support.js'

const kube = testKube()
const userNamespace = uniqueName('user-apps')

afterAll(async () => {
  await kube.delete(ADOPTION_RECORD)
  // Wait until they are gone: the next suite must not find a Flux namespace left behind.
  await Promise.all(
    ['flux-system', userNamespace].map(async (name) => {
      const ref = { apiVersion: 'v1', kind: 'Namespace', name }
      if ((await kube.delete(ref)) === 'deleted') await kube.waitFor(ref, deleted, { timeoutMs: 60_000 })
    }),
  )
})

const spec: ClusterSpec = testSpec(specText({ provider: `type: existing\nkubeconfig: ${controlPlane().kubeconfigFile}\ncontext: ${controlPlane().context}` }))

/** A step context on the test cluster; helm is the one CLI that cannot run here, so a recorder stands in. */
function context(flags: Partial<RunFlags> = {}): StepContext & { runner: RecordingRunner } {
  const runner = new RecordingRunner(toolsPresent)
  return { ...testContext({ spec, runner, kube, flags }), runner }
}

const ns = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } })
const configMap = (namespace: string, name: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data: { a: 'b' } })

/** What the GitOps steps leave on a cluster: a Helm release (helm's storage Secret), a credentials Secret. */
async function installLikeKindling(): Promise<void> {
  await kube.apply(ns('flux-system'), { fieldManager: 'helm' })
  const release = encodeHelmRelease({ chart: { metadata: { version: '0.59.0' } }, config: {} })
  await kube.apply(
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 'sh.helm.release.v1.flux-operator.v1',
        namespace: 'flux-system',
        labels: { owner: 'helm', name: 'flux-operator', status: 'deployed', version: '1' },
      },
      type: 'helm.sh/release.v1',
      data: { release },
    },
    { fieldManager: 'helm' },
  )
  await kube.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'flux-system', namespace: 'flux-system' }, stringData: { username: 'git' } })
}

/** The in-cluster Git server a spec with no remote gets: its namespace and Service. */
const gitServer = (): KubeObject[] =>
  renderGitServer('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDestroyTestKeyOnly0000000000000000000000 test').filter((object) =>
    ['Namespace', 'Service'].includes(object.kind),
  )

describe('destroy on an existing cluster', () => {
  it('refuses without --yes in a non-interactive shell and changes nothing', async () => {
    const ctx = context()
    const report = await runSteps(providerDestroySteps(spec, { healthTimeoutMs: 1, interactive: false }), ctx)
    expect(report.ok).toBe(false)
    const error = report.steps.find((step) => step.name === 'confirm')?.error
    expect(exitCodeOf(error)).toBe(2)
    expect(error).toMatchObject({ message: expect.stringMatching(/refusing to destroy without --yes/) })
    expect(report.steps.find((step) => step.name === 'cluster')?.status).toBe('cancelled')
    expect(ctx.runner.commands.filter((command) => !command.readOnly)).toEqual([])
  })

  it('uninstalls only what kindling installed, then finds nothing left to do', async () => {
    await kube.apply(ns(userNamespace))
    await kube.apply(configMap(userNamespace, 'keep-me'))
    const adopt = await runSteps(providerSteps(spec, { healthTimeoutMs: 1, interactive: false }), context({ yes: true }))
    expect(adopt.ok).toBe(true)
    await installLikeKindling()
    await kube.applyAll(gitServer())

    const ctx = context({ yes: true })
    const report = await runSteps(providerDestroySteps(spec, { healthTimeoutMs: 1, interactive: false }), ctx)
    expect(report.steps.map((step) => [step.name, step.status])).toEqual([
      ['preflight', 'done'],
      ['confirm', 'done'],
      ['cluster', 'applied'],
    ])
    expect(ctx.runner.lines.filter((line) => line.startsWith('helm uninstall'))).toEqual([
      `helm uninstall flux-operator --namespace flux-system --kubeconfig ${controlPlane().kubeconfigFile} --kube-context ${controlPlane().context} --wait --timeout 5m`,
    ])
    expect(await kube.get({ apiVersion: 'v1', kind: 'Namespace', name: 'flux-system' })).toBeUndefined()
    expect(await kube.get({ apiVersion: 'v1', kind: 'Namespace', name: 'kindling-git' })).toBeUndefined()
    expect(await kube.get(ADOPTION_RECORD)).toBeUndefined()
    expect(await kube.get({ apiVersion: 'v1', kind: 'ConfigMap', name: 'keep-me', namespace: userNamespace })).toBeDefined()

    const again = context({ yes: true })
    const second = await runSteps(providerDestroySteps(spec, { healthTimeoutMs: 1, interactive: false }), again)
    expect(second.steps.find((step) => step.name === 'cluster')).toMatchObject({ status: 'done', detail: 'nothing installed by kindling' })
    expect(again.runner.commands.filter((command) => !command.readOnly)).toEqual([])
  })

  it('leaves an engine that ran before kindling, and its namespace, in place', async () => {
    const fluxCrd = minimalCrd('source.toolkit.fluxcd.io', 'v1', 'GitRepository', 'gitrepositories')
    await kube.applyAll([fluxCrd], { timeoutMs: 30_000 })
    onTestFinished(async () => void (await kube.delete({ apiVersion: fluxCrd.apiVersion, kind: fluxCrd.kind, name: fluxCrd.metadata.name })))
    await kube.apply(ns('flux-system'), { fieldManager: 'flux' })
    expect((await runSteps(providerSteps(spec, { healthTimeoutMs: 1, interactive: false }), context({ yes: true }))).ok).toBe(true)
    await installLikeKindling()
    await kube.apply({
      ...configMap('flux-system', 'kindling-owned'),
      metadata: { name: 'kindling-owned', namespace: 'flux-system', labels: { 'app.kubernetes.io/managed-by': 'kindling' } },
    })

    const ctx = context({ yes: true })
    const report = await runSteps(providerDestroySteps(spec, { healthTimeoutMs: 1, interactive: false }), ctx)
    expect(report.steps.map((step) => [step.name, step.status, step.error ? String(step.error) : ''])).toEqual([
      ['preflight', 'done', ''],
      ['confirm', 'done', ''],
      ['cluster', 'applied', ''],
    ])
    expect(ctx.runner.lines.filter((line) => line.startsWith('helm uninstall'))).toEqual([])
    expect(await kube.get({ apiVersion: 'v1', kind: 'Namespace', name: 'flux-system' })).toBeDefined()
    expect(await kube.get({ apiVersion: 'v1', kind: 'Secret', name: 'flux-system', namespace: 'flux-system' })).toBeDefined()
    expect(await kube.get({ apiVersion: 'v1', kind: 'ConfigMap', name: 'kindling-owned', namespace: 'flux-system' })).toBeUndefined()
  })
})

describe('destroy and the workloads Flux deployed', () => {
  const kustomization = { apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', name: 'flux-system', namespace: 'flux-system' }
  const crd = minimalCrd('kustomize.toolkit.fluxcd.io', 'v1', 'Kustomization', 'kustomizations')

  afterAll(async () => {
    await kube.delete({ apiVersion: crd.apiVersion, kind: crd.kind, name: crd.metadata.name })
  })

  it('turns pruning off before deleting the root Kustomization, so Flux does not delete what it applied', async () => {
    await kube.applyAll([crd, { ...ns('flux-system'), metadata: { name: 'flux-system', labels: { 'app.kubernetes.io/managed-by': 'kindling' } } }])
    await kube.apply({
      apiVersion: kustomization.apiVersion,
      kind: kustomization.kind,
      metadata: { name: kustomization.name, namespace: kustomization.namespace, labels: { 'app.kubernetes.io/managed-by': 'kindling' } },
      spec: { prune: true, path: './clusters/lab', interval: '10m', sourceRef: { kind: 'GitRepository', name: 'flux-system' } },
    })
    // Stands in for kustomize-controller's finalizer, which would garbage-collect when pruning is on.
    await kube.apply(
      {
        apiVersion: kustomization.apiVersion,
        kind: kustomization.kind,
        metadata: { name: kustomization.name, namespace: kustomization.namespace, finalizers: ['kindling.test/hold'] },
      },
      { fieldManager: 'test-controller' },
    )

    // Its delete, then the wait until it is gone.
    const running = executeActions(context({ yes: true }), uninstallActions(spec, { objects: [kustomization], releases: [], namespaces: [], record: false }))
    const terminating = await kube.waitFor(
      kustomization,
      { description: 'deletion started', test: (object) => ({ done: Boolean(object?.metadata.deletionTimestamp) }) },
      { timeoutMs: 30_000 },
    )
    expect((terminating?.spec as { prune?: boolean }).prune).toBe(false)
    expect((terminating?.spec as { path?: string }).path).toBe('./clusters/lab')
    await kube.apply(
      {
        apiVersion: kustomization.apiVersion,
        kind: kustomization.kind,
        metadata: { name: kustomization.name, namespace: kustomization.namespace, finalizers: [] },
      },
      { fieldManager: 'test-controller' },
    )
    await running
    expect(await kube.get(kustomization)).toBeUndefined()
  })
})
