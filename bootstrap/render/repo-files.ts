import { isMap, isSeq, parseAllDocuments, parseDocument, stringify } from 'yaml'
import type { ClusterSpec } from '../spec/load.js'
import { ARGOCD_FILES, ARGOCD_RELEASE, renderArgoCdKustomization, renderArgoCdSelfApp, renderArgoCdValues } from './argocd.js'
import { FLUX_FILES, FLUX_INSTANCE_NAME, FLUX_OPERATOR_RELEASE, renderFluxInstance, renderFluxOperatorRelease, renderFluxOperatorValues, renderFluxSystemKustomization } from './flux.js'
import { engineDir, renderArgoRootApp, renderFluxSync } from './sync.js'

/** One file of the engine's own content in the repository, as it should be. */
export interface RepoFile {
  /** Relative to the repository root. */
  path: string
  content: string
  /**
   * Once the file exists: `user` keeps it as it is (values), `pinned` brings only the version pins
   * in line and keeps every other edit, `owned` rewrites it (sync objects derived from the spec).
   */
  mode: 'user' | 'pinned' | 'owned'
}

const HEADER = '# Managed by kindling bootstrap; the GitOps engine reconciles this file. Versions follow clusters/<name>/cluster.yaml.\n'
const VALUES_HEADER = '# Helm values of the engine, used by the bootstrap install and reconciled by the engine afterwards. Edit freely.\n'

function yamlDocs(objects: readonly unknown[]): string {
  return objects.map((object) => stringify(object, { lineWidth: 0 })).join('---\n')
}

/** The engine's files under `clusters/<name>/`, rendered from the spec. */
export function renderEngineFiles(spec: ClusterSpec): RepoFile[] {
  const dir = `${spec.repository.path}/${engineDir(spec)}`
  const file = (name: string, content: string, mode: RepoFile['mode'] = 'owned'): RepoFile => ({ path: `${dir}/${name}`, content, mode })
  if (spec.gitops.engine === 'flux') {
    return [
      file(FLUX_FILES.kustomization, HEADER + yamlDocs([renderFluxSystemKustomization()])),
      file(FLUX_FILES.operatorRelease, HEADER + yamlDocs(renderFluxOperatorRelease(spec)), 'pinned'),
      file(FLUX_FILES.operatorValues, VALUES_HEADER + yamlDocs([renderFluxOperatorValues()]), 'user'),
      file(FLUX_FILES.instance, HEADER + yamlDocs([renderFluxInstance(spec)]), 'pinned'),
      file(FLUX_FILES.sync, HEADER + yamlDocs(renderFluxSync(spec))),
    ]
  }
  return [
    file(ARGOCD_FILES.kustomization, HEADER + yamlDocs([renderArgoCdKustomization()])),
    file(ARGOCD_FILES.values, VALUES_HEADER + yamlDocs([renderArgoCdValues(spec)]), 'user'),
    file(ARGOCD_FILES.selfApp, HEADER + yamlDocs([renderArgoCdSelfApp(spec)]), 'pinned'),
    file(ARGOCD_FILES.rootApp, HEADER + yamlDocs([renderArgoRootApp(spec)])),
  ]
}

/** The path of the engine's values file (relative to the repository root). */
export function engineValuesFile(spec: ClusterSpec): string {
  return `${spec.repository.path}/${engineDir(spec)}/${spec.gitops.engine === 'flux' ? FLUX_FILES.operatorValues : ARGOCD_FILES.values}`
}

/** The path of the FluxInstance file (relative to the repository root). */
export function fluxInstanceFile(spec: ClusterSpec): string {
  return `${spec.repository.path}/flux-system/${FLUX_FILES.instance}`
}

/** `clusters/<name>/kustomization.yaml` (merged with the existing one): lists the engine's folder, keeps every other entry. */
export function renderClusterKustomization(spec: ClusterSpec, existing?: string): RepoFile {
  const path = `${spec.repository.path}/kustomization.yaml`
  const dir = engineDir(spec)
  if (!existing?.trim()) {
    const content = `# What the engine applies from this folder (cluster.yaml is kindling's, not Kubernetes').\n${stringify({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: [dir] }, { lineWidth: 0 })}`
    return { path, content, mode: 'owned' }
  }
  const doc = parseDocument(existing)
  const resources = doc.get('resources')
  // "./flux-system" and "flux-system/" name the same folder as "flux-system".
  const normal = (entry: string): string => entry.replace(/^(\.\/)+/, '').replace(/\/+$/, '')
  if (isSeq(resources) && resources.items.some((item) => normal(String((item as { value?: unknown }).value ?? item)) === normal(dir))) return { path, content: existing, mode: 'owned' }
  if (isSeq(resources)) resources.items.unshift(doc.createNode(dir) as never)
  else doc.set('resources', doc.createNode([dir]))
  return { path, content: doc.toString({ lineWidth: 0 }), mode: 'owned' }
}

/** The content a file should have, given what the repository has now (undefined: absent). */
export function desiredContent(spec: ClusterSpec, file: RepoFile, existing: string | undefined): string {
  if (existing === undefined) return file.content
  if (file.mode === 'user') return existing
  if (file.mode === 'owned') return file.content
  return reconcilePins(spec, existing)
}

/**
 * Bring a file the repository already has in line with the spec's pins (engine versions) without
 * touching anything else the user changed there, comments included.
 */
export function reconcilePins(spec: ClusterSpec, existing: string): string {
  const docs = parseAllDocuments(existing)
  if (!Array.isArray(docs)) return existing
  let changed = false
  for (const doc of docs) {
    for (const pin of pinsOf(spec)) {
      if (!isMap(doc.contents) || doc.get('kind') !== pin.kind || doc.getIn(['metadata', 'name']) !== pin.name) continue
      if (doc.getIn(pin.path) !== pin.value) {
        doc.setIn(pin.path, pin.value)
        changed = true
      }
    }
  }
  return changed ? docs.map((doc) => doc.toString({ lineWidth: 0 })).join('') : existing
}

function pinsOf(spec: ClusterSpec): { kind: string; name: string; path: (string | number)[]; value: string }[] {
  if (spec.gitops.engine === 'flux') {
    return [
      { kind: 'FluxInstance', name: FLUX_INSTANCE_NAME, path: ['spec', 'distribution', 'version'], value: spec.gitops.version.replace(/^v/, '') },
      { kind: 'OCIRepository', name: FLUX_OPERATOR_RELEASE, path: ['spec', 'ref', 'tag'], value: spec.gitops.operatorVersion.replace(/^v/, '') },
    ]
  }
  return [{ kind: 'Application', name: ARGOCD_RELEASE, path: ['spec', 'sources', 0, 'targetRevision'], value: spec.gitops.version.replace(/^v/, '') }]
}
