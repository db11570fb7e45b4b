import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import type { ComponentDescription } from '../../../bootstrap/components/component.js'
import { crossplane } from '../../../bootstrap/components/crossplane.js'
import { crossplaneConfig } from '../../../bootstrap/components/crossplane-config.js'
import { crossplanePackages } from '../../../bootstrap/components/crossplane-packages.js'
import { monitoring } from '../../../bootstrap/components/monitoring.js'
import { monitoringConfig } from '../../../bootstrap/components/monitoring-config.js'
import { postgres } from '../../../bootstrap/components/postgres.js'
import { goldenSpec } from '../steps/gitops/support.js'
import { ALL_CLOUDS, crossplaneSpec } from './support.js'

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

describe('component descriptions, every cloud on', () => {
  const spec = crossplaneSpec(ALL_CLOUDS)
  it.each([crossplane, crossplanePackages, crossplaneConfig, postgres].map((component) => [component.name, component] as const))(
    'describe %s as in its golden file',
    async (name, component) => {
      await expectGolden(describeAsYaml(component.describe(spec)), `__golden__/${name}.yaml`)
    },
  )
})

describe('monitoring descriptions, which differ by engine', () => {
  it.each(['flux', 'argocd'] as const)('describe monitoring and monitoring-config with %s as in their golden files', async (engine) => {
    const spec = goldenSpec(engine, { clouds: true })
    for (const component of [monitoring, monitoringConfig])
      await expectGolden(describeAsYaml(component.describe(spec)), `__golden__/${component.name}-${engine}.yaml`)
  })
})
