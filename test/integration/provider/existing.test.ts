import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it, onTestFinished } from 'vitest'
import { parse, stringify } from 'yaml'
import { executeActions } from '../../../bootstrap/engine/actions.js'
import { PrerequisiteError } from '../../../bootstrap/engine/errors.js'
import type { StepContext } from '../../../bootstrap/engine/step.js'
import { deleted } from '../../../bootstrap/kube/conditions.js'
import type { ClusterSpec } from '../../../bootstrap/spec/load.js'
import { connectKube } from '../../../bootstrap/steps/connect.js'
import { ADOPTION_RECORD, existingClusterStatusStep, existingClusterStep, readAdoptionRecord } from '../../../bootstrap/steps/provider/existing-cluster.js'
import { preflightStep } from '../../../bootstrap/steps/provider/preflight.js'
import { summaryLines } from '../../../bootstrap/steps/summary.js'
import { RecordingRunner } from '../../../bootstrap/tools/recording-runner.js'
import { specText, testContext, testSpec } from '../../unit/support/context.js'
import { toolsPresent } from '../../unit/steps/provider/support.js'
import { minimalCrd, recordHelmRelease } from '../gitops/fakes.js'
import { engineOf } from '../../../bootstrap/engines/index.js'
import { gitRepositoryRef } from '../../../bootstrap/engines/flux-health.js'
import { MANAGED_BY } from '../../../bootstrap/render/labels.js'
import { controlPlane, testKube } from '../support.js'

const kube = testKube()
const dir = mkdtempSync(path.join(os.tmpdir(), 'kindling-existing-'))

afterAll(async () => {
  await kube.delete(ADOPTION_RECORD)
  const fluxNamespace = { apiVersion: 'v1', kind: 'Namespace', name: 'flux-system' }
  if ((await kube.delete(fluxNamespace)) === 'deleted') await kube.waitFor(fluxNamespace, deleted, { timeoutMs: 60_000 })
  rmSync(dir, { recursive: true, force: true })
})

/**
 * A kubeconfig with the test cluster's context plus a decoy context (a dead server) that is the
 * current one: kindling must use the context the spec names, never the current one.
 */
function kubeconfigWithDecoy(): string {
  const config = parse(controlPlane().kubeconfig) as {
    clusters: { name: string; cluster: Record<string, unknown> }[]
    contexts: { name: string; context: Record<string, unknown> }[]
    users: { name: string }[]
    'current-context': string
  }
  config.clusters.push({ name: 'decoy', cluster: { server: 'https://127.0.0.1:1', 'insecure-skip-tls-verify': true } })
  config.contexts.push({ name: 'decoy', context: { cluster: 'decoy', user: config.users[0]!.name } })
  config['current-context'] = 'decoy'
  const file = path.join(dir, 'kubeconfig')
  writeFileSync(file, stringify(config))
  return file
}

function existingSpec(context: string): ClusterSpec {
  return testSpec(specText({ provider: `type: existing\nkubeconfig: ${kubeconfigWithDecoy()}\ncontext: ${context}` }))
}

function contextFor(spec: ClusterSpec): StepContext {
  const runner = new RecordingRunner(toolsPresent)
  return { ...testContext({ spec, runner }), kube: () => connectKube(spec, runner) }
}

describe('existing provider against a real control plane', () => {
  it('reports the Kubernetes version and nodes through the named context, not the current one', async () => {
    const plane = controlPlane()
    const spec = existingSpec(plane.context)
    const ctx = contextFor(spec)
    expect(await preflightStep(spec).check(ctx)).toMatchObject({ state: 'done' })
    const result = await existingClusterStep(spec).check(ctx)
    expect(result.state).toBe('todo')
    expect(result.detail).toContain(`${plane.version}, ${plane.nodes.length} node`)
    expect(result.detail).toMatch(/default StorageClass none, no GitOps engine installed/)
    const summary = summaryLines(ctx).join('\n')
    expect(summary).toContain(`context ${plane.context}`)
    for (const node of plane.nodes) expect(summary).toMatch(new RegExp(`node ${node}: Ready`))
    expect(ctx.facts.existingEngine).toBeUndefined()
  })

  it('records what ran before kindling once, then has nothing to do', async () => {
    const spec = existingSpec(controlPlane().context)
    const step = existingClusterStep(spec)
    const first = contextFor(spec)
    const result = await step.check(first)
    expect(result.state).toBe('todo')
    await executeActions(first, await step.plan(first, result.found))
    expect(await readAdoptionRecord(kube)).toEqual({ engines: [], namespaces: [] })
    const second = contextFor(spec)
    expect((await step.check(second)).state).toBe('done')
    await kube.delete(ADOPTION_RECORD)
  })

  it('sees a Flux that was there before (its CRDs, not just a namespace) and hands it to the GitOps steps', async () => {
    await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'flux-system' } }, { fieldManager: 'flux' })
    const spec = existingSpec(controlPlane().context)
    const ctx = contextFor(spec)
    expect((await existingClusterStatusStep(spec).check(contextFor(spec))).detail).toContain('no GitOps engine installed')
    const fluxCrd = minimalCrd('source.toolkit.fluxcd.io', 'v1', 'GitRepository', 'gitrepositories')
    await kube.applyAll([fluxCrd], { timeoutMs: 30_000 })
    onTestFinished(async () => void (await kube.delete({ apiVersion: fluxCrd.apiVersion, kind: fluxCrd.kind, name: fluxCrd.metadata.name })))
    const status = await existingClusterStatusStep(spec).check(ctx)
    expect(status).toMatchObject({ state: 'done', detail: expect.stringContaining('Flux already installed') })
    expect(ctx.facts.existingEngine).toBe('flux')
    expect(summaryLines(ctx).join('\n')).toMatch(
      /Flux ran here before kindling: kindling adopts it as it is, and never reinstalls or repoints what it did not create/,
    )
  })

  it("a cluster kindling bootstrapped before (its own Helm release there), adopted now: its Flux is not someone else's", async () => {
    const fluxCrd = minimalCrd('source.toolkit.fluxcd.io', 'v1', 'GitRepository', 'gitrepositories')
    const crdRef = { apiVersion: fluxCrd.apiVersion, kind: fluxCrd.kind, name: fluxCrd.metadata.name }
    // The test before removed the same CRD; its deletion finishes first.
    await kube.waitFor(crdRef, deleted, { timeoutMs: 60_000 })
    // And an Argo CD someone else installed (its CRD, no release of kindling's): that one is recorded.
    const argoCrd = minimalCrd('argoproj.io', 'v1alpha1', 'Application', 'applications')
    await kube.applyAll([fluxCrd, argoCrd], { timeoutMs: 30_000 })
    onTestFinished(
      async () =>
        void (await Promise.all([crdRef, { apiVersion: argoCrd.apiVersion, kind: argoCrd.kind, name: argoCrd.metadata.name }].map((ref) => kube.delete(ref)))),
    )
    const spec = existingSpec(controlPlane().context)
    const release = engineOf(spec).release(spec)
    await recordHelmRelease(kube, { release: release.release, namespace: release.namespace, version: release.version })
    // The release alone could be anyone's `helm install` of the same name: still someone else's Flux.
    const releaseOnly = contextFor(spec)
    await existingClusterStep(spec).check(releaseOnly)
    expect(releaseOnly.facts.existingEngine).toBe('flux')
    // With kindling's labelled root sync object beside it, the install is kindling's.
    await kube.apply({
      apiVersion: gitRepositoryRef.apiVersion,
      kind: gitRepositoryRef.kind,
      metadata: { name: gitRepositoryRef.name, namespace: gitRepositoryRef.namespace, labels: { ...MANAGED_BY } },
      spec: {},
    })
    onTestFinished(async () => void (await kube.delete(gitRepositoryRef)))
    onTestFinished(async () => {
      for (const secret of await kube.list('v1', 'Secret', { namespace: release.namespace, labelSelector: `owner=helm,name=${release.release}` }))
        await kube.delete({ apiVersion: 'v1', kind: 'Secret', name: secret.metadata.name, namespace: release.namespace })
    })
    const step = existingClusterStep(spec)
    const ctx = contextFor(spec)
    const result = await step.check(ctx)
    expect(result).toMatchObject({ state: 'todo', detail: expect.stringContaining('Flux and Argo CD already installed') })
    expect(ctx.facts.existingEngine).toBe('argocd')
    expect(summaryLines(ctx).join('\n')).not.toContain('ran here before kindling')
    expect(summaryLines(ctx).join('\n')).toContain('Argo CD runs here too; the spec asks for Flux')
    // destroy reads the record: kindling's own Flux and its namespace are kindling's to remove.
    await executeActions(ctx, await step.plan(ctx, result.found))
    onTestFinished(async () => void (await kube.delete(ADOPTION_RECORD)))
    expect(await readAdoptionRecord(kube)).toEqual({ engines: ['argocd'], namespaces: [] })
  })

  it('refuses a context the spec does not name: preflight fails (exit 3) and connecting is refused', async () => {
    const spec = existingSpec('not-in-this-kubeconfig')
    const ctx = contextFor(spec)
    const preflight = (await preflightStep(spec)
      .check(ctx)
      .catch((error: unknown) => error)) as PrerequisiteError
    expect(preflight).toBeInstanceOf(PrerequisiteError)
    expect(preflight.details.join('\n')).toMatch(/no context named "not-in-this-kubeconfig" \(contexts there: .*decoy/)
    await expect(existingClusterStep(spec).check(ctx)).rejects.toBeInstanceOf(PrerequisiteError)
  })
})
