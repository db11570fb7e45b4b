import { afterAll, describe, expect, it } from 'vitest'
import { describeAction } from '../../../bootstrap/engine/actions.js'
import { runSteps } from '../../../bootstrap/engine/run.js'
import type { Step } from '../../../bootstrap/engine/step.js'
import { TimeoutError } from '../../../bootstrap/engine/errors.js'
import type { KubeObject } from '../../../bootstrap/kube/client.js'
import { conditionTrue, deleted, deploymentAvailable } from '../../../bootstrap/kube/conditions.js'
import { testContext } from '../../unit/support/context.js'
import { controlPlane, testKube, uniqueName } from '../support.js'

const kube = testKube()
const namespaces: string[] = []

afterAll(async () => {
  await Promise.all(namespaces.map((name) => kube.delete({ apiVersion: 'v1', kind: 'Namespace', name })))
})

function namespace(prefix: string): KubeObject {
  const name = uniqueName(prefix)
  namespaces.push(name)
  // Labelled like everything kindling applies: an apply that sets no field at all (a bare
  // Namespace) leaves the API server no managedFields entry, so the next apply would re-record
  // ownership and bump resourceVersion.
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'app.kubernetes.io/managed-by': 'kindling' } } }
}

function configMap(ns: string, name: string, data: Record<string, string>): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data }
}

function deployment(ns: string, name: string, extraPodSpec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10' }], ...extraPodSpec },
      },
    },
  }
}

/** A CRD whose schema carries enough documented fields to pass 262,144 bytes, like kube-prometheus-stack's. */
function hugeCrd(group: string): KubeObject {
  const properties: Record<string, unknown> = {}
  for (let i = 0; properties && JSON.stringify(properties).length < 300_000; i++) {
    properties[`field${i}`] = { type: 'string', description: `Field number ${i}. `.repeat(12) }
  }
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `widgets.${group}` },
    spec: {
      group,
      names: { kind: 'Widget', plural: 'widgets', singular: 'widget', listKind: 'WidgetList' },
      scope: 'Namespaced',
      versions: [
        { name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties } } } } },
      ],
    },
  }
}

describe('kube module against a real API server', () => {
  it('runs a real kube-apiserver, not a v0.0.0 development build', () => {
    expect(controlPlane().version).toMatch(/^v1\.\d+\.\d+$/)
  })

  it('server-side applies a set of objects; applying it again changes nothing and says so', async () => {
    const ns = namespace('apply')
    const objects = [ns, configMap(ns.metadata.name, 'a', { x: '1' }), configMap(ns.metadata.name, 'b', { y: '2' })]
    const first = await kube.applyAll(objects)
    expect(first.map((r) => r.outcome)).toEqual(['created', 'created', 'created'])
    const second = await kube.applyAll(objects)
    expect(second.map((r) => r.outcome)).toEqual(['unchanged', 'unchanged', 'unchanged'])
    expect(second.map((r) => r.object.metadata.resourceVersion)).toEqual(first.map((r) => r.object.metadata.resourceVersion))
    const changed = await kube.apply(configMap(ns.metadata.name, 'a', { x: '2' }))
    expect(changed.outcome).toBe('configured')
    const live = await kube.get({ apiVersion: 'v1', kind: 'ConfigMap', name: 'a', namespace: ns.metadata.name })
    expect((live?.metadata.managedFields as { manager: string }[]).map((entry) => entry.manager)).toContain('kindling')
  })

  it('applies a CRD larger than 262,144 bytes and waits until it is Established', async () => {
    const crd = hugeCrd(`${uniqueName('big')}.kindling.test`)
    expect(JSON.stringify(crd).length).toBeGreaterThan(262_144)
    const [result] = await kube.applyAll([crd])
    expect(result!.outcome).toBe('created')
    const established = await kube.waitFor({ apiVersion: crd.apiVersion, kind: crd.kind, name: crd.metadata.name }, conditionTrue('Established'), {
      timeoutMs: 30_000,
    })
    expect(established).toBeDefined()
    await kube.delete({ apiVersion: crd.apiVersion, kind: crd.kind, name: crd.metadata.name })
  })

  it('waits for a Deployment to become Available on simulated nodes', async () => {
    const ns = namespace('deploy')
    await kube.applyAll([ns, deployment(ns.metadata.name, 'web')])
    const ready = await kube.waitFor({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: ns.metadata.name }, deploymentAvailable, {
      timeoutMs: 60_000,
    })
    expect(ready?.status).toMatchObject({ readyReplicas: 2 })
  })

  it('times out on a Deployment that can never be ready, naming its conditions and events', async () => {
    const ns = namespace('stuck')
    await kube.applyAll([ns, deployment(ns.metadata.name, 'stuck', { nodeSelector: { 'kindling.test/nowhere': 'true' } })])
    const ref = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'stuck', namespace: ns.metadata.name }
    const started = performance.now()
    const error = await kube.waitFor(ref, deploymentAvailable, { timeoutMs: 4_000 }).catch((e: unknown) => e)
    expect(performance.now() - started).toBeLessThan(20_000)
    expect(error).toBeInstanceOf(TimeoutError)
    const failure = error as TimeoutError
    expect(failure.message).toMatch(new RegExp(`^Deployment ${ns.metadata.name}/stuck: Available=True with all replicas ready timed out after 4 s; last: `))
    expect(failure.message).toMatch(/Available=False \(MinimumReplicasUnavailable\)|no Available condition yet/)
    expect(failure.message).toContain('0/2 ready')
    expect(failure.details.join('\n')).toMatch(/recent events:\n\s+Normal ScalingReplicaSet: Scaled up replica set stuck-/)
  })

  it('deletes a namespace and waits until the controller manager has finalized it', async () => {
    const ns = namespace('gone')
    await kube.applyAll([ns, configMap(ns.metadata.name, 'c', { z: '3' })])
    expect(await kube.delete({ apiVersion: 'v1', kind: 'Namespace', name: ns.metadata.name })).toBe('deleted')
    await kube.waitFor({ apiVersion: 'v1', kind: 'Namespace', name: ns.metadata.name }, deleted, { timeoutMs: 60_000 })
    expect(await kube.get({ apiVersion: 'v1', kind: 'Namespace', name: ns.metadata.name })).toBeUndefined()
    expect(await kube.delete({ apiVersion: 'v1', kind: 'Namespace', name: ns.metadata.name })).toBe('absent')
  })

  it('a dry-run plan against live state says "up to date" for what exists and lists what does not', async () => {
    const ns = namespace('plan')
    const existing = configMap(ns.metadata.name, 'present', { a: '1' })
    await kube.applyAll([ns, existing])
    const missing = configMap(ns.metadata.name, 'absent', { b: '2' })
    const drifted = configMap(ns.metadata.name, 'present', { a: 'changed' })
    expect(await kube.planApply([ns, existing, missing])).toEqual([
      { ref: `Namespace ${ns.metadata.name}`, state: 'up to date' },
      { ref: `ConfigMap ${ns.metadata.name}/present`, state: 'up to date' },
      { ref: `ConfigMap ${ns.metadata.name}/absent`, state: 'create' },
    ])
    expect((await kube.planApply([drifted]))[0]!.state).toBe('change')

    const step: Step = {
      name: 'objects',
      title: 'Apply objects',
      needs: [],
      check: async () => ({ state: 'todo' }),
      plan: () => [{ type: 'apply', objects: [ns, existing, missing] }],
    }
    const report = await runSteps([step], testContext({ kube, flags: { dryRun: true } }))
    const text = describeAction(report.steps[0]!.actions![0]!, (t) => t)
    expect(text).toContain(`Namespace ${ns.metadata.name}: up to date`)
    expect(text).toContain(`ConfigMap ${ns.metadata.name}/present: up to date`)
    expect(text).toContain(`ConfigMap ${ns.metadata.name}/absent: create`)
    expect(await kube.get({ apiVersion: 'v1', kind: 'ConfigMap', name: 'absent', namespace: ns.metadata.name })).toBeUndefined()
  })

  it('refuses a context the kubeconfig does not name', async () => {
    const { KubeClient } = await import('../../../bootstrap/kube/client.js')
    expect(() => KubeClient.fromKubeconfig({ file: controlPlane().kubeconfigFile, context: 'prod' })).toThrow(/has no context named "prod"/)
  })
})
