import { readFileSync } from 'node:fs'
import path from 'node:path'
import { parse, stringify } from 'yaml'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { ComponentDescription } from '../../../bootstrap/components/component.js'
import { crossplanePackages } from '../../../bootstrap/components/crossplane-packages.js'
import { postgres } from '../../../bootstrap/components/postgres.js'
import { XRD_NAME } from '../../../bootstrap/components/postgres/xrd.js'
import { fluxReadyAt } from '../../../bootstrap/engines/flux-health.js'
import type { KubeObject, ObjectRef } from '../../../bootstrap/kube/client.js'
import { renderFluxComponentFiles } from '../../../bootstrap/render/flux-components.js'
import { kustomizationFile } from '../../../bootstrap/render/repo-files.js'
import type { KindlingError } from '../../../bootstrap/engine/errors.js'
import { conditionTrue, deleted, type Condition } from '../../../bootstrap/kube/conditions.js'
import { CROSSPLANE_VERSION, startCrossplane, type RunningCrossplane } from '../harness/crossplane.js'
import { LOOP_NAME, startFluxLoop, type FluxLoop } from '../harness/flux-loop.js'
import { startFunctions, type RunningFunctions } from '../harness/functions.js'
import { controlPlane, testKube } from '../support.js'

// The whole path of the self-service database, for real: kindling's Functions, PostgresInstance
// XRD and local Composition are pushed to Git; Flux's source-controller and kustomize-controller
// apply them; Crossplane core installs the Functions from their packages and composes the XR an app
// team pushes, running function-go-templating and function-auto-ready built from their Go modules
// (harness/functions.ts says what is stood in for: only the Pods that would run the functions).

const kube = testKube()
const ORDERS = `clusters/${LOOP_NAME}/orders`
const NS = 'orders'
const PV: ObjectRef = { apiVersion: 'v1', kind: 'PersistentVolume', name: 'kindling-compose-test' }

let crossplane: RunningCrossplane | undefined
let functions: RunningFunctions | undefined
let loop: FluxLoop | undefined

const ref = (kind: string, name: string, apiVersion = 'v1'): ObjectRef => ({ apiVersion, kind, name, namespace: NS })
const xrRef: ObjectRef = { apiVersion: 'platform.kindling.dev/v1alpha1', kind: 'PostgresInstance', name: 'orders-db', namespace: NS }
const statefulSet = ref('StatefulSet', 'orders-db-postgres', 'apps/v1')
const service = ref('Service', 'orders-db-postgres')
const connection = ref('Secret', 'orders-db-connection')
const secretData = (object: KubeObject | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries((object?.data ?? {}) as Record<string, string>).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]))
const cpuRequest = (object: KubeObject | undefined): string | undefined =>
  (object?.spec as { template: { spec: { containers: { resources: { requests: { cpu: string } } }[] } } } | undefined)?.template.spec.containers[0]?.resources
    .requests.cpu
const cpuIs = (cpu: string): Condition => ({
  description: `cpu request ${cpu}`,
  test: (object) => ({ done: cpuRequest(object) === cpu, message: `cpu request ${cpuRequest(object)}` }),
})

/** The root kustomization.yaml of the loop's cluster folder, with `folders` listed after what kindling wrote. */
function rootKustomization(folders: string[]): string {
  const file = path.join(loop!.spec.repoRoot, 'clusters', LOOP_NAME, 'kustomization.yaml')
  const current = parse(readFileSync(file, 'utf8')) as { resources: string[] }
  const kindling = current.resources.filter((entry) => !['components', 'orders'].includes(entry))
  return stringify({ ...current, resources: [...kindling, ...folders] })
}

beforeAll(async () => {
  const plane = controlPlane()
  const log = (line: string): void => console.log(`[compose] ${line}`)
  crossplane = await startCrossplane({ kubeconfigFile: plane.kubeconfigFile, context: plane.context, packageRuntime: 'Function=External', log })
  functions = await startFunctions({ kube, kubeconfigFile: plane.kubeconfigFile, context: plane.context, log })
  loop = await startFluxLoop({ kube, kubeconfigFile: plane.kubeconfigFile, context: plane.context, setEnv: (key, value) => vi.stubEnv(key, value), log })
  log(
    `real Crossplane ${crossplane.version}, ${Object.entries(functions.versions)
      .map(([name, version]) => `${name} ${version}`)
      .join(', ')}, source-controller ${loop.flux.versions['source-controller']}, kustomize-controller ${loop.flux.versions['kustomize-controller']}`,
  )
}, 900_000)

afterAll(async () => {
  vi.unstubAllEnvs()
  // The loop first: deleting its root Kustomization prunes what it applied while Crossplane still
  // runs to release its finalizers; then the functions, Crossplane, and the test's volume.
  await loop?.stop()
  await functions?.stop()
  await crossplane?.stop()
  await kube.delete(PV)
}, 300_000)

describe('a PostgresInstance pushed to Git is composed by the real Crossplane and the real functions', () => {
  it('installs the Functions kindling pins from their packages and establishes the PostgresInstance XRD, all from Git', { timeout: 400_000 }, async () => {
    expect(crossplane?.version).toBe(CROSSPLANE_VERSION)
    // kindling's own bootstrap points Flux at the repository first.
    const report = await loop!.bootstrap()
    const error = report.steps.find((step) => step.error)?.error
    expect(error, String(error)).toBeUndefined()
    const spec = loop!.spec
    const packages = crossplanePackages.describe(spec)
    const api = postgres.describe(spec)
    if (packages.source.type !== 'manifests' || api.source.type !== 'manifests') throw new Error('the Crossplane components render manifests')
    // Providers cannot run here (their images cannot be pulled); the Functions can. The `crossplane`
    // component (the chart) is Crossplane core run by the test, so nothing waits for it.
    const fns = packages.source.objects.filter((object) => object.kind === 'Function')
    expect(fns.map((object) => object.metadata.name)).toEqual(['function-go-templating', 'function-auto-ready'])
    const functionsOnly: ComponentDescription = { ...packages, dependsOn: [], source: { type: 'manifests', objects: fns } }

    // The files kindling writes for the two components, as Flux installs them: one Flux
    // Kustomization each, postgres after crossplane-packages, each Ready only when kindling's CEL
    // health checks hold (Functions Healthy, the XRD Established).
    const files = renderFluxComponentFiles(spec, [functionsOnly, api])
    loop!.writeAll({
      ...Object.fromEntries(files.map((file) => [file.path, file.content])),
      [`clusters/${LOOP_NAME}/kustomization.yaml`]: rootKustomization(['components']),
    })
    const pushed = performance.now()
    const sha = await loop!.checkout.commitAndPush('components: Crossplane functions and the PostgresInstance API')
    // The root is Ready once it applied both component Kustomizations; each of those is Ready only
    // once its health checks hold (Functions pulled, unpacked and serving). Usually about 20 s; a
    // run where Crossplane's first pull of a package backs off has taken over a minute.
    await loop!.syncTo(sha, 120_000)
    const componentSync = (name: string): ObjectRef => ({ apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', name, namespace: 'flux-system' })
    for (const name of ['crossplane-packages', 'postgres'])
      await kube.waitFor(componentSync(name), fluxReadyAt(sha, 'lastAppliedRevision'), { timeoutMs: 120_000 })
    console.log(
      `[compose] Flux Kustomizations crossplane-packages and postgres Ready (kindling's health checks hold) ${((performance.now() - pushed) / 1000).toFixed(1)}s after the push`,
    )

    // kindling's own health checks for the two components, against the real Crossplane's status.
    const checks = [...crossplanePackages.describe(spec).health.filter((check) => check.ref.kind === 'Function'), ...postgres.describe(spec).health]
    expect(checks.map((check) => `${check.ref.kind} ${check.ref.name}: ${check.condition.description}`)).toEqual([
      'Function function-go-templating: Healthy=True',
      'Function function-auto-ready: Healthy=True',
      `CompositeResourceDefinition ${XRD_NAME}: Established=True`,
    ])
    for (const check of checks) await kube.waitFor(check.ref, check.condition, { timeoutMs: 120_000 })
    for (const fn of fns) {
      const live = await kube.get({ apiVersion: 'pkg.crossplane.io/v1', kind: 'Function', name: fn.metadata.name })
      expect(conditionTrue('Installed').test(live).done).toBe(true)
      // Pulled through the ImageConfig from the test registry; the package's own metadata was read.
      const [revision] = await kube.list('pkg.crossplane.io/v1', 'FunctionRevision', { labelSelector: `pkg.crossplane.io/package=${fn.metadata.name}` })
      expect(revision?.status).toMatchObject({
        resolvedImage: `${functions!.registry.host}/crossplane-contrib/${String((fn.spec as { package: string }).package)
          .split('/')
          .pop()}`,
        capabilities: ['composition'],
      })
    }
    expect(functions!.registry.requests.filter((line) => / \/v2\/crossplane-contrib\/.+\/blobs\/\S+ 200$/.test(line)).length).toBeGreaterThan(0)
    console.log(`[compose] Functions Healthy and the XRD Established ${((performance.now() - pushed) / 1000).toFixed(1)}s after the push`)
  })

  it('composes the local example: StatefulSet, Service and a connection Secret an app can mount, and the XR turns Ready', { timeout: 400_000 }, async () => {
    const example = postgres.describe(loop!.spec).extraFiles?.find((file) => file.path === 'examples/local.yaml')
    expect(example).toBeDefined()
    // The storage a kind cluster's provisioner would give the claim.
    await kube.apply({
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: PV.name },
      spec: { capacity: { storage: '10Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: '', hostPath: { path: '/tmp/kindling-compose-test-volume' } },
    })

    loop!.writeAll({
      [`${ORDERS}/kustomization.yaml`]: stringify(kustomizationFile(['namespace.yaml', 'orders-db.yaml'])),
      [`${ORDERS}/namespace.yaml`]: stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } }),
      [`${ORDERS}/orders-db.yaml`]: example!.content,
      [`clusters/${LOOP_NAME}/kustomization.yaml`]: rootKustomization(['components', 'orders']),
    })
    const pushed = performance.now()
    const sha = await loop!.checkout.commitAndPush('orders: a database for the orders app')
    await loop!.syncTo(sha, 120_000)

    const xr = await kube.waitFor(xrRef, conditionTrue('Ready'), { timeoutMs: 120_000 })
    console.log(`[compose] PostgresInstance orders/orders-db composed and Ready ${((performance.now() - pushed) / 1000).toFixed(1)}s after the push`)
    expect(xr?.status).toMatchObject({ host: 'orders-db-postgres.orders.svc', connectionSecret: 'orders-db-connection' })

    const sts = await kube.get(statefulSet)
    const container = (sts?.spec as { template: { spec: { containers: { image: string; env: { name: string; value?: string }[] }[] } } }).template.spec
      .containers[0]!
    expect(container.image).toBe('docker.io/library/postgres:17')
    expect(container.env).toContainEqual({ name: 'POSTGRES_DB', value: 'app' })
    expect(cpuRequest(sts)).toBe('100m')
    expect(await kube.get(service)).toBeDefined()
    // Composed by Crossplane for the XR (its controller reference), not applied by Flux.
    const owners = (sts?.metadata as { ownerReferences?: { kind: string; name: string; controller?: boolean }[] }).ownerReferences ?? []
    expect(owners.find((owner) => owner.controller)).toMatchObject({ kind: 'PostgresInstance', name: 'orders-db' })

    const data = secretData(await kube.get(connection))
    expect(Object.keys(data).sort()).toEqual(['database', 'host', 'password', 'port', 'sslmode', 'uri', 'username'])
    expect(data.password).toMatch(/^[A-Za-z0-9]{32}$/)
    expect(data.uri).toBe(`postgresql://app:${data.password}@orders-db-postgres.orders.svc:5432/app?sslmode=disable`)
  })

  it('applies a change pushed to the XR (size) and keeps the password of the running database', { timeout: 300_000 }, async () => {
    const before = secretData(await kube.get(connection)).password
    const file = path.join(loop!.spec.repoRoot, ORDERS, 'orders-db.yaml')
    loop!.writeAll({ [`${ORDERS}/orders-db.yaml`]: readFileSync(file, 'utf8').replace('size: small', 'size: medium') })
    const sha = await loop!.checkout.commitAndPush('orders: a medium database')
    await loop!.syncTo(sha, 120_000)
    await kube.waitFor(statefulSet, cpuIs('500m'), { timeoutMs: 60_000 })
    expect(secretData(await kube.get(connection)).password).toBe(before)
  })

  it(
    "refuses, through Flux, a change the PostgresInstance API forbids: the gate repeats the API's message, and a revert recovers",
    { timeout: 300_000 },
    async () => {
      const good = loop!.checkout.head()
      const file = path.join(loop!.spec.repoRoot, ORDERS, 'orders-db.yaml')
      // A local database keeps its volume size: the XRD's validation rule refuses the change.
      loop!.writeAll({ [`${ORDERS}/orders-db.yaml`]: readFileSync(file, 'utf8').replace('storageGB: 10', 'storageGB: 20') })
      const bad = await loop!.checkout.commitAndPush('orders: a bigger local volume')
      const error = await loop!.syncTo(bad, 60_000).then(
        () => undefined,
        (cause: unknown) => cause as KindlingError,
      )
      expect(error, 'the health gate passed a refused change').toBeDefined()
      const text = [error!.message, ...error!.details].join('\n')
      expect(text).toContain('Kustomization flux-system/flux-system')
      expect(text).toContain('storageGB can only grow, and for target local not change at all')
      console.log(`[compose] the health gate refused the change: ${error!.message}`)
      expect((await kube.get(xrRef))?.spec).toMatchObject({ storageGB: 10 })

      const reverted = await loop!.checkout.revertHeadAndPush()
      await loop!.syncTo(reverted, 60_000)
      expect(reverted).not.toBe(good)
      await kube.waitFor(xrRef, conditionTrue('Ready'), { timeoutMs: 60_000 })
    },
  )

  it('removing the XR from Git deletes what was composed for it', { timeout: 300_000 }, async () => {
    loop!.writeAll({ [`clusters/${LOOP_NAME}/kustomization.yaml`]: rootKustomization(['components']) })
    const sha = await loop!.checkout.commitAndPush('orders: no database any more')
    await loop!.syncTo(sha, 120_000)
    for (const gone of [xrRef, statefulSet, service, connection]) await kube.waitFor(gone, deleted, { timeoutMs: 90_000 })
  })
})
