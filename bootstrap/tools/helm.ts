import { gunzipSync, gzipSync } from 'node:zlib'
import type { KubeClient } from '../kube/client.js'
import type { Command } from './runner.js'

/** One Helm release the bootstrap installs: the engine itself, nothing else. */
export interface HelmRelease {
  release: string
  namespace: string
  /** `oci://…/chart` or a chart name in `repo`. */
  chart: string
  /** A classic chart repository URL, when `chart` is a name. */
  repo?: string
  version: string
  /** The values file in the repository; the engine later reconciles the same file. */
  valuesFile: string
}

/**
 * `helm upgrade --install`: installs, or upgrades in place; re-running with the same inputs changes
 * nothing. `target` holds the flags that name the one cluster it may touch (--kube-context, …).
 */
export function helmUpgradeCommand(release: HelmRelease, target: readonly string[]): Command {
  return {
    file: 'helm',
    args: [
      'upgrade',
      '--install',
      release.release,
      release.chart,
      ...(release.repo ? ['--repo', release.repo] : []),
      '--version',
      release.version,
      '--namespace',
      release.namespace,
      '--create-namespace',
      '--values',
      release.valuesFile,
      // Hooks only (no --wait): kindling waits for the engine itself, 5m as README and --help say.
      '--timeout',
      '5m',
      ...target,
    ],
  }
}

/**
 * The command that clears a release an interrupted helm left pending, so `helm upgrade --install`
 * can run again: a pending first install is uninstalled, a pending upgrade or rollback is rolled
 * back to the last good revision. Undefined when nothing is pending.
 */
export function helmUnstickCommand(release: HelmRelease, status: string, target: readonly string[]): Command | undefined {
  const scope = ['--namespace', release.namespace, ...target, '--wait', '--timeout', '5m']
  if (status === 'pending-install') return { file: 'helm', args: ['uninstall', release.release, ...scope] }
  if (status === 'pending-upgrade' || status === 'pending-rollback') return { file: 'helm', args: ['rollback', release.release, ...scope] }
  return undefined
}

/** What Helm's own storage says about a release: its latest revision, status, chart version and values. */
export interface HelmReleaseState {
  revision: number
  status: string
  chartVersion?: string
  values: Record<string, unknown>
}

/**
 * Read a release from Helm's storage Secrets (`sh.helm.release.v1.<name>.v<N>`, labels owner=helm,
 * name, status, version=N) through the API, without running helm. Undefined when never installed.
 */
export async function readHelmRelease(kube: KubeClient, release: string, namespace: string): Promise<HelmReleaseState | undefined> {
  const secrets = await kube.list('v1', 'Secret', { namespace, labelSelector: `owner=helm,name=${release}` })
  const latest = secrets.map((secret) => ({ secret, revision: Number(secret.metadata.labels?.version ?? 0) })).sort((a, b) => b.revision - a.revision)[0]
  if (!latest) return undefined
  const decoded = decodeHelmRelease(String((latest.secret.data as Record<string, string> | undefined)?.release ?? ''))
  return {
    revision: latest.revision,
    status: latest.secret.metadata.labels?.status ?? 'unknown',
    chartVersion: decoded?.chart?.metadata?.version,
    values: decoded?.config ?? {},
  }
}

interface StoredRelease {
  chart?: { metadata?: { version?: string } }
  config?: Record<string, unknown>
}

/** Helm stores a release as base64(gzip(JSON)), and the Secret adds its own base64 on top. */
export function decodeHelmRelease(data: string): StoredRelease | undefined {
  if (!data) return undefined
  try {
    const inner = Buffer.from(Buffer.from(data, 'base64').toString('utf8'), 'base64')
    return JSON.parse(gunzipSync(inner).toString('utf8')) as StoredRelease
  } catch {
    return undefined
  }
}

/** The inverse of decodeHelmRelease, for tests that stand in for Helm. */
export function encodeHelmRelease(release: StoredRelease): string {
  const inner = gzipSync(Buffer.from(JSON.stringify(release))).toString('base64')
  return Buffer.from(inner).toString('base64')
}
