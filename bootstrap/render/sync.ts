import type { KubeObject } from '../kube/client.js'
import type { ClusterSpec } from '../spec/load.js'
import { ARGOCD_NAMESPACE } from './argocd.js'
import { FLUX_NAMESPACE } from './flux.js'
import { MANAGED_BY } from './labels.js'

/** Flux's sync objects use the names `flux bootstrap` and the Flux Operator use, so tools recognise them. */
export const FLUX_SYNC_NAME = 'flux-system'
/** The Secret with the repository credentials, for either engine. */
export const FLUX_REPO_SECRET = 'flux-system'
export const FLUX_SOPS_SECRET = 'sops-age'
/** Flux finds age keys in decryption Secrets by this suffix. */
export const FLUX_SOPS_KEY = 'age.agekey'
export const ARGOCD_ROOT_APP = 'root'

/** Flux reads only `ssh://` URLs; the scp-like `git@host:path` form is rewritten to it. */
export function fluxRepoUrl(url: string): string {
  const scp = /^([\w.-]+)@([^:/]+):(?!\/\/)(.+)$/.exec(url)
  return scp ? `ssh://${scp[1]}@${scp[2]}/${scp[3]}` : url
}

/**
 * Flux's root sync: a GitRepository for the branch and a Kustomization for `clusters/<name>/`
 * with prune on, decrypting SOPS files when on. It does not `wait`, as `flux bootstrap`'s root
 * does not (flux2 pkg/manifestgen/sync): with `wait` it would health-check every component
 * Kustomization it applies, so a cold cluster would have to finish every layer within the root's
 * one timeout or the root fails and retries. Each component's Kustomization waits for its own
 * objects after those it depends on, and the health gate watches each of them.
 */
export function renderFluxSync(spec: ClusterSpec): KubeObject[] {
  const { repository } = spec
  return [
    {
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'GitRepository',
      metadata: { name: FLUX_SYNC_NAME, namespace: FLUX_NAMESPACE, labels: { ...MANAGED_BY } },
      spec: {
        interval: '1m',
        url: fluxRepoUrl(repository.url),
        ref: { branch: repository.branch },
        ...(repository.auth.type === 'none' ? {} : { secretRef: { name: FLUX_REPO_SECRET } }),
      },
    },
    {
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
      kind: 'Kustomization',
      metadata: { name: FLUX_SYNC_NAME, namespace: FLUX_NAMESPACE, labels: { ...MANAGED_BY } },
      spec: {
        interval: '10m',
        retryInterval: '1m',
        timeout: '10m',
        path: `./${repository.path}`,
        prune: true,
        sourceRef: { kind: 'GitRepository', name: FLUX_SYNC_NAME },
        ...(spec.secrets.sops.enabled ? { decryption: { provider: 'sops', secretRef: { name: FLUX_SOPS_SECRET } } } : {}),
      },
    },
  ]
}

/** Argo CD's root sync: one Application for `clusters/<name>/`, automated with prune, self-heal and server-side apply. */
export function renderArgoRootApp(spec: ClusterSpec): KubeObject {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: ARGOCD_ROOT_APP, namespace: ARGOCD_NAMESPACE, labels: { ...MANAGED_BY } },
    spec: {
      project: 'default',
      source: { repoURL: spec.repository.url, targetRevision: spec.repository.branch, path: spec.repository.path },
      destination: { server: 'https://kubernetes.default.svc', namespace: ARGOCD_NAMESPACE },
      syncPolicy: {
        automated: { prune: true, selfHeal: true },
        syncOptions: ['ServerSideApply=true'],
        retry: { limit: 10, backoff: { duration: '10s', factor: 2, maxDuration: '3m' } },
      },
    },
  }
}
