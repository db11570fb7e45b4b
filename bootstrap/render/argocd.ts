import type { KubeObject } from '../kube/client.js'
import type { ClusterSpec } from '../spec/load.js'

export const ARGOCD_NAMESPACE = 'argocd'
export const ARGOCD_RELEASE = 'argocd'
export const ARGOCD_CHART = 'argo-cd'
export const ARGOCD_CHART_REPO = 'https://argoproj.github.io/argo-helm'
/**
 * KSOPS, the kustomize exec plugin that decrypts SOPS files for Argo CD, installed as its README at
 * viaduct-ai/kustomize-sops v4.5.1 documents. The image is distroless (no shell), so the init
 * container copies the binaries with `ksops install` rather than a shell's `mv`.
 */
const KSOPS_IMAGE = 'viaductoss/ksops:v4.5.1'
/** The Secret holding the age key, mounted into the repo server for KSOPS. */
export const ARGOCD_SOPS_SECRET = 'sops-age'
export const ARGOCD_SOPS_KEY = 'keys.txt'
/** Bootstrap-speed Git polling; the health gate also asks for a refresh instead of waiting. */
const ARGOCD_RECONCILIATION = '60s'

/** Hosts whose SSH keys the argo-cd chart ships in configs.ssh.knownHosts; others need configs.ssh.extraHosts. */
export const ARGOCD_KNOWN_SSH_HOSTS: readonly string[] = ['github.com', 'gitlab.com', 'bitbucket.org', 'ssh.dev.azure.com', 'vs-ssh.visualstudio.com']

/** File names inside `clusters/<name>/argocd/`. */
export const ARGOCD_FILES = {
  kustomization: 'kustomization.yaml',
  values: 'values.yaml',
  selfApp: 'argocd.yaml',
  rootApp: 'root.yaml',
} as const

/** The argo-cd chart version an Argo CD spec pins, without a leading v, as a chart reference takes it. */
export function argoCdChartVersion(spec: ClusterSpec): string {
  if (spec.gitops.engine !== 'argocd') throw new Error(`cluster ${spec.name} uses ${spec.gitops.engine}, not argocd`)
  return spec.gitops.version.replace(/^v/, '')
}

/**
 * Values of the argo-cd chart, kept in the repository: metrics on, a fast reconciliation interval,
 * health checks the components need (`resource.customizations.health.*`), and KSOPS in the repo server (kustomize exec plugins enabled, the age key mounted from a Secret
 * that may appear after the install).
 */
export function renderArgoCdValues(spec: ClusterSpec, healthChecks: Record<string, string> = {}): Record<string, unknown> {
  const values: Record<string, unknown> = {
    configs: {
      cm: {
        'timeout.reconciliation': ARGOCD_RECONCILIATION,
        ...healthChecks,
        ...(spec.secrets.sops.enabled ? { 'kustomize.buildOptions': '--enable-alpha-plugins --enable-exec' } : {}),
      },
    },
    controller: { metrics: { enabled: true } },
    server: { metrics: { enabled: true } },
    applicationSet: { metrics: { enabled: true } },
    repoServer: { metrics: { enabled: true } },
  }
  if (spec.secrets.sops.enabled) {
    values.repoServer = {
      metrics: { enabled: true },
      env: [
        { name: 'XDG_CONFIG_HOME', value: '/.config' },
        { name: 'SOPS_AGE_KEY_FILE', value: `/.config/sops/age/${ARGOCD_SOPS_KEY}` },
      ],
      volumes: [
        { name: 'custom-tools', emptyDir: {} },
        { name: 'sops-age', secret: { secretName: ARGOCD_SOPS_SECRET, optional: true } },
      ],
      initContainers: [
        {
          name: 'install-ksops',
          image: KSOPS_IMAGE,
          command: ['/usr/local/bin/ksops', 'install', '--with-kustomize', '/custom-tools'],
          volumeMounts: [{ mountPath: '/custom-tools', name: 'custom-tools' }],
        },
      ],
      volumeMounts: [
        { mountPath: '/usr/local/bin/kustomize', name: 'custom-tools', subPath: 'kustomize' },
        { mountPath: '/usr/local/bin/ksops', name: 'custom-tools', subPath: 'ksops' },
        { mountPath: '/.config/sops/age', name: 'sops-age' },
      ],
    }
  }
  return values
}

/**
 * The Application through which Argo CD manages its own chart from the repository: same release
 * name, namespace, chart version and values file as the bootstrap's `helm upgrade --install`.
 */
export function renderArgoCdSelfApp(spec: ClusterSpec): KubeObject {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: ARGOCD_RELEASE, namespace: ARGOCD_NAMESPACE },
    spec: {
      project: 'default',
      sources: [
        {
          repoURL: ARGOCD_CHART_REPO,
          chart: ARGOCD_CHART,
          targetRevision: argoCdChartVersion(spec),
          helm: { releaseName: ARGOCD_RELEASE, valueFiles: [`$values/${spec.repository.path}/argocd/${ARGOCD_FILES.values}`] },
        },
        { repoURL: spec.repository.url, targetRevision: spec.repository.branch, ref: 'values' },
      ],
      destination: { server: 'https://kubernetes.default.svc', namespace: ARGOCD_NAMESPACE },
      syncPolicy: {
        automated: { prune: true, selfHeal: true },
        syncOptions: ['ServerSideApply=true'],
      },
    },
  }
}

/** The kustomize file of `argocd/`. */
export function renderArgoCdKustomization(): Record<string, unknown> {
  return {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: [ARGOCD_FILES.selfApp, ARGOCD_FILES.rootApp],
  }
}
