import { describe, expect, it } from 'vitest'
import { parse, parseAllDocuments } from 'yaml'
import { enabledComponents } from '../../../bootstrap/components/registry.js'
import { engineOf } from '../../../bootstrap/engines/index.js'
import { desiredContent } from '../../../bootstrap/render/repo-files.js'
import { parseClusterSpec } from '../../../bootstrap/spec/load.js'
import { specText } from '../support/context.js'

const spec = (engine: 'flux' | 'argocd', extra = '') =>
  parseClusterSpec(
    specText({ gitops: `engine: ${engine}`, provider: 'type: kind\nportMappings:\n  - { containerPort: 30080, hostPort: 8080 }', extra }),
    '/repo/clusters/lab/cluster.yaml',
    '/repo',
    'lab',
  )

describe('apps', () => {
  it('come after every platform component the spec enables', () => {
    const components = enabledComponents(spec('flux'))
    const apps = components.find((component) => component.name === 'apps')!
    expect(apps.dependsOn).toEqual(components.filter((component) => component.name !== 'apps').map((component) => component.name))
    const noCrossplane = enabledComponents(spec('flux', 'components:\n  crossplane:\n    enabled: false'))
    expect(noCrossplane.find((component) => component.name === 'apps')!.dependsOn).toEqual(
      noCrossplane.filter((component) => component.name !== 'apps').map((component) => component.name),
    )
  })

  it('sync clusters/<name>/apps with Flux after the platform, and in the last Argo CD wave', () => {
    const flux = spec('flux')
    const fluxFiles = engineOf(flux).componentFiles(flux, enabledComponents(flux))
    const sync = parse(fluxFiles.find((file) => file.path === 'clusters/lab/components/apps.yaml')!.content) as {
      spec: { path: string; dependsOn: { name: string }[] }
    }
    expect(sync.spec.path).toBe('./clusters/lab/apps')
    expect(sync.spec.dependsOn.map((entry) => entry.name)).toContain('postgres')
    const argo = spec('argocd')
    const argoFiles = engineOf(argo).componentFiles(argo, enabledComponents(argo))
    const waves = argoFiles
      .filter((file) => /components\/[^/]+\.yaml$/.test(file.path) && !file.path.endsWith('kustomization.yaml'))
      .map((file) => parse(file.content) as { metadata: { name: string; annotations: Record<string, string> } })
      .map((app) => [app.metadata.name, Number(app.metadata.annotations['argocd.argoproj.io/sync-wave'])] as const)
    const appsWave = waves.find(([name]) => name === 'apps')![1]
    expect(waves.every(([name, wave]) => name === 'apps' || wave < appsWave)).toBe(true)
  })

  it('seed one example app once, then leave the folder to the user', () => {
    const flux = spec('flux')
    const files = engineOf(flux)
      .componentFiles(flux, enabledComponents(flux))
      .filter((file) => file.path.startsWith('clusters/lab/apps/'))
    expect(files.map((file) => [file.path, file.mode])).toEqual([
      ['clusters/lab/apps/kustomization.yaml', 'user'],
      ['clusters/lab/apps/podinfo/kustomization.yaml', 'user'],
      ['clusters/lab/apps/podinfo/app.yaml', 'user'],
    ])
    expect(desiredContent(files[0]!, 'resources: [mine]\n')).toBe('resources: [mine]\n')
    const kinds = parseAllDocuments(files[2]!.content).map((doc) => (doc.toJS() as { kind: string }).kind)
    expect(kinds).toEqual(['Namespace', 'Deployment', 'Service'])
  })

  it('say where the example answers: the host port kind maps to its NodePort', () => {
    const apps = enabledComponents(spec('flux')).find((component) => component.name === 'apps')!
    expect(apps.summary).toEqual(['Apps: clusters/lab/apps/ (example podinfo: http://127.0.0.1:8080)'])
  })

  it('can be turned off or moved to another folder', () => {
    expect(enabledComponents(spec('flux', 'components:\n  apps:\n    enabled: false')).map((component) => component.name)).not.toContain('apps')
    const moved = spec('flux', 'components:\n  apps:\n    path: workloads')
    expect(
      engineOf(moved)
        .componentFiles(moved, enabledComponents(moved))
        .some((file) => file.path === 'clusters/lab/workloads/kustomization.yaml'),
    ).toBe(true)
  })
})
