import { describe, expect, it } from 'vitest'
import { parse, parseAllDocuments } from 'yaml'
import type { ComponentDescription } from '../../../bootstrap/components/component.js'
import { engineOf } from '../../../bootstrap/engines/index.js'
import { conditionTrue } from '../../../bootstrap/kube/conditions.js'
import { componentDepths } from '../../../bootstrap/render/component-files.js'
import { goldenSpec } from '../steps/gitops/support.js'

/** Two layers as the Crossplane components have them: a chart, then manifests whose kinds the chart creates. */
const chart: ComponentDescription = {
  name: 'operator',
  title: 'Operator',
  namespace: 'operator-system',
  dependsOn: [],
  source: {
    type: 'chart',
    repoURL: 'https://charts.example.com/stable',
    chart: 'operator',
    version: '1.2.3',
    releaseName: 'operator',
    values: { metrics: { enabled: true } },
  },
  health: [],
  readiness: [],
}
const packages: ComponentDescription = {
  name: 'operator-packages',
  title: 'Operator packages',
  namespace: 'operator-system',
  dependsOn: ['operator'],
  source: {
    type: 'manifests',
    objects: [
      { apiVersion: 'pkg.example.com/v1', kind: 'Provider', metadata: { name: 'provider-a' }, spec: { package: 'registry.example.com/provider-a:v1.0.0' } },
    ],
  },
  health: [{ ref: { apiVersion: 'pkg.example.com/v1', kind: 'Provider', name: 'provider-a' }, condition: conditionTrue('Healthy') }],
  readiness: [{ apiVersion: 'pkg.example.com/v1', kind: 'Provider', condition: 'Healthy' }],
  extraFiles: [{ path: 'examples/a.yaml', content: 'kind: Example\n' }],
}
const components = [chart, packages]

const fileMap = (engine: 'flux' | 'argocd') => {
  const spec = goldenSpec(engine)
  return new Map(
    engineOf(spec)
      .componentFiles(spec, components)
      .map((file) => [file.path, file]),
  )
}
interface Doc {
  kind: string
  metadata: { name: string; annotations?: Record<string, string> }
  spec: Record<string, unknown>
}
const docs = (text: string): Doc[] => parseAllDocuments(text).map((doc) => doc.toJS() as Doc)

describe('components through Flux', () => {
  it('gives each component a Kustomization that waits for the ones it depends on and for its own health', () => {
    const files = fileMap('flux')
    expect(parse(files.get('clusters/lab/components/kustomization.yaml')!.content).resources).toEqual(['operator.yaml', 'operator-packages.yaml'])
    const [sync] = docs(files.get('clusters/lab/components/operator-packages.yaml')!.content)
    expect(sync).toMatchObject({ kind: 'Kustomization', metadata: { name: 'operator-packages', namespace: 'flux-system' } })
    expect(sync!.spec).toMatchObject({
      path: './clusters/lab/components/operator-packages',
      wait: true,
      prune: true,
      dependsOn: [{ name: 'operator' }],
      sourceRef: { kind: 'GitRepository', name: 'flux-system' },
    })
    expect(sync!.spec.healthCheckExprs).toEqual([
      {
        apiVersion: 'pkg.example.com/v1',
        kind: 'Provider',
        current: "status.conditions.exists(e, e.type == 'Healthy' && e.status == 'True')",
      },
    ])
    expect(docs(files.get('clusters/lab/components/operator.yaml')!.content)[0]!.spec).not.toHaveProperty('dependsOn')
  })

  it('installs a chart with a HelmRelease that creates and replaces its CRDs, values in the repository', () => {
    const release = fileMap('flux').get('clusters/lab/components/operator/release.yaml')!
    expect(release.mode).toBe('pinned')
    const [source, helm] = docs(release.content)
    expect(source).toMatchObject({ kind: 'HelmRepository', spec: { url: 'https://charts.example.com/stable' } })
    expect(helm!.spec).toMatchObject({
      targetNamespace: 'operator-system',
      chart: { spec: { chart: 'operator', version: '1.2.3', sourceRef: { kind: 'HelmRepository', name: 'operator' } } },
      install: { createNamespace: true, crds: 'CreateReplace' },
      upgrade: { crds: 'CreateReplace' },
      values: { metrics: { enabled: true } },
    })
  })

  it("checks a chart's readiness rules in its HelmRelease, where Helm's objects are, not in its Kustomization", () => {
    const spec = goldenSpec('flux')
    const withRule: ComponentDescription = { ...chart, readiness: [{ apiVersion: 'example.com/v1', kind: 'Server', condition: 'Available' }] }
    const files = new Map(
      engineOf(spec)
        .componentFiles(spec, [withRule, packages])
        .map((file) => [file.path, file]),
    )
    const [sync] = docs(files.get('clusters/lab/components/operator.yaml')!.content)
    expect(sync!.spec).toMatchObject({ wait: true })
    expect(sync!.spec).not.toHaveProperty('healthCheckExprs')
    const [, helm] = docs(files.get('clusters/lab/components/operator/release.yaml')!.content)
    expect(helm!.spec).toMatchObject({
      waitStrategy: { name: 'poller' },
      healthCheckExprs: [{ apiVersion: 'example.com/v1', kind: 'Server', current: "status.conditions.exists(e, e.type == 'Available' && e.status == 'True')" }],
    })
    const [, plain] = docs(fileMap('flux').get('clusters/lab/components/operator/release.yaml')!.content)
    expect(plain!.spec).not.toHaveProperty('healthCheckExprs')
    expect(plain!.spec).not.toHaveProperty('waitStrategy')
  })

  it('keeps examples beside the manifests but out of what the engine applies', () => {
    const files = fileMap('flux')
    expect(parse(files.get('clusters/lab/components/operator-packages/kustomization.yaml')!.content).resources).toEqual(['manifests.yaml'])
    expect(files.get('clusters/lab/components/operator-packages/examples/a.yaml')).toMatchObject({ mode: 'user' })
  })
})

describe('components through Argo CD', () => {
  it('gives each component an Application in the sync wave after its dependencies', () => {
    const files = fileMap('argocd')
    const [operator] = docs(files.get('clusters/lab/components/operator.yaml')!.content)
    const [pkgs] = docs(files.get('clusters/lab/components/operator-packages.yaml')!.content)
    expect(operator!.metadata.annotations).toEqual({ 'argocd.argoproj.io/sync-wave': '0', 'argocd.argoproj.io/compare-options': 'ServerSideDiff=true' })
    expect(pkgs!.metadata.annotations).toEqual({ 'argocd.argoproj.io/sync-wave': '1', 'argocd.argoproj.io/compare-options': 'ServerSideDiff=true' })
    expect(operator!.spec.source).toEqual({
      repoURL: 'https://charts.example.com/stable',
      chart: 'operator',
      targetRevision: '1.2.3',
      helm: { releaseName: 'operator', valuesObject: { metrics: { enabled: true } } },
    })
    expect(pkgs!.spec.source).toEqual({
      repoURL: 'https://github.com/example/lab.git',
      targetRevision: 'main',
      path: 'clusters/lab/components/operator-packages',
    })
    expect(pkgs!.spec).toMatchObject({ syncPolicy: { syncOptions: expect.arrayContaining(['SkipDryRunOnMissingResource=true']) } })
  })

  it('installs an oci:// chart from the artifact Flux pulls: the chart under the registry path, at its version', () => {
    const oci = { ...chart, source: { ...chart.source, repoURL: 'oci://ghcr.io/example/charts/' } } as ComponentDescription
    const spec = goldenSpec('argocd')
    const [app] = docs(
      engineOf(spec)
        .componentFiles(spec, [oci])
        .find((file) => file.path.endsWith('components/operator.yaml'))!.content,
    )
    expect(app!.spec.source).toEqual({
      repoURL: 'oci://ghcr.io/example/charts/operator',
      targetRevision: '1.2.3',
      path: '.',
      helm: { releaseName: 'operator', valuesObject: { metrics: { enabled: true } } },
    })
    const fluxSpec = goldenSpec('flux')
    const release = engineOf(fluxSpec)
      .componentFiles(fluxSpec, [oci])
      .find((file) => file.path.endsWith('components/operator/release.yaml'))!
    expect(docs(release.content)[0]).toMatchObject({ kind: 'OCIRepository', spec: { url: 'oci://ghcr.io/example/charts/operator', ref: { tag: '1.2.3' } } })
  })

  it('lets Argo CD ignore fields another controller sets after install, and only for components that name them', () => {
    const spec = goldenSpec('argocd')
    const ignored = [{ group: 'admissionregistration.k8s.io', kind: 'MutatingWebhookConfiguration', jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'] }]
    const files = engineOf(spec).componentFiles(spec, [{ ...chart, driftIgnored: ignored }, packages])
    const [app] = docs(files.find((file) => file.path.endsWith('components/operator.yaml'))!.content)
    expect(app!.spec).toMatchObject({ ignoreDifferences: ignored, syncPolicy: { syncOptions: expect.arrayContaining(['RespectIgnoreDifferences=true']) } })
    const [other] = docs(files.find((file) => file.path.endsWith('components/operator-packages.yaml'))!.content)
    expect(other!.spec).not.toHaveProperty('ignoreDifferences')
  })

  it('reads the same component folder as Flux for manifests', () => {
    const flux = fileMap('flux')
    const argo = fileMap('argocd')
    for (const path of ['clusters/lab/components/operator-packages/manifests.yaml', 'clusters/lab/components/operator-packages/kustomization.yaml']) {
      expect(argo.get(path)!.content).toBe(flux.get(path)!.content)
    }
  })
})

describe('component order', () => {
  it('places each component one wave after the deepest it depends on, and refuses cycles and missing ones', () => {
    const third: ComponentDescription = { ...packages, name: 'config', dependsOn: ['operator-packages', 'operator'] }
    expect([...componentDepths([chart, packages, third])]).toEqual([
      ['operator', 0],
      ['operator-packages', 1],
      ['config', 2],
    ])
    expect(() => componentDepths([{ ...chart, dependsOn: ['operator-packages'] }, packages])).toThrow(/cycle/)
    expect(() => componentDepths([packages])).toThrow(/depends on operator, which is not enabled/)
  })
})
