import path from 'node:path'
import type { Wait } from '../engine/step.js'
import { REFRESH_FIELD_MANAGER } from '../kube/refs.js'
import type { KubeClient, ObjectRef } from '../kube/client.js'
import { conditionTrue, deploymentAvailable, statefulSetReady } from '../kube/conditions.js'
import {
  argoCdChartVersion,
  ARGOCD_CHART,
  ARGOCD_CHART_REPO,
  ARGOCD_FILES,
  ARGOCD_NAMESPACE,
  ARGOCD_RELEASE,
  ARGOCD_SOPS_KEY,
  ARGOCD_SOPS_SECRET,
  renderArgoCdKustomization,
  renderArgoCdSelfApp,
  renderArgoCdValues,
} from '../render/argocd.js'
import { renderArgoComponentFiles, renderArgoHealthCustomizations } from '../render/argocd-components.js'
import { readinessRules } from '../render/component-files.js'
import { renderArgoCdMonitoring } from '../render/monitoring/argocd.js'
import { OWNED_HEADER, VALUES_HEADER, yamlDocs, type RepoFile } from '../render/repo-files.js'
import { argoRepoSecretRef, renderArgoRepoSecret } from '../render/secrets.js'
import { renderArgoRootApp } from '../render/sync.js'
import { enabledComponents } from '../components/registry.js'
import { ENGINE_TITLES } from '../spec/defaults.js'
import type { ClusterSpec } from '../spec/load.js'
import { applicationSyncedAt, driftArgo, rootApplicationRef, unhealthyArgo } from './argocd-health.js'
import { kubectlFor, localPortFor } from '../steps/connect.js'
import { ENGINE_READY_TIMEOUT_MS, type Engine } from './engine.js'
import { CLUSTER_FOLDER } from '../spec/cluster-folder.js'

const DIR = CLUSTER_FOLDER.engines.argocd

function fileOf(spec: ClusterSpec, name: string): string {
  return `${spec.repository.path}/${DIR}/${name}`
}

function files(spec: ClusterSpec): RepoFile[] {
  const healthChecks = renderArgoHealthCustomizations(readinessRules(enabledComponents(spec)))
  // The chart version, and where its values come from: moving the cluster to another remote moves them too.
  const pins = [
    { kind: 'Application', name: ARGOCD_RELEASE, path: ['spec', 'sources', 0, 'targetRevision'], value: argoCdChartVersion(spec) },
    { kind: 'Application', name: ARGOCD_RELEASE, path: ['spec', 'sources', 1, 'repoURL'], value: spec.repository.url },
    { kind: 'Application', name: ARGOCD_RELEASE, path: ['spec', 'sources', 1, 'targetRevision'], value: spec.repository.branch },
  ]
  return [
    { path: fileOf(spec, ARGOCD_FILES.kustomization), content: OWNED_HEADER + yamlDocs([renderArgoCdKustomization()]), mode: 'owned' },
    {
      path: fileOf(spec, ARGOCD_FILES.values),
      content: VALUES_HEADER + yamlDocs([renderArgoCdValues(spec, healthChecks)]),
      // The user's values stay; the health checks the components' sync waves rely on are kept in.
      mode: 'pinned',
      pins: Object.entries(healthChecks).map(([key, value]) => ({ path: ['configs', 'cm', key], value })),
    },
    { path: fileOf(spec, ARGOCD_FILES.selfApp), content: OWNED_HEADER + yamlDocs([renderArgoCdSelfApp(spec)]), mode: 'pinned', pins },
    { path: fileOf(spec, ARGOCD_FILES.rootApp), content: OWNED_HEADER + yamlDocs([renderArgoRootApp(spec)]), mode: 'owned' },
  ]
}

/** Ask Argo CD to compare with Git now instead of at its next poll; the controller removes the annotation. */
async function requestSync(kube: KubeClient): Promise<string> {
  const { apiVersion, kind, name, namespace } = rootApplicationRef
  await kube.apply(
    { apiVersion, kind, metadata: { name, namespace, annotations: { 'argocd.argoproj.io/refresh': 'normal' } } },
    { fieldManager: REFRESH_FIELD_MANAGER },
  )
  return new Date().toISOString()
}

const deployment = (name: string): Wait => ({
  ref: { apiVersion: 'apps/v1', kind: 'Deployment', name, namespace: ARGOCD_NAMESPACE },
  condition: deploymentAvailable,
  timeoutMs: ENGINE_READY_TIMEOUT_MS,
})

/** The Helm release kindling installs the engine with, whatever the spec pins. */
const RELEASE_NAME = { release: ARGOCD_RELEASE, namespace: ARGOCD_NAMESPACE }

/** Argo CD from its Helm chart, managing itself and an app of apps from the repository. */
export const argocdEngine: Engine = {
  name: 'argocd',
  title: ENGINE_TITLES.argocd,
  namespace: ARGOCD_NAMESPACE,
  dir: DIR,
  handOverHint: 'the manifests or release it came from',

  releaseName: RELEASE_NAME,
  rootRef: rootApplicationRef,
  release: (spec) => ({
    ...RELEASE_NAME,
    chart: ARGOCD_CHART,
    repo: ARGOCD_CHART_REPO,
    version: argoCdChartVersion(spec),
    valuesFile: path.join(spec.repoRoot, fileOf(spec, ARGOCD_FILES.values)),
  }),
  files,
  valuesFile: (spec) => fileOf(spec, ARGOCD_FILES.values),
  afterInstall: async () => undefined,
  readiness: () => [
    {
      ref: { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: 'applications.argoproj.io' },
      condition: conditionTrue('Established'),
      timeoutMs: ENGINE_READY_TIMEOUT_MS,
    },
    deployment('argocd-repo-server'),
    deployment('argocd-server'),
    {
      ref: { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'argocd-application-controller', namespace: ARGOCD_NAMESPACE },
      condition: statefulSetReady,
      timeoutMs: ENGINE_READY_TIMEOUT_MS,
    },
  ],

  rootSync: (spec) => [renderArgoRootApp(spec)],
  rootSyncFile: (spec) => fileOf(spec, ARGOCD_FILES.rootApp),
  requestSync,
  revisionWaits: (_spec, sha, _facts, timeoutMs) => [{ ref: rootApplicationRef, condition: applicationSyncedAt(sha), timeoutMs, explain: unhealthyArgo }],
  rootState: async (kube, sha) => {
    const result = applicationSyncedAt(sha).test(await kube.get(rootApplicationRef))
    return { done: result.done, lines: [`Application ${ARGOCD_NAMESPACE}/${rootApplicationRef.name}: ${result.message ?? ''}`] }
  },
  // Status lists drift on its own lines: here only what is unhealthy beyond being out of sync.
  unhealthyObjects: (kube) => unhealthyArgo(kube, undefined, { drift: false }),
  access: (spec) => {
    const kubectl = kubectlFor(spec, ARGOCD_NAMESPACE)
    const port = localPortFor(spec, 8080)
    return [
      `Argo CD UI: ${kubectl} port-forward svc/argocd-server ${port}:443, then https://127.0.0.1:${port} as admin`,
      `Argo CD password: ${kubectl} get secret argocd-initial-admin-secret -o jsonpath='{.data.password}' | base64 -d`,
    ]
  },
  // Argo CD compares with Git itself: drift is what an Application lists as OutOfSync.
  drift: (kube) => driftArgo(kube),

  sshKnownHostsIn: 'values',
  repoSecretRef: argoRepoSecretRef,
  renderRepoSecret: renderArgoRepoSecret,
  repoSecretMatches: (spec, live, credentials) =>
    credentials.type === 'ssh'
      ? live?.sshPrivateKey === credentials.privateKey.reveal()
      : live?.username === credentials.username && live.password === credentials.token.reveal() && live.url === spec.repository.url,
  sopsSecretRef: () => ({ name: ARGOCD_SOPS_SECRET, namespace: ARGOCD_NAMESPACE, key: ARGOCD_SOPS_KEY }),

  componentFiles: renderArgoComponentFiles,
  componentWaits: (_spec, component, sha, timeoutMs) => {
    const ref: ObjectRef = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', name: component.name, namespace: ARGOCD_NAMESPACE }
    // A chart Application's revision is the chart version, not a commit.
    return [{ ref, condition: applicationSyncedAt(component.source.type === 'chart' ? undefined : sha), timeoutMs, explain: unhealthyArgo }]
  },

  monitoring: renderArgoCdMonitoring,
}
