import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { formatRef, refOf, type KubeObject, type ObjectRef } from '../../../bootstrap/kube/client.js'
import { conditionTrue, deleted } from '../../../bootstrap/kube/conditions.js'
import {
  asInstalledByCrossplane,
  crdSet,
  crdSetNames,
  CROSSPLANE_VERSION,
  deleteCrds,
  startCrossplane,
  upstreamCrds,
  type RunningCrossplane,
} from '../harness/crossplane.js'
import { controlPlane, testKube, uniqueName } from '../support.js'
import { CROSSPLANE_SPEC_FIELDS, xrJsonSchemas } from '../../../bootstrap/render/xr-schemas.js'

const kube = testKube()
const established = conditionTrue('Established')
const crdRef = (name: string): ObjectRef => ({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name })

let crossplane: RunningCrossplane | undefined

beforeAll(async () => {
  const plane = controlPlane()
  crossplane = await startCrossplane({ kubeconfigFile: plane.kubeconfigFile, context: plane.context, log: (line) => console.log(`[crossplane] ${line}`) })
  console.log(`[crossplane] running Crossplane ${crossplane.version} (CROSSPLANE_VERSION=${CROSSPLANE_VERSION}) against kube-apiserver ${plane.version}`)
})

afterAll(async () => {
  await crossplane?.stop()
})

describe('Crossplane core, built from its Go module, against the test control plane', () => {
  it('reports the pinned version', () => {
    expect(crossplane?.version).toBe(CROSSPLANE_VERSION)
  })

  it('marks a namespaced apiextensions.crossplane.io/v2 XRD Established, and removes it on delete', async () => {
    const group = `${uniqueName('xp')}.kindling.test`
    const xrd: KubeObject = {
      apiVersion: 'apiextensions.crossplane.io/v2',
      kind: 'CompositeResourceDefinition',
      metadata: { name: `xbuckets.${group}`, labels: { 'app.kubernetes.io/managed-by': 'kindling' } },
      spec: {
        group,
        names: { kind: 'XBucket', plural: 'xbuckets' },
        scope: 'Namespaced',
        versions: [
          {
            name: 'v1alpha1',
            served: true,
            referenceable: true,
            schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } } } },
          },
        ],
      },
    }
    const ref = refOf(xrd)
    onTestFinished(async () => {
      await kube.delete(ref)
      await kube.waitFor(ref, deleted, { timeoutMs: 60_000 })
    })

    await kube.apply(xrd)
    const live = await kube.waitFor(ref, established, { timeoutMs: 60_000 })
    expect(established.test(live).done).toBe(true)
    // Crossplane made the composite resource's own CRD, served and Established.
    const xrCrd = await kube.waitFor(crdRef(`xbuckets.${group}`), established, { timeoutMs: 30_000 })
    expect(xrCrd?.spec).toMatchObject({ group, scope: 'Namespaced', names: { kind: 'XBucket' } })
    // The schema the validate workflow gives kubeconform for such an XR has the same spec.crossplane
    // fields as the CRD the real Crossplane generated (names, and the update policy's values).
    type Props = Record<string, { properties?: Props; enum?: unknown[] }>
    const generated = (xrCrd?.spec as { versions: { schema: { openAPIV3Schema: { properties: Props } } }[] }).versions[0]!.schema.openAPIV3Schema.properties
    const crossplaneFields = generated.spec!.properties!.crossplane!.properties!
    const ours = [...xrJsonSchemas([xrd]).values()][0] as { properties: Props }
    expect(Object.keys(ours.properties.spec!.properties!.crossplane!.properties!).sort()).toEqual(Object.keys(crossplaneFields).sort())
    expect(Object.keys(CROSSPLANE_SPEC_FIELDS).sort()).toEqual(Object.keys(crossplaneFields).sort())
    expect(CROSSPLANE_SPEC_FIELDS.compositionUpdatePolicy!.enum).toEqual(crossplaneFields.compositionUpdatePolicy!.enum)
    expect(Object.keys(ours.properties.spec!.properties!).sort()).toEqual(Object.keys(generated.spec!.properties!).sort())

    // Deleting the XRD goes through Crossplane's finalizer, which also removes the XR's CRD.
    await kube.delete(ref)
    await kube.waitFor(ref, deleted, { timeoutMs: 60_000 })
    await kube.waitFor(crdRef(`xbuckets.${group}`), deleted, { timeoutMs: 60_000 })
  })

  it('server-side applies every upstream CRD set and sees each CRD Established', { timeout: 600_000 }, async () => {
    const names = crdSetNames()
    expect(names.length).toBeGreaterThan(0)
    const added: string[] = []
    // Leave the shared control plane as it was: other tests detect engines by their CRDs.
    onTestFinished(() => deleteCrds(kube, added))

    for (const name of names) {
      const set = crdSet(name)
      // Provider packages' CRDs as Crossplane would install them (conversion webhook Service filled in).
      const crds = upstreamCrds(name).map((crd) => asInstalledByCrossplane(crd, name))
      expect(crds.length, `CRDs in set ${name}`).toBeGreaterThan(0)
      const started = performance.now()
      for (const crd of crds) {
        if (!(await kube.get(refOf(crd)))) added.push(crd.metadata.name)
      }
      // applyAll: server-side apply (CRDs of any size), then waits until each is Established.
      await kube.applyAll(crds, { timeoutMs: 120_000 })
      for (const crd of crds) {
        const live = await kube.get(refOf(crd))
        expect(established.test(live).done, `${formatRef(crd)} Established`).toBe(true)
      }
      const note = set.version === set.wanted ? '' : ` (wanted ${set.wanted}, not served)`
      console.log(
        `[crds] ${name}: ${crds.length} CRDs from ${set.module}@${set.version}${note} Established in ${((performance.now() - started) / 1000).toFixed(1)}s`,
      )
    }
  })
})
