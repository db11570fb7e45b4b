import type { ChartSource, ComponentDescription, ReadinessRule } from '../components/component.js'
import type { KubeObject } from '../kube/client.js'
import type { ClusterSpec } from '../spec/load.js'
import { ARGOCD_NAMESPACE } from './argocd.js'
import { componentDepths, componentDir, componentsKustomization, componentSyncFile, manifestFolderFiles } from './component-files.js'
import { yamlDocs, type RepoFile } from './repo-files.js'

/**
 * Sync options of every component Application. Crossplane creates CRDs after a sync starts
 * (providers unpack them), so a dry run must not fail on kinds that do not exist yet; large CRDs
 * (kube-prometheus-stack's) need server-side apply.
 */
const SYNC_OPTIONS = ['CreateNamespace=true', 'ServerSideApply=true', 'SkipDryRunOnMissingResource=true']

/**
 * A chart's Application source. An `oci://` chart is an OCI artifact source, as Flux's
 * OCIRepository: the repository URL with the chart's name, at the tag, path `.` (Argo CD 3.1+,
 * user-guide/oci.md). Argo CD reads `oci://` as that and nothing else, so the registry path and
 * `chart` of a Helm repository source would pull the registry path itself, which holds no chart.
 */
function chartAppSource(chart: ChartSource): Record<string, unknown> {
  const helm = { releaseName: chart.releaseName, valuesObject: chart.values }
  if (chart.repoURL.startsWith('oci://'))
    return { repoURL: `${chart.repoURL.replace(/\/+$/, '')}/${chart.chart}`, targetRevision: chart.version, path: '.', helm }
  return { repoURL: chart.repoURL, chart: chart.chart, targetRevision: chart.version, helm }
}

/** A component's Argo CD Application, in the sync wave after everything it depends on. */
function renderArgoComponentApp(spec: ClusterSpec, component: ComponentDescription, wave: number): KubeObject {
  const source =
    component.source.type === 'chart'
      ? chartAppSource(component.source)
      : { repoURL: spec.repository.url, targetRevision: spec.repository.branch, path: componentDir(spec, component) }
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: {
      name: component.name,
      namespace: ARGOCD_NAMESPACE,
      // Server-side diff (stable since Argo CD 3.1) compares what the API server would store, so
      // CRD defaults do not show as drift and keep the Application OutOfSync forever.
      annotations: { 'argocd.argoproj.io/sync-wave': String(wave), 'argocd.argoproj.io/compare-options': 'ServerSideDiff=true' },
    },
    spec: {
      project: 'default',
      source,
      destination: { server: 'https://kubernetes.default.svc', namespace: component.namespace },
      ...(component.driftIgnored?.length ? { ignoreDifferences: component.driftIgnored } : {}),
      syncPolicy: {
        automated: { prune: true, selfHeal: true },
        syncOptions: component.driftIgnored?.length ? [...SYNC_OPTIONS, 'RespectIgnoreDifferences=true'] : SYNC_OPTIONS,
        // Providers report Healthy minutes after they are applied; retry rather than fail the sync.
        retry: { limit: 10, backoff: { duration: '10s', factor: 2, maxDuration: '3m' } },
      },
    },
  }
}

/**
 * Lua health checks for Argo CD's `resource.customizations`: Application (removed from Argo CD in
 * 1.8, needed so app-of-apps waves wait for each component) and one per readiness rule
 * (Progressing until the condition is True, so waves wait instead of failing).
 */
export function renderArgoHealthCustomizations(rules: readonly ReadinessRule[]): Record<string, string> {
  const entries: Record<string, string> = {
    'resource.customizations.health.argoproj.io_Application': [
      'hs = {status = "Progressing", message = ""}',
      'if obj.status ~= nil and obj.status.health ~= nil then',
      '  hs.status = obj.status.health.status',
      '  if obj.status.health.message ~= nil then hs.message = obj.status.health.message end',
      'end',
      'return hs',
    ].join('\n'),
  }
  for (const { apiVersion, kind, condition } of rules) {
    const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : ''
    entries[`resource.customizations.health.${group}_${kind}`] = [
      `hs = {status = "Progressing", message = "waiting for ${condition}=True"}`,
      'if obj.status ~= nil and obj.status.conditions ~= nil then',
      '  for _, c in ipairs(obj.status.conditions) do',
      `    if c.type == "${condition}" and c.status == "True" then hs.status = "Healthy"; hs.message = c.message or "${condition}" end`,
      `    if c.type == "${condition}" and c.status == "False" and c.message ~= nil then hs.message = c.message end`,
      '  end',
      'end',
      'return hs',
    ].join('\n')
  }
  return entries
}

/**
 * Every file that installs the components through Argo CD: `components/kustomization.yaml`, one
 * Application per component (chart Applications carry their values; manifest ones point at the
 * component's folder, which holds the same files as with Flux).
 */
export function renderArgoComponentFiles(spec: ClusterSpec, components: readonly ComponentDescription[]): RepoFile[] {
  if (components.length === 0) return []
  const depths = componentDepths(components)
  const files: RepoFile[] = [componentsKustomization(spec, components)]
  for (const component of components) {
    const app = renderArgoComponentApp(spec, component, depths.get(component.name)!)
    const chart = component.source.type === 'chart'
    files.push({
      path: componentSyncFile(spec, component),
      content: `# ${component.title}, installed by Argo CD${chart ? '; edit values freely, the version follows cluster.yaml' : ' from the folder beside this file'}.\n${yamlDocs([app])}`,
      mode: chart ? 'pinned' : 'owned',
      ...(chart
        ? {
            pins: [
              {
                kind: 'Application',
                name: component.name,
                path: ['spec', 'source', 'targetRevision'],
                value: (component.source as { version: string }).version,
              },
            ],
          }
        : {}),
    })
    files.push(...manifestFolderFiles(spec, component))
  }
  return files
}
