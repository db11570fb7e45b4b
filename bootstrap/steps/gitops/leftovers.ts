import { readdirSync } from 'node:fs'
import path from 'node:path'
import { allEngines } from '../../engines/index.js'
import type { RepoFile } from '../../render/repo-files.js'
import type { ClusterSpec } from '../../spec/load.js'

// A spec that needs less than the one before (Argo CD instead of Flux, no Crossplane) leaves files
// kindling rendered then under the cluster folder, listed by no kustomization now. They are never
// deleted for the person (they may hold edits), only named, with the command that removes them.

/** The folders under the cluster folder kindling renders into; secrets/, hooks/ and the person's own apps are theirs. */
function renderedFolders(spec: ClusterSpec): string[] {
  return [...allEngines().map((engine) => engine.dir), 'components', path.join('apps', 'podinfo')].map((sub) => path.join(spec.repository.path, sub) + path.sep)
}

/** Files kindling rendered for an earlier spec and no longer renders, relative to the repository root, sorted. */
export function leftoverFiles(spec: ClusterSpec, rendered: readonly RepoFile[]): string[] {
  const kept = new Set(rendered.map((file) => file.path))
  const folders = renderedFolders(spec)
  let entries
  try {
    entries = readdirSync(path.join(spec.repoRoot, spec.repository.path), { recursive: true, withFileTypes: true })
  } catch {
    return []
  }
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(spec.repoRoot, path.join(entry.parentPath, entry.name)))
    .filter((file) => !kept.has(file) && folders.some((folder) => file.startsWith(folder)))
    .sort()
}

/**
 * The same, shortest: a whole folder none of whose files is rendered now (the old engine's) is
 * named once, as `clusters/lab/flux-system/`, instead of file by file.
 */
export function leftoverPaths(spec: ClusterSpec, rendered: readonly RepoFile[]): string[] {
  const files = leftoverFiles(spec, rendered)
  const folders = renderedFolders(spec).filter(
    (folder) => files.some((file) => file.startsWith(folder)) && !rendered.some((file) => file.path.startsWith(folder)),
  )
  return [...folders, ...files.filter((file) => !folders.some((folder) => file.startsWith(folder)))]
}
