import type { KubeObject } from '../kube/client.js'
import type { ClusterSpec } from '../spec/load.js'

/** Where Flux and the Flux Operator run; FluxInstance must live in the operator's namespace. */
export const FLUX_NAMESPACE = 'flux-system'
export const FLUX_OPERATOR_RELEASE = 'flux-operator'
export const FLUX_OPERATOR_CHART = 'oci://ghcr.io/controlplaneio-fluxcd/charts/flux-operator'
/** The only name a FluxInstance may have. */
export const FLUX_INSTANCE_NAME = 'flux'
/** The controllers the cluster needs: sources, kustomize (with SOPS), Helm releases, notifications. */
export const FLUX_COMPONENTS = ['source-controller', 'kustomize-controller', 'helm-controller', 'notification-controller'] as const

/** The Flux and flux-operator versions a Flux spec pins, without a leading v, as the FluxInstance and the chart tag take them. */
export function fluxVersions(spec: ClusterSpec): { flux: string; operator: string } {
  if (spec.gitops.engine !== 'flux') throw new Error(`cluster ${spec.name} uses ${spec.gitops.engine}, not flux`)
  return { flux: spec.gitops.version.replace(/^v/, ''), operator: spec.gitops.operatorVersion.replace(/^v/, '') }
}

/**
 * How soon kustomize-controller and helm-controller look again at an object whose dependency was
 * not ready (their `--requeue-dependency`, 30s by default). Every commit makes each component
 * wait for the one it depends on to apply that commit first, so with the default a change to
 * `clusters/` reaches the Postgres API or the apps up to 30 s per layer late; 5 s keeps the
 * layering without the wait, for a few more reads of a Ready condition.
 */
export const FLUX_REQUEUE_DEPENDENCY = '5s'

/**
 * The FluxInstance the operator turns into the Flux controllers, at exactly the spec's version.
 * It has no `sync`: the GitRepository and Kustomization are kindling's own (render/sync.ts), so
 * SOPS decryption is a plain field rather than a patch. One patch: FLUX_REQUEUE_DEPENDENCY, as a
 * container argument the way Flux's customization guides add one (fluxoperator.dev
 * instance/customization; fluxcd.io installation/configuration/boostrap-customization).
 */
export function renderFluxInstance(spec: ClusterSpec): KubeObject {
  return {
    apiVersion: 'fluxcd.controlplane.io/v1',
    kind: 'FluxInstance',
    metadata: { name: FLUX_INSTANCE_NAME, namespace: FLUX_NAMESPACE },
    spec: {
      distribution: { version: fluxVersions(spec).flux, registry: 'ghcr.io/fluxcd' },
      components: [...FLUX_COMPONENTS],
      cluster: { type: 'kubernetes', multitenant: false, networkPolicy: true, domain: 'cluster.local' },
      kustomize: {
        patches: [
          {
            target: { kind: 'Deployment', name: '(kustomize-controller|helm-controller)' },
            patch: `- op: add\n  path: /spec/template/spec/containers/0/args/-\n  value: --requeue-dependency=${FLUX_REQUEUE_DEPENDENCY}\n`,
          },
        ],
      },
    },
  }
}

/** Values for the flux-operator chart; the defaults suit every cluster, so the file starts empty. */
export function renderFluxOperatorValues(): Record<string, unknown> {
  return {}
}

/**
 * The operator's own Helm release as Flux objects, so Flux adopts the release the bootstrap
 * installed (same name, namespace, chart version and values file) instead of re-creating it.
 */
export function renderFluxOperatorRelease(spec: ClusterSpec): KubeObject[] {
  return [
    {
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'OCIRepository',
      metadata: { name: FLUX_OPERATOR_RELEASE, namespace: FLUX_NAMESPACE },
      spec: {
        interval: '1h',
        url: FLUX_OPERATOR_CHART,
        ref: { tag: fluxVersions(spec).operator },
        layerSelector: { mediaType: 'application/vnd.cncf.helm.chart.content.v1.tar+gzip', operation: 'copy' },
      },
    },
    {
      apiVersion: 'helm.toolkit.fluxcd.io/v2',
      kind: 'HelmRelease',
      metadata: { name: FLUX_OPERATOR_RELEASE, namespace: FLUX_NAMESPACE },
      spec: {
        interval: '1h',
        releaseName: FLUX_OPERATOR_RELEASE,
        chartRef: { kind: 'OCIRepository', name: FLUX_OPERATOR_RELEASE },
        valuesFrom: [{ kind: 'ConfigMap', name: FLUX_OPERATOR_VALUES_CONFIGMAP, valuesKey: 'values.yaml' }],
      },
    },
  ]
}

const FLUX_OPERATOR_VALUES_CONFIGMAP = 'flux-operator-values'

/** File names inside `clusters/<name>/flux-system/`. */
export const FLUX_FILES = {
  kustomization: 'kustomization.yaml',
  operatorRelease: 'flux-operator.yaml',
  operatorValues: 'flux-operator-values.yaml',
  instance: 'flux-instance.yaml',
  sync: 'sync.yaml',
} as const

/** The kustomize file of `flux-system/`: the values file becomes the ConfigMap the HelmRelease reads. */
export function renderFluxSystemKustomization(): Record<string, unknown> {
  return {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: [FLUX_FILES.operatorRelease, FLUX_FILES.instance, FLUX_FILES.sync],
    configMapGenerator: [{ name: FLUX_OPERATOR_VALUES_CONFIGMAP, namespace: FLUX_NAMESPACE, files: [`values.yaml=${FLUX_FILES.operatorValues}`] }],
    // A fixed name, because kustomize cannot rewrite references inside a HelmRelease.
    generatorOptions: { disableNameSuffixHash: true },
  }
}
