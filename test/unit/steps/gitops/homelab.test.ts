import { describe, expect, it } from 'vitest'
import { loadClusterSpec } from '../../../../bootstrap/spec/load.js'
import { enabledComponents } from '../../../../bootstrap/components/registry.js'
import { engineOf } from '../../../../bootstrap/engines/index.js'
import { engineFiles } from '../../../../bootstrap/steps/gitops/engine.js'
import { fileWrites, rootSyncFiles } from '../../../../bootstrap/steps/gitops/repo.js'
import { repoRoot } from '../../support/context.js'

describe('clusters/homelab', () => {
  it('holds exactly the engine, sync and component files the renderers produce for its spec, so a bootstrap writes nothing', async () => {
    const spec = await loadClusterSpec(repoRoot, 'homelab')
    expect(await fileWrites(spec, [...engineFiles(spec), ...(await rootSyncFiles(spec)), ...engineOf(spec).componentFiles(spec, enabledComponents(spec))])).toEqual([])
  })
})
