import type { ComponentDescription, ReadinessRule } from '../components/component.js'
import type { ClusterSpec } from '../spec/load.js'
import { kustomizationFile, OWNED_HEADER, yamlDocs, type RepoFile } from './repo-files.js'
import { CLUSTER_FOLDER } from '../spec/cluster-folder.js'

/** Where the components live inside `clusters/<name>/`. */
export const COMPONENTS_DIR = CLUSTER_FOLDER.components

const MANIFESTS_FILE = 'manifests.yaml'
const EXTRA_HEADER = '# An example, not applied by the engine: copy it where your apps live and adapt it.\n'

/** The folder the engine syncs for a component: `clusters/<name>/components/<component>`, or the user's own folder (apps). */
export function componentDir(spec: ClusterSpec, component: Pick<ComponentDescription, 'name' | 'source'>): string {
  if (component.source.type === 'folder') return `${spec.repository.path}/${component.source.path}`
  return `${spec.repository.path}/${COMPONENTS_DIR}/${component.name}`
}

/** The engine's sync object of a component: `clusters/<name>/components/<component>.yaml`. */
export function componentSyncFile(spec: ClusterSpec, component: Pick<ComponentDescription, 'name'>): string {
  return `${spec.repository.path}/${COMPONENTS_DIR}/${component.name}.yaml`
}

/**
 * The folder of a manifests component, the same for every engine: its objects, a kustomization
 * that lists only them (so examples beside them are never applied), and its extra files.
 */
export function manifestFolderFiles(spec: ClusterSpec, component: ComponentDescription): RepoFile[] {
  const dir = componentDir(spec, component)
  // The user's folder: seeded once, then theirs.
  if (component.source.type === 'folder')
    return component.source.seed.map((file): RepoFile => ({ path: `${dir}/${file.path}`, content: file.content, mode: 'user' }))
  if (component.source.type !== 'manifests') return []
  return [
    { path: `${dir}/kustomization.yaml`, content: OWNED_HEADER + yamlDocs([kustomizationFile([MANIFESTS_FILE])]), mode: 'owned' },
    { path: `${dir}/${MANIFESTS_FILE}`, content: OWNED_HEADER + yamlDocs(component.source.objects), mode: 'owned' },
    ...(component.extraFiles ?? []).map((file): RepoFile => ({ path: `${dir}/${file.path}`, content: EXTRA_HEADER + file.content, mode: 'user' })),
  ]
}

/** `clusters/<name>/components/kustomization.yaml`: the sync object of every component. */
export function componentsKustomization(spec: ClusterSpec, components: readonly ComponentDescription[]): RepoFile {
  const names = components.map((component) => `${component.name}.yaml`)
  return { path: `${spec.repository.path}/${COMPONENTS_DIR}/kustomization.yaml`, content: OWNED_HEADER + yamlDocs([kustomizationFile(names)]), mode: 'owned' }
}

/**
 * Each component's position in install order: 0 for those that need nothing, else one more than
 * the deepest component it depends on. Argo CD turns it into a sync wave.
 */
export function componentDepths(components: readonly ComponentDescription[]): Map<string, number> {
  const byName = new Map(components.map((component) => [component.name, component]))
  const depths = new Map<string, number>()
  const depth = (name: string, trail: readonly string[]): number => {
    const known = depths.get(name)
    if (known !== undefined) return known
    if (trail.includes(name)) throw new Error(`components depend on each other in a cycle: ${[...trail, name].join(' -> ')}`)
    const component = byName.get(name)
    if (!component) throw new Error(`component ${trail.at(-1) ?? '?'} depends on ${name}, which is not enabled`)
    const value = component.dependsOn.length === 0 ? 0 : 1 + Math.max(...component.dependsOn.map((need) => depth(need, [...trail, name])))
    depths.set(name, value)
    return value
  }
  for (const component of components) depth(component.name, [])
  return depths
}

/** Every readiness rule of the components, once per kind. */
export function readinessRules(components: readonly ComponentDescription[]): ReadinessRule[] {
  const rules = new Map<string, ReadinessRule>()
  for (const rule of components.flatMap((component) => component.readiness)) rules.set(`${rule.apiVersion}/${rule.kind}`, rule)
  return [...rules.values()]
}

/**
 * What the engine installs, one line per object, for plans and reports: "crossplane: Helm chart
 * crossplane 2.3.4 from https://charts.crossplane.io/stable into crossplane-system", then
 * "crossplane-packages: Provider provider-kubernetes (xpkg.crossplane.io/...:v1.4.1)", ...
 */
export function describeComponents(components: readonly ComponentDescription[], listed: Readonly<Record<string, readonly string[]>> = {}): string[] {
  return components.flatMap((component) => {
    const { source } = component
    if (source.type === 'chart') return [`${component.name}: Helm chart ${source.chart} ${source.version} from ${source.repoURL} into ${component.namespace}`]
    if (source.type === 'folder') {
      const entries = listed[component.name]
      const what = entries === undefined ? 'everything' : entries.length ? entries.join(', ') : 'nothing yet'
      return [`${component.name}: ${what}, as listed in ${source.path}/kustomization.yaml (yours to edit)`]
    }
    return source.objects.map((object) => {
      const pkg = (object.spec as { package?: unknown } | undefined)?.package
      const where = object.metadata.namespace ? `${object.metadata.namespace}/` : ''
      return `${component.name}: ${object.kind} ${where}${object.metadata.name} (${typeof pkg === 'string' ? pkg : object.apiVersion})`
    })
  })
}
