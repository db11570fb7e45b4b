import { Application } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { renderArgoCdSelfApp, renderArgoCdValues } from '../../../bootstrap/render/argocd.js'
import { engineOf } from '../../../bootstrap/engines/index.js'
import { renderArgoRootApp } from '../../../bootstrap/render/sync.js'
import { goldenSpec } from '../steps/gitops/support.js'

/** Every file the spec's engine keeps under clusters/<name>/<engine dir>/. */
const engineFilesOf = (spec: ReturnType<typeof goldenSpec>) => engineOf(spec).files(spec)

describe('Argo CD renderers', () => {
  it('render the engine files of an Argo CD cluster as in the golden files', async () => {
    for (const file of engineFilesOf(goldenSpec('argocd', { url: 'git@github.com:example/lab.git', auth: 'type: ssh' }))) {
      await expect(file.content).toMatchFileSnapshot(`__golden__/argocd/${file.path.split('/').pop()}`)
    }
  })

  it('renders Applications that validate against the published Argo CD schema', () => {
    for (const options of [{}, { sops: false }, { auth: 'type: ssh', url: 'git@github.com:example/lab.git' }]) {
      const spec = goldenSpec('argocd', options)
      expect(() => new Application(renderArgoRootApp(spec) as never).validate()).not.toThrow()
      expect(() => new Application(renderArgoCdSelfApp(spec) as never).validate()).not.toThrow()
    }
  })

  it('syncs the root with automated prune, self-heal and server-side apply', () => {
    const root = renderArgoRootApp(goldenSpec('argocd'))
    expect(root.spec).toMatchObject({
      source: { repoURL: 'https://github.com/example/lab.git', targetRevision: 'main', path: 'clusters/lab' },
      syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ['ServerSideApply=true'] },
    })
  })

  it('manages its own chart at the pinned version with the values file from the repository', () => {
    const self = renderArgoCdSelfApp(goldenSpec('argocd'))
    expect(self.spec).toMatchObject({
      sources: [
        { chart: 'argo-cd', targetRevision: '10.1.1', helm: { releaseName: 'argocd', valueFiles: ['$values/clusters/lab/argocd/values.yaml'] } },
        { repoURL: 'https://github.com/example/lab.git', ref: 'values' },
      ],
    })
  })

  it('turns metrics on, polls fast, and wires KSOPS only when SOPS is enabled', () => {
    const values = renderArgoCdValues(goldenSpec('argocd')) as Record<string, Record<string, unknown>>
    expect(values.configs).toEqual({ cm: { 'timeout.reconciliation': '60s', 'kustomize.buildOptions': '--enable-alpha-plugins --enable-exec' } })
    const files = engineFilesOf(goldenSpec('argocd'))
    for (const component of ['controller', 'server', 'repoServer', 'applicationSet']) expect(values[component]).toMatchObject({ metrics: { enabled: true } })
    expect(JSON.stringify(values.repoServer)).toContain('SOPS_AGE_KEY_FILE')
    const plain = renderArgoCdValues(goldenSpec('argocd', { sops: false })) as Record<string, Record<string, unknown>>
    expect(JSON.stringify(plain)).not.toContain('ksops')
    const written = parse(files.find((file) => file.path.endsWith('values.yaml'))!.content) as Record<string, { cm: Record<string, string> }>
    expect(written.configs!.cm).toMatchObject((values.configs as { cm: object }).cm)
  })

  it('teaches Argo CD the health of Applications and of every kind the components wait for, so sync waves wait', () => {
    const values = parse(engineFilesOf(goldenSpec('argocd')).find((file) => file.path.endsWith('values.yaml'))!.content) as {
      configs: { cm: Record<string, string> }
    }
    const keys = Object.keys(values.configs.cm).filter((key) => key.startsWith('resource.customizations.health.'))
    expect(keys).toEqual([
      'resource.customizations.health.argoproj.io_Application',
      'resource.customizations.health.pkg.crossplane.io_Provider',
      'resource.customizations.health.pkg.crossplane.io_Function',
      'resource.customizations.health.apiextensions.crossplane.io_CompositeResourceDefinition',
      'resource.customizations.health.monitoring.coreos.com_Prometheus',
    ])
    expect(values.configs.cm['resource.customizations.health.pkg.crossplane.io_Provider']).toContain(
      'c.type == "Healthy" and c.status == "True" then hs.status = "Healthy"',
    )
  })
})
