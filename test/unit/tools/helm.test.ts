import { describe, expect, it } from 'vitest'
import { decodeHelmRelease, encodeHelmRelease, helmUnstickCommand, helmUpgradeCommand } from '../../../bootstrap/tools/helm.js'
import { formatCommand } from '../../../bootstrap/tools/runner.js'

describe('helm tool', () => {
  it('installs or upgrades at the pinned version with the values file from the repository, on the named cluster only', () => {
    const command = helmUpgradeCommand(
      {
        release: 'argocd',
        namespace: 'argocd',
        chart: 'argo-cd',
        repo: 'https://argoproj.github.io/argo-helm',
        version: '10.1.1',
        valuesFile: '/repo/clusters/lab/argocd/values.yaml',
      },
      ['--kubeconfig', '/home/me/.kube/lab', '--kube-context', 'lab-admin'],
    )
    expect(formatCommand(command)).toBe(
      'helm upgrade --install argocd argo-cd --repo https://argoproj.github.io/argo-helm --version 10.1.1 --namespace argocd --create-namespace --values /repo/clusters/lab/argocd/values.yaml --timeout 5m --kubeconfig /home/me/.kube/lab --kube-context lab-admin',
    )
  })

  it('clears a release an interrupted run left pending, and leaves a settled one alone', () => {
    const release = {
      release: 'flux-operator',
      namespace: 'flux-system',
      chart: 'oci://ghcr.io/controlplaneio-fluxcd/charts/flux-operator',
      version: '0.59.0',
      valuesFile: '/v.yaml',
    }
    const target = ['--kube-context', 'kind-lab']
    expect(formatCommand(helmUnstickCommand(release, 'pending-install', target)!)).toBe(
      'helm uninstall flux-operator --namespace flux-system --kube-context kind-lab --wait --timeout 5m',
    )
    expect(formatCommand(helmUnstickCommand(release, 'pending-upgrade', target)!)).toBe(
      'helm rollback flux-operator --namespace flux-system --kube-context kind-lab --wait --timeout 5m',
    )
    expect(helmUnstickCommand(release, 'deployed', target)).toBeUndefined()
    expect(helmUnstickCommand(release, 'failed', target)).toBeUndefined()
  })

  it('decodes the release Helm stores in its Secret (base64 of base64 of gzip)', () => {
    const data = encodeHelmRelease({ chart: { metadata: { version: '0.59.0' } }, config: { a: 1 } })
    expect(decodeHelmRelease(data)).toEqual({ chart: { metadata: { version: '0.59.0' } }, config: { a: 1 } })
    expect(decodeHelmRelease('not base64 gzip')).toBeUndefined()
  })
})
