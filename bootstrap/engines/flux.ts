import path from 'node:path'
import { BadInputError } from '../engine/errors.js'
import type { Wait } from '../engine/step.js'
import { REFRESH_FIELD_MANAGER } from '../kube/refs.js'
import type { KubeClient, KubeObject, ObjectRef } from '../kube/client.js'
import { conditionTrue, deploymentAvailable } from '../kube/conditions.js'
import {
  FLUX_FILES,
  FLUX_INSTANCE_NAME,
  FLUX_NAMESPACE,
  FLUX_OPERATOR_CHART,
  FLUX_OPERATOR_RELEASE,
  fluxVersions,
  renderFluxInstance,
  renderFluxOperatorRelease,
  renderFluxOperatorValues,
  renderFluxSystemKustomization,
} from '../render/flux.js'
import { renderFluxComponentFiles, renderFluxComponentSync } from '../render/flux-components.js'
import { renderFluxMonitoring } from '../render/monitoring/flux.js'
import { desiredContent, firstDocument, OWNED_HEADER, VALUES_HEADER, yamlDocs, type Pin, type RepoFile } from '../render/repo-files.js'
import { renderFluxRepoSecret } from '../render/secrets.js'
import { FLUX_REPO_SECRET, FLUX_SOPS_KEY, FLUX_SOPS_SECRET, renderFluxSync } from '../render/sync.js'
import { ENGINE_TITLES } from '../spec/defaults.js'
import type { ClusterSpec } from '../spec/load.js'
import { kubectlFor, localPortFor } from '../steps/connect.js'
import { ENGINE_READY_TIMEOUT_MS, type Engine } from './engine.js'
import { fluxKustomizationRef, fluxReadyAt, gitRepositoryRef, fluxDrift, unhealthyFlux } from './flux-health.js'
import { CLUSTER_FOLDER } from '../spec/cluster-folder.js'

const DIR = CLUSTER_FOLDER.engines.flux

const crd = (name: string): ObjectRef => ({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name })
const established = (name: string): Wait => ({ ref: crd(name), condition: conditionTrue('Established'), timeoutMs: ENGINE_READY_TIMEOUT_MS })

function fileOf(spec: ClusterSpec, name: string): string {
  return `${spec.repository.path}/${DIR}/${name}`
}

function pins(spec: ClusterSpec): Pin[] {
  const version = fluxVersions(spec)
  return [
    { kind: 'FluxInstance', name: FLUX_INSTANCE_NAME, path: ['spec', 'distribution', 'version'], value: version.flux },
    { kind: 'OCIRepository', name: FLUX_OPERATOR_RELEASE, path: ['spec', 'ref', 'tag'], value: version.operator },
  ]
}

function files(spec: ClusterSpec): RepoFile[] {
  const file = (name: string, content: string, mode: RepoFile['mode'] = 'owned'): RepoFile => ({
    path: fileOf(spec, name),
    content,
    mode,
    ...(mode === 'pinned' ? { pins: pins(spec) } : {}),
  })
  return [
    file(FLUX_FILES.kustomization, OWNED_HEADER + yamlDocs([renderFluxSystemKustomization()])),
    file(FLUX_FILES.operatorRelease, OWNED_HEADER + yamlDocs(renderFluxOperatorRelease(spec)), 'pinned'),
    file(FLUX_FILES.operatorValues, VALUES_HEADER + yamlDocs([renderFluxOperatorValues()]), 'user'),
    file(FLUX_FILES.instance, OWNED_HEADER + yamlDocs([renderFluxInstance(spec)]), 'pinned'),
    file(FLUX_FILES.sync, OWNED_HEADER + yamlDocs(renderFluxSync(spec))),
  ]
}

/** The FluxInstance to apply: the repository's file (pins brought in line), else the rendered one. */
async function fluxInstance(spec: ClusterSpec, readFile: (relative: string) => Promise<string | undefined>): Promise<KubeObject> {
  const relative = fileOf(spec, FLUX_FILES.instance)
  const file = files(spec).find((entry) => entry.path === relative)!
  const object = firstDocument(desiredContent(file, await readFile(relative)), relative) as KubeObject | undefined
  if (object?.kind !== 'FluxInstance' || object.metadata?.name !== FLUX_INSTANCE_NAME || object.metadata.namespace !== FLUX_NAMESPACE) {
    throw new BadInputError(`${relative} must hold one FluxInstance named ${FLUX_INSTANCE_NAME} in namespace ${FLUX_NAMESPACE}`)
  }
  return object
}

/** Ask Flux to fetch and apply now (what `flux reconcile` does); it echoes the value once handled. */
async function requestSync(kube: KubeClient): Promise<string> {
  const requestedAt = new Date().toISOString()
  for (const { apiVersion, kind, name, namespace } of [gitRepositoryRef, fluxKustomizationRef]) {
    // Under its own field manager, so kindling's sync objects keep their fields untouched.
    await kube.apply(
      { apiVersion, kind, metadata: { name, namespace, annotations: { 'reconcile.fluxcd.io/requestedAt': requestedAt } } },
      { fieldManager: REFRESH_FIELD_MANAGER },
    )
  }
  return requestedAt
}

/** The Helm release kindling installs the engine with, whatever the spec pins. */
const RELEASE_NAME = { release: FLUX_OPERATOR_RELEASE, namespace: FLUX_NAMESPACE }

/** Flux, installed through the Flux Operator: a FluxInstance, a GitRepository and Kustomizations. */
export const fluxEngine: Engine = {
  name: 'flux',
  title: ENGINE_TITLES.flux,
  namespace: FLUX_NAMESPACE,
  dir: DIR,
  handOverHint: '`flux uninstall --keep-namespace`',

  releaseName: RELEASE_NAME,
  rootRef: gitRepositoryRef,
  release: (spec) => ({
    ...RELEASE_NAME,
    chart: FLUX_OPERATOR_CHART,
    version: fluxVersions(spec).operator,
    valuesFile: path.join(spec.repoRoot, fileOf(spec, FLUX_FILES.operatorValues)),
  }),
  files,
  valuesFile: (spec) => fileOf(spec, FLUX_FILES.operatorValues),
  afterInstall: async (spec, readFile) => ({
    before: [established('fluxinstances.fluxcd.controlplane.io')],
    objects: [await fluxInstance(spec, readFile)],
    description: `Flux ${fluxVersions(spec).flux} controllers, from ${fileOf(spec, FLUX_FILES.instance)}`,
  }),
  readiness: () => [
    {
      ref: { apiVersion: 'apps/v1', kind: 'Deployment', name: FLUX_OPERATOR_RELEASE, namespace: FLUX_NAMESPACE },
      condition: deploymentAvailable,
      timeoutMs: ENGINE_READY_TIMEOUT_MS,
    },
    {
      ref: { apiVersion: 'fluxcd.controlplane.io/v1', kind: 'FluxInstance', name: FLUX_INSTANCE_NAME, namespace: FLUX_NAMESPACE },
      condition: conditionTrue('Ready', { failFastOnFalse: (c) => c.reason !== 'Progressing' }),
      timeoutMs: ENGINE_READY_TIMEOUT_MS,
    },
    established('gitrepositories.source.toolkit.fluxcd.io'),
    established('kustomizations.kustomize.toolkit.fluxcd.io'),
  ],

  rootSync: renderFluxSync,
  rootSyncFile: (spec) => fileOf(spec, FLUX_FILES.sync),
  requestSync,
  revisionWaits: (_spec, sha, facts, timeoutMs) => [
    { ref: gitRepositoryRef, condition: fluxReadyAt(sha, 'artifact', facts.syncRequestedAt), timeoutMs, explain: unhealthyFlux },
    { ref: fluxKustomizationRef, condition: fluxReadyAt(sha, 'lastAppliedRevision', facts.syncRequestedAt), timeoutMs, explain: unhealthyFlux },
  ],
  rootState: async (kube, sha) => {
    const results = await Promise.all([
      kube.get(gitRepositoryRef).then((object) => ({ ref: gitRepositoryRef, result: fluxReadyAt(sha, 'artifact').test(object) })),
      kube.get(fluxKustomizationRef).then((object) => ({ ref: fluxKustomizationRef, result: fluxReadyAt(sha, 'lastAppliedRevision').test(object) })),
    ])
    return {
      done: results.every(({ result }) => result.done),
      lines: results.map(({ ref, result }) => `${ref.kind} ${ref.namespace}/${ref.name}: ${result.message ?? ''}`),
    }
  },
  unhealthyObjects: unhealthyFlux,
  access: (spec) => {
    // The operator's chart serves the Flux Status web UI on 9080 unless its values turn it off.
    const port = localPortFor(spec, 9080)
    return [
      `Flux UI: ${kubectlFor(spec, FLUX_NAMESPACE)} port-forward svc/${FLUX_OPERATOR_RELEASE} ${port}:9080, then http://127.0.0.1:${port}`,
      `Flux: ${kubectlFor(spec, undefined, 'flux')} get all -A (or ${kubectlFor(spec, FLUX_NAMESPACE)} get kustomizations,helmreleases)`,
    ]
  },
  drift: fluxDrift,

  sshKnownHostsIn: 'secret',
  repoSecretRef: () => ({ name: FLUX_REPO_SECRET, namespace: FLUX_NAMESPACE }),
  renderRepoSecret: (_spec, credentials) => renderFluxRepoSecret(credentials),
  repoSecretMatches: (_spec, live, credentials) =>
    credentials.type === 'ssh'
      ? live?.identity === credentials.privateKey.reveal()
      : live?.username === credentials.username && live.password === credentials.token.reveal(),
  sopsSecretRef: () => ({ name: FLUX_SOPS_SECRET, namespace: FLUX_NAMESPACE, key: FLUX_SOPS_KEY }),

  componentFiles: renderFluxComponentFiles,
  componentWaits: (spec, component, sha, timeoutMs) => {
    const sync = renderFluxComponentSync(spec, component)
    const ref: ObjectRef = { apiVersion: sync.apiVersion, kind: sync.kind, name: sync.metadata.name, namespace: sync.metadata.namespace }
    return [{ ref, condition: fluxReadyAt(sha, 'lastAppliedRevision'), timeoutMs, explain: unhealthyFlux }]
  },

  monitoring: renderFluxMonitoring,
}
