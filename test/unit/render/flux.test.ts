import { Kustomization } from '@kubernetes-models/flux-cd/kustomize.toolkit.fluxcd.io/v1'
import { GitRepository } from '@kubernetes-models/flux-cd/source.toolkit.fluxcd.io/v1'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { FLUX_COMPONENTS, renderFluxInstance, renderFluxOperatorRelease } from '../../../bootstrap/render/flux.js'
import { engineOf } from '../../../bootstrap/engines/index.js'
import { fluxRepoUrl, renderFluxSync } from '../../../bootstrap/render/sync.js'
import { goldenSpec } from '../steps/gitops/support.js'

/** Every file the spec's engine keeps under clusters/<name>/<engine dir>/. */
const engineFilesOf = (spec: ReturnType<typeof goldenSpec>) => engineOf(spec).files(spec)

describe('Flux renderers', () => {
  it('render the engine files of a Flux cluster as in the golden files', async () => {
    for (const file of engineFilesOf(goldenSpec('flux', { url: 'git@github.com:example/lab.git', auth: 'type: ssh' }))) {
      await expect(file.content).toMatchFileSnapshot(`__golden__/flux/${file.path.split('/').pop()}`)
    }
  })

  it('pins the FluxInstance to the exact Flux version with source, kustomize, helm and notification controllers', () => {
    const instance = renderFluxInstance(goldenSpec('flux'))
    expect(instance.spec).toMatchObject({ distribution: { version: '2.9.5', registry: 'ghcr.io/fluxcd' }, components: [...FLUX_COMPONENTS] })
    expect(instance.metadata).toEqual({ name: 'flux', namespace: 'flux-system' })
  })

  it('describes the operator release with the chart version the bootstrap installs', () => {
    const [source, release] = renderFluxOperatorRelease(goldenSpec('flux'))
    expect(source!.spec).toMatchObject({ url: 'oci://ghcr.io/controlplaneio-fluxcd/charts/flux-operator', ref: { tag: '0.59.0' } })
    expect(release!.spec).toMatchObject({ releaseName: 'flux-operator', chartRef: { kind: 'OCIRepository', name: 'flux-operator' } })
  })

  it('renders sync objects that validate against the published Flux schemas', () => {
    for (const options of [{}, { auth: 'type: ssh', url: 'ssh://git@github.com/example/lab.git' }, { auth: 'type: https\ntokenEnv: TOKEN', sops: false }]) {
      const [repository, kustomization] = renderFluxSync(goldenSpec('flux', options))
      expect(() => new GitRepository(repository as never).validate()).not.toThrow()
      expect(() => new Kustomization(kustomization as never).validate()).not.toThrow()
    }
  })

  it('syncs clusters/<name> with prune and SOPS decryption when enabled, leaving the waiting to each component', () => {
    const [repository, kustomization] = renderFluxSync(goldenSpec('flux'))
    expect(repository!.spec).not.toHaveProperty('secretRef')
    expect(kustomization!.spec).toMatchObject({
      path: './clusters/lab',
      prune: true,
      decryption: { provider: 'sops', secretRef: { name: 'sops-age' } },
    })
    expect(kustomization!.spec).not.toHaveProperty('wait')
    expect(kustomization!.spec).not.toHaveProperty('healthChecks')
    expect(renderFluxSync(goldenSpec('flux', { sops: false }))[1]!.spec).not.toHaveProperty('decryption')
  })

  it('rewrites scp-like SSH URLs to the ssh:// form Flux reads', () => {
    expect(fluxRepoUrl('git@github.com:example/lab.git')).toBe('ssh://git@github.com/example/lab.git')
    expect(fluxRepoUrl('ssh://git@host:2222/x.git')).toBe('ssh://git@host:2222/x.git')
    expect(fluxRepoUrl('https://github.com/example/lab.git')).toBe('https://github.com/example/lab.git')
  })

  it('keeps the operator values file valid YAML for helm --values', () => {
    const values = engineFilesOf(goldenSpec('flux')).find((file) => file.path.endsWith('flux-operator-values.yaml'))!
    expect(parse(values.content)).toEqual({})
  })
})
