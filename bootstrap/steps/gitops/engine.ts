import { isDeepStrictEqual } from 'node:util'
import { RefusalError } from '../../engine/errors.js'
import type { Action, CheckResult, Step, StepContext } from '../../engine/step.js'
import { allEngines, engineOf, type Engine } from '../../engines/index.js'
import type { KubeClient } from '../../kube/client.js'
import { describeApplied } from '../../kube/refs.js'
import { desiredContent, firstDocument } from '../../render/repo-files.js'
import { relativeSpec, type ClusterSpec } from '../../spec/load.js'
import { helmUnstickCommand, helmUpgradeCommand, readHelmRelease, type HelmReleaseState } from '../../tools/helm.js'
import { kubeTargetArgs } from '../connect.js'
import { engineInstalledByKindling } from '../ownership.js'
import { fileWrites, readRepoFile } from './repo.js'
import { kindlingCommand } from '../../project.js'

/** "Flux" or "Argo CD", for titles and messages. */
export function engineLabel(spec: ClusterSpec): string {
  return engineOf(spec).title
}

/** The engine's own files (install values, version pins), without the root sync ones. */
export function engineFiles(spec: ClusterSpec): ReturnType<Engine['files']> {
  const engine = engineOf(spec)
  return engine.files(spec).filter((file) => file.path !== engine.rootSyncFile(spec))
}

/** The values the install uses: the repository's file when it exists, else the rendered defaults. */
async function engineValues(spec: ClusterSpec): Promise<Record<string, unknown>> {
  const engine = engineOf(spec)
  const relative = engine.valuesFile(spec)
  const file = engine.files(spec).find((entry) => entry.path === relative)!
  return (firstDocument(desiredContent(file, await readRepoFile(spec, relative)), relative) as Record<string, unknown> | undefined) ?? {}
}

/** What check saw of the engine's Helm release, for plan. */
interface EngineFound {
  release?: HelmReleaseState
}

/**
 * Stop when kindling installed another engine here earlier (the spec's engine changed): both would
 * sync clusters/<name>/ and fight over it, and the old one would prune what the new one applies.
 */
async function refuseEngineSwitch(kube: KubeClient, spec: ClusterSpec): Promise<void> {
  const engine = engineOf(spec)
  for (const other of allEngines().filter((candidate) => candidate.name !== engine.name)) {
    if (!(await engineInstalledByKindling(kube, other))) continue
    throw new RefusalError(`${other.title} runs on this cluster (kindling installed it), but the spec now asks for ${engine.title}`, {
      details: [
        `kindling does not switch engines in place: both would sync ${spec.repository.path}/ and fight over it`,
        `to switch, rebuild: \`${kindlingCommand(`destroy -c ${spec.name}`)}\`, then \`${kindlingCommand(`bootstrap -c ${spec.name}`)}\` (on an existing cluster destroy removes only what kindling installed)`,
        `or keep ${other.title}: set gitops.engine back to ${other.name} in ${relativeSpec(spec)}`,
      ],
    })
  }
}

/** Ask the API whether the engine is installed at the pinned version with the repository's values. */
async function checkEngine(ctx: StepContext): Promise<CheckResult<EngineFound>> {
  const { spec } = ctx
  const engine = engineOf(spec)
  const kube = await ctx.kube()
  await refuseEngineSwitch(kube, spec)
  const release = engine.release(spec)
  const state = await readHelmRelease(kube, release.release, release.namespace)
  const found = { release: state }
  if (!state && ctx.facts.existingEngine === engine.name) {
    // Installing the operator or chart next to an engine set up another way would take it over.
    throw new RefusalError(
      `${engine.title} already runs on this cluster, but not from the Helm release ${release.namespace}/${release.release} kindling installs`,
      {
        details: [
          'kindling will not install a second copy over it',
          `to hand the cluster to kindling, remove it first (${engine.handOverHint}), then run again`,
        ],
      },
    )
  }
  // Whatever is out of date, the plan installs the release at the spec's pin and applies what follows it.
  const did = `installed ${release.release} ${release.version}`
  if (!state) return { state: 'todo', detail: `${release.release} is not installed`, did, found }
  if (state.status !== 'deployed') return { state: 'todo', detail: `Helm release ${release.namespace}/${release.release} is ${state.status}`, did, found }
  if (state.chartVersion !== release.version)
    return { state: 'todo', detail: `${release.release} ${state.chartVersion ?? '?'} is installed; the spec pins ${release.version}`, did, found }
  if (!isDeepStrictEqual(state.values, await engineValues(spec)))
    return { state: 'todo', detail: `${release.release} runs with values other than ${engine.valuesFile(spec)}`, did, found }
  const after = await engine.afterInstall(spec, (relative) => readRepoFile(spec, relative))
  if (after) {
    const pending = (await kube.planApply(after.objects)).filter((entry) => entry.state !== 'up to date')
    if (pending.length)
      return { state: 'todo', detail: pending.map((entry) => `${entry.ref}: ${entry.state}`).join(', '), did: `${did}; ${describeApplied(pending)}`, found }
  }
  if ((await fileWrites(spec, engineFiles(spec))).length > 0)
    return {
      state: 'todo',
      detail: `engine files under ${spec.repository.path}/ to write`,
      did: `wrote the engine files under ${spec.repository.path}/; ${did}`,
      found,
    }
  return { state: 'done', detail: `${release.release} ${release.version} deployed`, found }
}

async function planEngine(ctx: StepContext, found?: EngineFound): Promise<Action[]> {
  const { spec } = ctx
  const engine = engineOf(spec)
  const writes = await fileWrites(spec, engineFiles(spec))
  const release = engine.release(spec)
  // An interrupted run can leave the release pending; helm refuses to touch it until that is cleared.
  const state = found
    ? found.release
    : await ctx
        .kube()
        .then((kube) => readHelmRelease(kube, release.release, release.namespace))
        .catch(() => undefined)
  const unstick = state && helmUnstickCommand(release, state.status, kubeTargetArgs(spec))
  const actions: Action[] = [
    ...writes,
    ...(unstick ? [{ type: 'run' as const, command: unstick, description: `clear ${release.release}, left ${state!.status} by an interrupted run` }] : []),
    { type: 'run', command: helmUpgradeCommand(release, kubeTargetArgs(spec)), description: `install ${engine.title}` },
  ]
  const after = await engine.afterInstall(spec, (relative) => readRepoFile(spec, relative))
  if (after)
    actions.push(...after.before.map((wait): Action => ({ type: 'wait', wait })), { type: 'apply', objects: after.objects, description: after.description })
  return actions
}

/** Step `engine`: the Flux Operator and a FluxInstance, or the argo-cd chart, at the spec's pins. */
export function engineStep(spec: ClusterSpec): Step<EngineFound> {
  return {
    name: 'engine',
    title: `Install ${engineLabel(spec)}`,
    needs: ['cluster'],
    check: checkEngine,
    plan: planEngine,
    waits: (ctx) => engineOf(ctx.spec).readiness(ctx.spec),
  }
}
