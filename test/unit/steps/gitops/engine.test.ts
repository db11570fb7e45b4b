import { afterAll, describe, expect, it } from 'vitest'
import { exitCodeOf } from '../../../../bootstrap/engine/errors.js'
import type { KubeClient } from '../../../../bootstrap/kube/client.js'
import { engineStep } from '../../../../bootstrap/steps/gitops/engine.js'
import { testContext } from '../../support/context.js'
import { removeTempDirs, specYaml, tempRepo } from './support.js'

afterAll(removeTempDirs)

/** A cluster without kindling's Helm release (no release Secrets). */
const noRelease = { list: async () => [] } as unknown as KubeClient

describe('engine step on an adopted cluster', () => {
  it('refuses to install Flux over a Flux that was set up another way, before changing anything', async () => {
    const { spec } = tempRepo('lab', specYaml('lab', 'engine: flux', 'url: https://github.com/example/lab.git'))
    const ctx = testContext({ spec, kube: noRelease })
    ctx.facts.existingEngine = 'flux'
    const error = await engineStep(spec)
      .check(ctx)
      .then(
        () => undefined,
        (e: unknown) => e,
      )
    expect(exitCodeOf(error)).toBe(2)
    expect(String(error)).toContain('Flux already runs on this cluster, but not from the Helm release flux-system/flux-operator kindling installs')
  })

  it('installs as usual where no engine ran before', async () => {
    const { spec } = tempRepo('lab', specYaml('lab', 'engine: flux', 'url: https://github.com/example/lab.git'))
    const ctx = testContext({ spec, kube: noRelease })
    await expect(engineStep(spec).check(ctx)).resolves.toMatchObject({ state: 'todo', detail: 'flux-operator is not installed' })
  })
})
