import type { ChartSource, ComponentDescription, ReadinessRule } from '../components/component.js'
import type { KubeObject } from '../kube/client.js'
import type { ClusterSpec } from '../spec/load.js'
import { componentDir, componentsKustomization, componentSyncFile, manifestFolderFiles } from './component-files.js'
import { FLUX_NAMESPACE } from './flux.js'
import { kustomizationFile, OWNED_HEADER, yamlDocs, type RepoFile } from './repo-files.js'
import { FLUX_SOPS_SECRET, FLUX_SYNC_NAME } from './sync.js'

const RELEASE_FILE = 'release.yaml'

/**
 * A CEL health check per readiness rule, so a component is Ready only once, say, every Provider
 * is Healthy; kstatus alone does not know Crossplane's conditions. In progress until the condition
 * is True, as Argo CD's check: Crossplane reports Healthy=False for the whole install (apis/pkg/v1
 * conditions.go `PackageHealth` at v2.3.4) and prometheus-operator Available=False until a pod is
 * ready, and a `failed` expression would end the wait at once (fluxcd/pkg ssa v0.76.2
 * manager_wait.go stops when only Failed and Current remain; helm-controller v1.6.4 fails fast),
 * failing the Kustomization or the Helm install on every cold start. A missing `status` is an
 * evaluation error, which Flux reads as Unknown and keeps waiting.
 */
function fluxHealthCheckExprs(rules: readonly ReadinessRule[]): Record<string, string>[] {
  return rules.map(({ apiVersion, kind, condition }) => ({
    apiVersion,
    kind,
    current: `status.conditions.exists(e, e.type == '${condition}' && e.status == 'True')`,
  }))
}

/** How long one component may take to become healthy: its Kustomization's wait and its Helm install. */
const COMPONENT_TIMEOUT = '10m'

/**
 * A component's Flux Kustomization: it applies the component's folder once every component it
 * depends on is Ready, and is Ready itself only when all it applied is healthy (`wait`), so the
 * next layer finds the CRDs this one created. A chart's readiness rules go on its HelmRelease
 * instead: the objects they name are Helm's, not in this Kustomization's inventory, and `wait`
 * checks only that inventory (`healthChecks` are ignored with it; kustomize-controller v1.9.5
 * `checkHealth`), so here they would never run.
 */
export function renderFluxComponentSync(spec: ClusterSpec, component: ComponentDescription): KubeObject {
  const readiness = component.source.type === 'chart' ? [] : fluxHealthCheckExprs(component.readiness)
  return {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name: component.name, namespace: FLUX_NAMESPACE },
    spec: {
      interval: '10m',
      retryInterval: '1m',
      timeout: COMPONENT_TIMEOUT,
      path: `./${componentDir(spec, component)}`,
      prune: true,
      wait: true,
      sourceRef: { kind: 'GitRepository', name: FLUX_SYNC_NAME },
      ...(component.dependsOn.length ? { dependsOn: component.dependsOn.map((name) => ({ name })) } : {}),
      ...(readiness.length ? { healthCheckExprs: readiness } : {}),
      ...(spec.secrets.sops.enabled ? { decryption: { provider: 'sops', secretRef: { name: FLUX_SOPS_SECRET } } } : {}),
    },
  }
}

/** The chart's source: an OCIRepository for `oci://` charts, else a HelmRepository. */
function chartSource(name: string, chart: ChartSource): KubeObject {
  if (chart.repoURL.startsWith('oci://')) {
    return {
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'OCIRepository',
      metadata: { name, namespace: FLUX_NAMESPACE },
      spec: {
        interval: '1h',
        url: `${chart.repoURL.replace(/\/+$/, '')}/${chart.chart}`,
        ref: { tag: chart.version },
        layerSelector: { mediaType: 'application/vnd.cncf.helm.chart.content.v1.tar+gzip', operation: 'copy' },
      },
    }
  }
  return {
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'HelmRepository',
    metadata: { name, namespace: FLUX_NAMESPACE },
    spec: { interval: '1h', url: chart.repoURL },
  }
}

/**
 * A chart component as Flux objects: its source and a HelmRelease that installs CRDs and keeps
 * them current, Ready only once what the chart made is healthy. Helm waits with kstatus, which
 * takes a custom resource without Reconciling or Stalled conditions (a Prometheus) as ready at
 * once, so each readiness rule becomes a `healthCheckExprs` entry (helm-controller v1.5.0,
 * fluxcd/helm-controller#1389; Flux 2.9.5 ships v1.6.4; an older helm-controller drops both
 * fields and installs unchecked). They run only with the `poller` wait strategy, the default
 * unless the UseHelm3Defaults feature gate is on (internal/action/wait.go), so it is set here.
 */
function renderFluxHelmRelease(component: ComponentDescription, chart: ChartSource): KubeObject[] {
  const source = chartSource(component.name, chart)
  const oci = source.kind === 'OCIRepository'
  const readiness = fluxHealthCheckExprs(component.readiness)
  return [
    source,
    {
      apiVersion: 'helm.toolkit.fluxcd.io/v2',
      kind: 'HelmRelease',
      metadata: { name: component.name, namespace: FLUX_NAMESPACE },
      spec: {
        interval: '1h',
        releaseName: chart.releaseName,
        targetNamespace: component.namespace,
        storageNamespace: component.namespace,
        ...(oci
          ? { chartRef: { kind: 'OCIRepository', name: component.name } }
          : { chart: { spec: { chart: chart.chart, version: chart.version, sourceRef: { kind: 'HelmRepository', name: component.name } } } }),
        // Helm's default of 5 minutes is often too short for a cold kube-prometheus-stack install
        // (the kubelet pulls one image at a time); the same deadline as the Kustomization waiting for it.
        timeout: COMPONENT_TIMEOUT,
        // Flux skips CRD upgrades by default; charts that ship CRDs must keep them current.
        install: { createNamespace: true, crds: 'CreateReplace', remediation: { retries: 3 } },
        upgrade: { crds: 'CreateReplace', remediation: { retries: 3, remediateLastFailure: true } },
        ...(readiness.length ? { waitStrategy: { name: 'poller' }, healthCheckExprs: readiness } : {}),
        values: chart.values,
      },
    },
  ]
}

/** The version pins of a chart component's release file. */
function releasePins(component: ComponentDescription, chart: ChartSource): RepoFile['pins'] {
  return chart.repoURL.startsWith('oci://')
    ? [{ kind: 'OCIRepository', name: component.name, path: ['spec', 'ref', 'tag'], value: chart.version }]
    : [{ kind: 'HelmRelease', name: component.name, path: ['spec', 'chart', 'spec', 'version'], value: chart.version }]
}

/**
 * Every file that installs the components through Flux: `components/kustomization.yaml`, one
 * Kustomization per component, and each component's folder (a HelmRelease, or its manifests).
 */
export function renderFluxComponentFiles(spec: ClusterSpec, components: readonly ComponentDescription[]): RepoFile[] {
  if (components.length === 0) return []
  const files: RepoFile[] = [componentsKustomization(spec, components)]
  for (const component of components) {
    files.push({ path: componentSyncFile(spec, component), content: OWNED_HEADER + yamlDocs([renderFluxComponentSync(spec, component)]), mode: 'owned' })
    if (component.source.type !== 'chart') {
      files.push(...manifestFolderFiles(spec, component))
      continue
    }
    const dir = componentDir(spec, component)
    files.push(
      { path: `${dir}/kustomization.yaml`, content: OWNED_HEADER + yamlDocs([kustomizationFile([RELEASE_FILE])]), mode: 'owned' },
      {
        path: `${dir}/${RELEASE_FILE}`,
        content: `# The ${component.title} chart; edit values freely, the version follows cluster.yaml.\n${yamlDocs(renderFluxHelmRelease(component, component.source))}`,
        mode: 'pinned',
        pins: releasePins(component, component.source),
      },
    )
  }
  return files
}
