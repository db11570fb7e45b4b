import path from 'node:path'
import { isDeepStrictEqual } from 'node:util'
import { parseAllDocuments } from 'yaml'
import { BadInputError } from '../../engine/errors.js'
import type { Action, CheckResult, Step, StepContext } from '../../engine/step.js'
import type { KubeClient, KubeObject, ObjectRef } from '../../kube/client.js'
import { conditionTrue, deploymentAvailable, type Condition } from '../../kube/conditions.js'
import { ARGOCD_CHART, ARGOCD_CHART_REPO, ARGOCD_NAMESPACE, ARGOCD_RELEASE } from '../../render/argocd.js'
import { FLUX_INSTANCE_NAME, FLUX_NAMESPACE, FLUX_OPERATOR_CHART, FLUX_OPERATOR_RELEASE } from '../../render/flux.js'
import { desiredContent, engineValuesFile, fluxInstanceFile, renderEngineFiles } from '../../render/repo-files.js'
import { ENGINE_TITLES } from '../../spec/defaults.js'
import type { ClusterSpec } from '../../spec/load.js'
import { helmUnstickCommand, helmUpgradeCommand, readHelmRelease, type HelmRelease } from '../../tools/helm.js'
import { kubeTargetArgs } from '../connect.js'
import { EXISTING_ENGINE } from '../provider/existing-cluster.js'
import { engineFiles, fileWrites, pushNote, readRepoFile } from './repo.js'

const READY_TIMEOUT_MS = 5 * 60_000

/** "Flux" or "Argo CD", for titles and messages. */
export function engineLabel(spec: ClusterSpec): string {
  return ENGINE_TITLES[spec.gitops.engine]
}

/** The one Helm release the bootstrap installs: the Flux Operator, or Argo CD itself. */
export function engineRelease(spec: ClusterSpec): HelmRelease {
  const valuesFile = path.join(spec.repoRoot, engineValuesFile(spec))
  if (spec.gitops.engine === 'flux') {
    return { release: FLUX_OPERATOR_RELEASE, namespace: FLUX_NAMESPACE, chart: FLUX_OPERATOR_CHART, version: spec.gitops.operatorVersion.replace(/^v/, ''), valuesFile }
  }
  return { release: ARGOCD_RELEASE, namespace: ARGOCD_NAMESPACE, chart: ARGOCD_CHART, repo: ARGOCD_CHART_REPO, version: spec.gitops.version.replace(/^v/, ''), valuesFile }
}

/** The values the install uses: the repository's file when it exists, else the rendered defaults. */
export async function engineValues(spec: ClusterSpec): Promise<Record<string, unknown>> {
  const relative = engineValuesFile(spec)
  const file = renderEngineFiles(spec).find((entry) => entry.path === relative)!
  const text = desiredContent(spec, file, await readRepoFile(spec, relative))
  return parseSingle(text, relative) ?? {}
}

/** The FluxInstance to apply: the repository's file (pins brought in line), else the rendered one. */
export async function fluxInstance(spec: ClusterSpec): Promise<KubeObject> {
  const relative = fluxInstanceFile(spec)
  const file = renderEngineFiles(spec).find((entry) => entry.path === relative)!
  const object = parseSingle(desiredContent(spec, file, await readRepoFile(spec, relative)), relative) as KubeObject | undefined
  if (object?.kind !== 'FluxInstance' || object.metadata?.name !== FLUX_INSTANCE_NAME || object.metadata.namespace !== FLUX_NAMESPACE) {
    throw new BadInputError(`${relative} must hold one FluxInstance named ${FLUX_INSTANCE_NAME} in namespace ${FLUX_NAMESPACE}`)
  }
  return object
}

function parseSingle(text: string, file: string): Record<string, unknown> | undefined {
  const docs = parseAllDocuments(text)
  const list = Array.isArray(docs) ? docs : [docs]
  const errors = list.flatMap((doc) => doc.errors)
  if (errors.length) throw new BadInputError(`${file} is not valid YAML: ${errors[0]!.message.split('\n')[0]}`)
  const values = list.map((doc) => doc.toJS() as unknown).filter((value) => value !== null && value !== undefined)
  return values[0] as Record<string, unknown> | undefined
}

const fluxInstanceCrd: ObjectRef = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: 'fluxinstances.fluxcd.controlplane.io' }

/** Ask the API whether the engine is installed at the pinned version with the repository's values. */
async function checkEngine(ctx: StepContext): Promise<CheckResult> {
  const { spec } = ctx
  const kube = await ctx.kube()
  const release = engineRelease(spec)
  const state = await readHelmRelease(kube, release.release, release.namespace)
  if (!state && ctx.shared.get(EXISTING_ENGINE) === spec.gitops.engine) {
    // Installing the operator or chart next to an engine set up another way would take it over.
    throw new BadInputError(`${engineLabel(spec)} already runs on this cluster, but not from the Helm release ${release.namespace}/${release.release} kindling installs`, {
      details: [
        'kindling will not install a second copy over it',
        `to hand the cluster to kindling, remove it first (${spec.gitops.engine === 'flux' ? '`flux uninstall --keep-namespace`' : 'the manifests or release it came from'}), then run again`,
      ],
    })
  }
  if (!state) return { state: 'todo', detail: `${release.release} is not installed` }
  if (state.status !== 'deployed') return { state: 'todo', detail: `Helm release ${release.namespace}/${release.release} is ${state.status}` }
  if (state.chartVersion !== release.version) return { state: 'todo', detail: `${release.release} ${state.chartVersion ?? '?'} is installed; the spec pins ${release.version}` }
  if (!isDeepStrictEqual(state.values, await engineValues(spec))) return { state: 'todo', detail: `${release.release} runs with values other than ${engineValuesFile(spec)}` }
  if (spec.gitops.engine === 'flux') {
    const [entry] = await kube.planApply([await fluxInstance(spec)])
    if (entry?.state !== 'up to date') return { state: 'todo', detail: `FluxInstance ${FLUX_NAMESPACE}/${FLUX_INSTANCE_NAME}: ${entry?.state ?? 'unknown'}` }
  }
  if ((await fileWrites(spec, engineFiles(spec))).length > 0) return { state: 'todo', detail: `engine files under ${spec.repository.path}/ to write` }
  return { state: 'done', detail: `${release.release} ${release.version} deployed` }
}

async function planEngine(ctx: StepContext): Promise<Action[]> {
  const { spec } = ctx
  const writes = await fileWrites(spec, engineFiles(spec))
  const release = engineRelease(spec)
  // An interrupted run can leave the release pending; helm refuses to touch it until that is cleared.
  const state = await ctx.kube().then((kube) => readHelmRelease(kube, release.release, release.namespace)).catch(() => undefined)
  const unstick = state && helmUnstickCommand(release, state.status, kubeTargetArgs(spec))
  const actions: Action[] = [
    ...writes,
    ...(unstick ? [{ type: 'run' as const, command: unstick, description: `clear ${release.release}, left ${state!.status} by an interrupted run` }] : []),
    { type: 'run', command: helmUpgradeCommand(release, kubeTargetArgs(spec)), description: `install ${engineLabel(spec)}` },
  ]
  if (spec.gitops.engine === 'flux') {
    actions.push(
      { type: 'call', description: `wait until CustomResourceDefinition ${fluxInstanceCrd.name} is Established`, run: async (inner) => void (await (await inner.kube()).waitFor(fluxInstanceCrd, conditionTrue('Established'), { timeoutMs: READY_TIMEOUT_MS, signal: inner.signal })) },
      { type: 'apply', objects: [await fluxInstance(spec)], description: `Flux ${spec.gitops.version} controllers, from ${fluxInstanceFile(spec)}` },
    )
  }
  if (writes.length > 0) actions.push(pushNote(spec))
  return actions
}

/** What must be ready before the engine can sync: its controllers and the CRDs of its sync objects. */
export function engineReadiness(spec: ClusterSpec): { ref: ObjectRef; condition: Condition }[] {
  const crd = (name: string) => ({ ref: { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name }, condition: conditionTrue('Established') })
  const deployment = (name: string, namespace: string) => ({ ref: { apiVersion: 'apps/v1', kind: 'Deployment', name, namespace }, condition: deploymentAvailable })
  if (spec.gitops.engine === 'flux') {
    return [
      deployment(FLUX_OPERATOR_RELEASE, FLUX_NAMESPACE),
      { ref: { apiVersion: 'fluxcd.controlplane.io/v1', kind: 'FluxInstance', name: FLUX_INSTANCE_NAME, namespace: FLUX_NAMESPACE }, condition: conditionTrue('Ready', { failFastOnFalse: (c) => c.reason !== 'Progressing' }) },
      crd('gitrepositories.source.toolkit.fluxcd.io'),
      crd('kustomizations.kustomize.toolkit.fluxcd.io'),
    ]
  }
  return [
    crd('applications.argoproj.io'),
    deployment('argocd-repo-server', ARGOCD_NAMESPACE),
    deployment('argocd-server', ARGOCD_NAMESPACE),
    { ref: { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'argocd-application-controller', namespace: ARGOCD_NAMESPACE }, condition: statefulSetReady },
  ]
}

/** A StatefulSet whose replicas are all ready at the current revision. */
export const statefulSetReady: Condition = {
  description: 'all replicas ready',
  test(object) {
    const wanted = ((object?.spec as { replicas?: number } | undefined)?.replicas ?? 1)
    const status = (object?.status ?? {}) as { readyReplicas?: number; currentRevision?: string; updateRevision?: string; observedGeneration?: number }
    const current = status.updateRevision === undefined || status.currentRevision === status.updateRevision
    const observed = status.observedGeneration === undefined || status.observedGeneration >= Number(object?.metadata.generation ?? 0)
    const ready = (status.readyReplicas ?? 0) >= wanted
    return { done: !!object && ready && current && observed, message: object ? `${status.readyReplicas ?? 0}/${wanted} ready` : 'object does not exist' }
  },
}

/** Wait, by watching, until the engine's controllers are up. */
export async function waitForEngine(kube: KubeClient, spec: ClusterSpec, signal: AbortSignal, timeoutMs = READY_TIMEOUT_MS): Promise<void> {
  await Promise.all(engineReadiness(spec).map(({ ref, condition }) => kube.waitFor(ref, condition, { timeoutMs, signal })))
}

/** Step `engine`: the Flux Operator and a FluxInstance, or the argo-cd chart, at the spec's pins. */
export function engineStep(spec: ClusterSpec): Step {
  return {
    name: 'engine',
    title: `Install ${engineLabel(spec)}`,
    needs: ['cluster'],
    check: checkEngine,
    plan: planEngine,
    verify: async (ctx) => waitForEngine(await ctx.kube(), ctx.spec, ctx.signal),
  }
}
