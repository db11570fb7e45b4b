import { describe, expect, it } from 'vitest'
import { allComponents, enabledComponents } from '../../../bootstrap/components/registry.js'
import { engineOf } from '../../../bootstrap/engines/index.js'
import { componentDir } from '../../../bootstrap/render/component-files.js'
import { goldenSpec } from '../steps/gitops/support.js'

/**
 * Every file each engine writes for every registered component, as golden files. A new component
 * fails here until its golden files are committed (`npx vitest run -u` writes them). Manifest
 * folders are the same for both engines and kept once, in test/unit/components/__golden__.
 */
describe.each(['flux', 'argocd'] as const)('component files through %s', (engine) => {
  const spec = goldenSpec(engine, { clouds: true })
  const components = enabledComponents(spec)
  const files = engineOf(spec).componentFiles(spec, components)
  const shared = new Set(components.filter((component) => component.source.type !== 'chart').map((component) => `${componentDir(spec, component)}/`))
  const own = files.filter((file) => ![...shared].some((dir) => file.path.startsWith(dir)))

  it('cover every registered component', () => {
    for (const component of allComponents()) expect(files.some((file) => file.path.startsWith(`clusters/lab/components/${component.name}`))).toBe(true)
  })

  it.each(own.map((file) => [file.path.replace('clusters/lab/', ''), file] as const))('render %s as in its golden file', async (relative, file) => {
    await expect(file.content).toMatchFileSnapshot(`__golden__/${engine}/${relative}`)
  })
})
