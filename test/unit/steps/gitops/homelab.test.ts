import { describe, expect, it } from 'vitest'
import { loadClusterSpec } from '../../../../bootstrap/spec/load.js'
import { engineFiles, fileWrites, rootSyncFiles } from '../../../../bootstrap/steps/gitops/repo.js'
import { repoRoot } from '../../support/context.js'

describe('clusters/homelab', () => {
  it('holds exactly the engine and sync files the renderers produce for its spec, so a bootstrap writes nothing', async () => {
    const spec = await loadClusterSpec(repoRoot, 'homelab')
    expect(await fileWrites(spec, [...engineFiles(spec), ...(await rootSyncFiles(spec))])).toEqual([])
  })
})
