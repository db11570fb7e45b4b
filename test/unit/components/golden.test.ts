import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import type { ComponentDescription } from '../../../bootstrap/components/component.js'
import { allComponents } from '../../../bootstrap/components/registry.js'
import { goldenSpec } from '../steps/gitops/support.js'

/** A description as YAML; a health check's condition is shown by what it waits for, a probe by what it asks. */
function describeAsYaml(description: ComponentDescription): string {
  const health = description.health.map(({ ref, condition }) => ({ ref, condition: condition.description }))
  const probes = description.probes?.map(({ judge: _judge, ...asked }) => asked)
  return stringify({ ...description, health, ...(probes ? { probes } : {}) }, { lineWidth: 0 })
}

/**
 * Golden files through vitest's file snapshots, as test/unit/render does: a missing file is written
 * (`vitest -u` rewrites them all); UPDATE_GOLDEN=1 rewrites these before comparing.
 */
async function expectGolden(content: string, file: string): Promise<void> {
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(fileURLToPath(new URL(file, import.meta.url)), content)
  await expect(content).toMatchFileSnapshot(file)
}

/**
 * Every registered component's description, so a new one fails here until its golden file is
 * committed: one file when both engines describe it alike, one per engine when they do not.
 */
describe('component descriptions, every cloud on', () => {
  const specs = { flux: goldenSpec('flux', { clouds: true }), argocd: goldenSpec('argocd', { clouds: true }) }
  it.each(allComponents().map((component) => [component.name, component] as const))('describe %s as in its golden file', async (name, component) => {
    const [flux, argocd] = [describeAsYaml(component.describe(specs.flux)), describeAsYaml(component.describe(specs.argocd))]
    if (flux === argocd) await expectGolden(flux, `__golden__/${name}.yaml`)
    else
      for (const [engine, text] of [
        ['flux', flux],
        ['argocd', argocd],
      ] as const)
        await expectGolden(text, `__golden__/${name}-${engine}.yaml`)
  })
})
