import { describe, expect, it } from 'vitest'
import { enabledComponents } from '../../../../bootstrap/components/registry.js'
import { engineOf } from '../../../../bootstrap/engines/index.js'
import { loadClusterSpec } from '../../../../bootstrap/spec/load.js'
import { engineFiles } from '../../../../bootstrap/steps/gitops/engine.js'
import { fileWrites, rootSyncFiles } from '../../../../bootstrap/steps/gitops/repo.js'
import { repoRoot } from '../../support/context.js'

// By name: clusters/ also holds the clusters users write with the wizard, which these checks are not about.
const clusters = ['homelab', 'homelab-argocd']

describe('the example clusters', () => {
  it('are one per engine, with the same components', async () => {
    const specs = await Promise.all(clusters.map((name) => loadClusterSpec(repoRoot, name)))
    expect(specs.map((spec) => spec.gitops.engine).sort()).toEqual(['argocd', 'flux'])
    const names = specs.map((spec) => enabledComponents(spec).map((component) => component.name))
    expect(names[1]).toEqual(names[0])
  })

  it.each(clusters)('clusters/%s holds exactly the engine, sync and component files the renderers produce, so a bootstrap writes nothing', async (name) => {
    const spec = await loadClusterSpec(repoRoot, name)
    expect(
      await fileWrites(spec, [...engineFiles(spec), ...(await rootSyncFiles(spec)), ...engineOf(spec).componentFiles(spec, enabledComponents(spec))]),
    ).toEqual([])
  })
})
