import { isMap, isSeq, parseAllDocuments, parseDocument, stringify } from 'yaml'
import { BadInputError } from '../engine/errors.js'
import { CLUSTER_FOLDER } from '../spec/cluster-folder.js'

/**
 * A value kindling keeps in line inside a file the user may edit: `path` of the object
 * `kind`/`name` (or of the file's one document, for Helm values) holds `value`.
 */
export interface Pin {
  kind?: string
  name?: string
  path: (string | number)[]
  value: string
}

/** One file of kindling's content in the repository, as it should be. */
export interface RepoFile {
  /** Relative to the repository root. */
  path: string
  content: string
  /**
   * Once the file exists: `user` keeps it as it is (values), `pinned` brings only the version pins
   * in line and keeps every other edit, `owned` rewrites it (objects derived from the spec).
   */
  mode: 'user' | 'pinned' | 'owned'
  /** For `pinned` files: the pins to keep in line. */
  pins?: Pin[]
}

export const OWNED_HEADER = '# Managed by kindling bootstrap; the GitOps engine reconciles this file. Versions follow clusters/<name>/cluster.yaml.\n'
export const VALUES_HEADER = '# Helm values of the engine, used by the bootstrap install and reconciled by the engine afterwards. Edit freely.\n'

/** Objects as one multi-document YAML text. */
export function yamlDocs(objects: readonly unknown[]): string {
  return objects.map((object) => stringify(object, { lineWidth: 0 })).join('---\n')
}

/** A kustomize file listing `resources`. */
export function kustomizationFile(resources: readonly string[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: [...resources], ...extra }
}

/**
 * `clusters/<name>/kustomization.yaml` (merged with the existing one): lists each of `entries`
 * (the engine's folder, the components folder), keeps every other entry the user added, and drops
 * the `retired` ones: folders kindling listed for a choice the spec no longer makes (the other
 * engine's folder after a switch), which the new engine must not apply.
 */
export function renderClusterKustomization(repoPath: string, entries: readonly string[], existing?: string, retired: readonly string[] = []): RepoFile {
  const path = `${repoPath}/${CLUSTER_FOLDER.kustomization}`
  if (!existing?.trim()) {
    const content = `# What the engine applies from this folder (cluster.yaml is kindling's, not Kubernetes').\n${stringify(kustomizationFile(entries), { lineWidth: 0 })}`
    return { path, content, mode: 'owned' }
  }
  const doc = parseDocument(existing)
  // "./flux-system" and "flux-system/" name the same folder as "flux-system".
  const normal = (entry: string): string => entry.replace(/^(\.\/)+/, '').replace(/\/+$/, '')
  let resources = doc.get('resources')
  if (!isSeq(resources)) {
    doc.set('resources', doc.createNode([]))
    resources = doc.get('resources')
  }
  const items = (resources as { items: unknown[] }).items
  const nameOf = (item: unknown): string => normal(String((item as { value?: unknown }).value ?? item))
  const present = (entry: string): boolean => items.some((item) => nameOf(item) === normal(entry))
  const missing = entries.filter((entry) => !present(entry))
  const stale = items.filter((item) => retired.some((entry) => normal(entry) === nameOf(item)))
  if (missing.length === 0 && stale.length === 0) return { path, content: existing, mode: 'owned' }
  for (const item of stale) items.splice(items.indexOf(item), 1)
  items.unshift(...missing.map((entry) => doc.createNode(entry)))
  return { path, content: doc.toString({ lineWidth: 0 }), mode: 'owned' }
}

/** The content a file should have, given what the repository has now (undefined: absent). */
export function desiredContent(file: RepoFile, existing: string | undefined): string {
  if (existing === undefined) return file.content
  if (file.mode === 'user') return existing
  if (file.mode === 'owned') return file.content
  return reconcilePins(existing, file.pins ?? [])
}

/**
 * Bring a file the repository already has in line with the spec's pins (versions) without
 * touching anything else the user changed there, comments included.
 */
export function reconcilePins(existing: string, pins: readonly Pin[]): string {
  const docs = parseAllDocuments(existing)
  if (!Array.isArray(docs)) return existing
  let changed = false
  for (const doc of docs) {
    for (const pin of pins) {
      if (!isMap(doc.contents)) continue
      if (pin.kind !== undefined && (doc.get('kind') !== pin.kind || doc.getIn(['metadata', 'name']) !== pin.name)) continue
      if (doc.getIn(pin.path) !== pin.value) {
        doc.setIn(pin.path, pin.value)
        changed = true
      }
    }
  }
  return changed ? docs.map((doc) => doc.toString({ lineWidth: 0 })).join('') : existing
}

/** The first non-empty document of a repository file; invalid YAML is bad input naming the file. */
export function firstDocument(text: string, file: string): unknown {
  const docs = parseAllDocuments(text)
  const list = Array.isArray(docs) ? docs : [docs]
  const errors = list.flatMap((doc) => doc.errors)
  if (errors.length) throw new BadInputError(`${file} is not valid YAML: ${errors[0]!.message.split('\n')[0]}`)
  return list.map((doc) => doc.toJS() as unknown).find((value) => value !== null && value !== undefined)
}
