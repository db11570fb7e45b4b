import { readFileSync } from 'node:fs'
import * as k8s from '@kubernetes/client-node'
import { parse } from 'yaml'
import type { KubeClient, KubeObject, ObjectRef } from '../../../bootstrap/kube/client.js'
import { encodeHelmRelease } from '../../../bootstrap/tools/helm.js'
import { formatCommand, type Command, type RunResult, type Runner } from '../../../bootstrap/tools/runner.js'
import { controlPlane } from '../support.js'

/**
 * A CRD with the same group, version and kind as the engine's, accepting any fields, with the
 * status subresource: enough for the bootstrap to apply objects and the test to play controller.
 */
export function minimalCrd(group: string, version: string, kind: string, plural: string): KubeObject {
  const open = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
      scope: 'Namespaced',
      versions: [
        {
          name: version,
          served: true,
          storage: true,
          subresources: { status: {} },
          schema: { openAPIV3Schema: { type: 'object', properties: { spec: open, status: open } } },
        },
      ],
    },
  }
}

export const ENGINE_CRDS: KubeObject[] = [
  minimalCrd('fluxcd.controlplane.io', 'v1', 'FluxInstance', 'fluxinstances'),
  minimalCrd('source.toolkit.fluxcd.io', 'v1', 'GitRepository', 'gitrepositories'),
  minimalCrd('kustomize.toolkit.fluxcd.io', 'v1', 'Kustomization', 'kustomizations'),
  minimalCrd('helm.toolkit.fluxcd.io', 'v2', 'HelmRelease', 'helmreleases'),
  minimalCrd('argoproj.io', 'v1alpha1', 'Application', 'applications'),
]

function workload(kind: 'Deployment' | 'StatefulSet', name: string, namespace: string): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind,
    metadata: { name, namespace },
    spec: {
      // No pods: the controllers report the workload available at once, so only the engine's own logic is timed.
      replicas: 0,
      ...(kind === 'StatefulSet' ? { serviceName: name } : {}),
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'main', image: 'registry.k8s.io/pause:3.10' }] } },
    },
  }
}

/** What each fake release installs: the workloads the bootstrap waits for. */
export const RELEASE_WORKLOADS: Record<string, KubeObject[]> = {
  'flux-operator': [workload('Deployment', 'flux-operator', 'flux-system')],
  argocd: [
    workload('Deployment', 'argocd-repo-server', 'argocd'),
    workload('Deployment', 'argocd-server', 'argocd'),
    workload('StatefulSet', 'argocd-application-controller', 'argocd'),
  ],
}

/**
 * A stand-in for the two processes the GitOps steps start where the real ones cannot run here:
 * `helm` (no chart registry is reachable) records the release in Helm's own storage format and
 * creates the workloads, and `git ls-remote` (no remote exists) answers with a fixed commit.
 */
export class FakeToolsRunner implements Runner {
  readonly commands: Command[] = []
  constructor(
    private readonly kube: KubeClient,
    public head: string,
  ) {}

  get lines(): string[] {
    return this.commands.map(formatCommand)
  }

  async run(command: Command): Promise<RunResult> {
    this.commands.push(command)
    const line = formatCommand(command)
    const ok = (stdout = ''): RunResult => ({ command: line, exitCode: 0, stdout, stderr: '' })
    if (command.file === 'git' && command.args.includes('ls-remote')) return ok(`${this.head}\trefs/heads/main\n`)
    // The checkout as after the user pushed it: clean, at the remote head (the push step then has nothing to do).
    if (command.file === 'git' && command.args.includes('status')) return ok('')
    if (command.file === 'git' && command.args.includes('rev-parse')) return ok(this.head)
    if (command.file === 'helm' && command.args[0] === 'upgrade') {
      const arg = (flag: string): string => command.args[command.args.indexOf(flag) + 1]!
      const [release, namespace, version] = [command.args[2]!, arg('--namespace'), arg('--version')]
      const values = (parse(readFileSync(arg('--values'), 'utf8')) as Record<string, unknown> | null) ?? {}
      await recordHelmRelease(this.kube, { release, namespace, version, values })
      await this.kube.applyAll(RELEASE_WORKLOADS[release] ?? [])
      return ok()
    }
    if (command.file === 'helm' && command.args[0] === 'rollback') {
      // Like helm: the pending revision is marked failed; the next upgrade makes a new deployed one.
      const [release, namespace] = [command.args[1]!, command.args[command.args.indexOf('--namespace') + 1]!]
      for (const secret of await this.kube.list('v1', 'Secret', { namespace, labelSelector: `owner=helm,name=${release}` })) {
        const labels = secret.metadata.labels ?? {}
        if (!labels.status?.startsWith('pending-')) continue
        await this.kube.apply({
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: secret.metadata.name, namespace, labels: { ...labels, status: 'failed' } },
          type: secret.type,
          data: secret.data,
        })
      }
      return ok()
    }
    throw new Error(`the fake runner does not know: ${line}`)
  }
}

const PLURALS: Record<string, string> = {
  FluxInstance: 'fluxinstances',
  GitRepository: 'gitrepositories',
  Kustomization: 'kustomizations',
  HelmRelease: 'helmreleases',
  Application: 'applications',
}

/** Play the engine's controller: write an object's status through the status subresource. */
/** The release record `helm upgrade --install` writes (a deployed revision Secret), for tests that stand in for helm. */
export async function recordHelmRelease(
  kube: KubeClient,
  options: { release: string; namespace: string; version: string; values?: Record<string, unknown> },
): Promise<void> {
  const { release, namespace, version } = options
  const previous = await kube.list('v1', 'Secret', { namespace, labelSelector: `owner=helm,name=${release}` })
  const revision = previous.length + 1
  await kube.applyAll([
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: `sh.helm.release.v1.${release}.v${revision}`,
        namespace,
        labels: { owner: 'helm', name: release, status: 'deployed', version: String(revision) },
      },
      type: 'helm.sh/release.v1',
      data: { release: encodeHelmRelease({ chart: { metadata: { version } }, config: options.values ?? {} }) },
    },
  ])
}

export async function setStatus(ref: ObjectRef, status: Record<string, unknown>, mutate?: (object: Record<string, unknown>) => void): Promise<void> {
  const config = new k8s.KubeConfig()
  config.loadFromFile(controlPlane().kubeconfigFile)
  config.setCurrentContext(controlPlane().context)
  const api = config.makeApiClient(k8s.CustomObjectsApi)
  const [group, version] = ref.apiVersion.split('/') as [string, string]
  const target = { group, version, namespace: ref.namespace!, plural: PLURALS[ref.kind]!, name: ref.name }
  // Like a controller, read again and retry when someone else wrote in between (kindling's reconcile request).
  for (let attempt = 1; ; attempt++) {
    try {
      const current = (await api.getNamespacedCustomObject(target)) as Record<string, unknown> & { metadata: { generation?: number } }
      mutate?.(current)
      if (mutate) await api.replaceNamespacedCustomObject({ ...target, body: current })
      const fresh = (await api.getNamespacedCustomObject(target)) as Record<string, unknown> & { metadata: { generation?: number } }
      await api.replaceNamespacedCustomObjectStatus({ ...target, body: { ...fresh, status: { observedGeneration: fresh.metadata.generation, ...status } } })
      return
    } catch (error) {
      if (attempt === 5 || (error as { code?: number }).code !== 409) throw error
    }
  }
}

/** A Ready condition as Flux writes it. */
export function ready(status: 'True' | 'False' | 'Unknown', reason: string, message: string): Record<string, unknown> {
  return { type: 'Ready', status, reason, message, lastTransitionTime: new Date().toISOString() }
}

// A key made for these tests only; it protects nothing.
export const TEST_AGE_IDENTITY = `# created: 2026-01-01T00:00:00Z
# public key: age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p
AGE-SECRET-KEY-1QQPQSMLQ6HZFSN9X4MW4KPPQDE3N6ZXA8GSKPT9RJ6R0HMU6JQSQPCKHG
`
