import { BadInputError } from '../../engine/errors.js'
import type { Action, Step, StepContext } from '../../engine/step.js'
import type { KubeClient } from '../../kube/client.js'
import { formatRef, refOf, type ObjectRef } from '../../kube/refs.js'
import { deleted } from '../../kube/conditions.js'
import { allEngines } from '../../engines/index.js'
import { IN_CLUSTER_GIT } from '../../render/git-server.js'
import { KINDLING_CLUSTER_LABEL, registryContainers } from '../../render/registry-caches.js'
import type { ClusterSpec, EngineName } from '../../spec/load.js'
import { existingVolumes, findContainers, inspectContainers, removeContainersCommand, removeVolumesCommand } from '../../tools/docker.js'
import { readHelmRelease } from '../../tools/helm.js'
import { deleteClusterCommand, listKindClusters } from '../../tools/kind.js'
import type { Command } from '../../tools/runner.js'
import { confirm as askPerson, type Confirm } from '../../ui/prompts.js'
import { contextOf, kubeTargetArgs } from '../connect.js'
import type { StepOptions } from '../index.js'
import { appliedByKindling, labelledByKindling } from '../ownership.js'
import { addSummary } from '../summary.js'
import { ADOPTION_RECORD, ENGINE_NAMESPACES, readAdoptionRecord } from './existing-cluster.js'
import { kindlingCommand } from '../../project.js'

const DELETE_TIMEOUT_MS = 2 * 60_000

/**
 * The question destroy asks: exactly what will go, and what stays. `clusterExists` false: only
 * the registry caches are left to delete (--purge after the cluster is gone).
 */
export function destroyQuestion(spec: ClusterSpec, purge: boolean, clusterExists = true): string {
  if (spec.provider.type === 'kind') {
    if (!clusterExists) return `Delete the registry caches of "${spec.name}" with every cached image (kind cluster "${spec.name}" does not exist)?`
    const caches = registryContainers(spec).length > 0
    return `Delete kind cluster "${spec.name}" and everything in it${caches ? (purge ? ', and its registry caches with every cached image' : ' (registry caches are kept)') : ''}?`
  }
  return `Uninstall what kindling installed from context "${spec.provider.context}" (its GitOps engine release, credentials and root sync; nothing it did not install, and what the engine deployed from Git keeps running)?`
}

/** What a destroy of a kind cluster finds to delete: the cluster, and with --purge its registry containers and volumes. */
interface KindTargets {
  cluster: boolean
  leftovers?: RegistryLeftovers
}

async function findKindTargets(ctx: StepContext): Promise<KindTargets> {
  const cluster = (await listKindClusters(ctx.runner, ctx.signal)).includes(ctx.spec.name)
  return { cluster, ...(ctx.flags.purge && { leftovers: await findRegistryLeftovers(ctx) }) }
}

/** "kind cluster lab does not exist, nor any registry cache of it", or undefined when there is something to delete. */
function nothingToDelete(spec: ClusterSpec, targets: KindTargets): string | undefined {
  const caches = targets.leftovers ? targets.leftovers.containers.length + targets.leftovers.volumes.length : 0
  if (targets.cluster || caches > 0) return undefined
  return `kind cluster ${spec.name} does not exist${targets.leftovers ? ', nor any registry cache of it' : ''}`
}

/**
 * Step `confirm` of destroy: nothing is deleted without --yes or a person's yes, and nobody is
 * asked when there is nothing to delete. A shell nobody can answer (no TTY, --json) without --yes
 * is refused before anything changes; a dry run there reports the same refusal after its plan, so
 * its exit code and `ok` stay the real run's. What an existing cluster holds is found by the
 * uninstall step; there the question is always asked.
 */
export function confirmDestroyStep(spec: ClusterSpec, options: StepOptions, ask: Confirm = askPerson): Step<KindTargets> {
  return {
    name: 'confirm',
    title: 'Confirm',
    // After preflight: kind and Docker say what there is to delete, and the question does not
    // interrupt the prerequisites' checks.
    needs: ['preflight'],
    async check(ctx) {
      const targets = spec.provider.type === 'kind' ? await findKindTargets(ctx) : undefined
      const nothing = targets && nothingToDelete(spec, targets)
      if (nothing) return { state: 'done', verdict: 'not asked', detail: `nothing to delete: ${nothing}`, found: targets }
      if (ctx.flags.yes) return { state: 'done', verdict: 'not asked', detail: 'confirmed by --yes', found: targets }
      if (!options.interactive) {
        throw new BadInputError('refusing to destroy without --yes in a non-interactive shell', {
          details: ['nothing was changed', `to go ahead: ${kindlingCommand(`destroy -c ${spec.name} --yes${ctx.flags.purge ? ' --purge' : ''}`)}`],
        })
      }
      return { state: 'todo', detail: 'asks before deleting', did: 'you agreed', found: targets }
    },
    plan: (ctx, found) => {
      const question = destroyQuestion(spec, ctx.flags.purge, found?.cluster ?? true)
      return [
        {
          type: 'call',
          description: `ask: ${question} (skip with --yes)`,
          run: async () => {
            // A "no" is a refusal like the one off a terminal: bad input (exit 2), not a failure.
            if (!(await ask(question)))
              throw new BadInputError('not confirmed: nothing was changed', { details: ['to go ahead: run again and agree, or pass --yes'] })
          },
        },
      ]
    },
  }
}

/** Step `cluster` of destroy (kind): delete the cluster; its registry caches stay unless --purge. */
export function kindDeleteStep(spec: ClusterSpec): Step {
  return {
    name: 'cluster',
    title: `Delete kind cluster ${spec.name}`,
    needs: ['preflight', 'confirm'],
    async check(ctx) {
      const exists = (await listKindClusters(ctx.runner, ctx.signal)).includes(spec.name)
      return exists
        ? { state: 'todo', detail: `kind cluster ${spec.name} exists`, did: `deleted kind cluster ${spec.name} and its kubeconfig context ${contextOf(spec)}` }
        : { state: 'done', verdict: 'nothing to delete', detail: `kind cluster ${spec.name} does not exist` }
    },
    plan: () => [
      { type: 'run', command: deleteClusterCommand(spec.name), description: `delete kind cluster ${spec.name} and its kubeconfig context ${contextOf(spec)}` },
    ],
  }
}

/** The registry containers and volumes of a cluster that exist, by name; what --purge removes. */
export interface RegistryLeftovers {
  containers: string[]
  volumes: string[]
}

/**
 * The registry containers and volumes of the spec's cluster that exist. By label too: caches for
 * mirrors the spec no longer lists (or all of them, once caches are turned off) belong to this
 * cluster as well. Each volume is named like its container.
 */
async function findRegistryLeftovers(ctx: StepContext): Promise<RegistryLeftovers> {
  const registries = registryContainers(ctx.spec)
  const [named, labelled] = await Promise.all([
    inspectContainers(
      ctx.runner,
      registries.map((registry) => registry.name),
      ctx.signal,
    ),
    findContainers(ctx.runner, { [KINDLING_CLUSTER_LABEL]: ctx.spec.name }, ctx.signal),
  ])
  const containers = [...new Set([...named, ...labelled].map((container) => container.name))]
  const volumes = await existingVolumes(ctx.runner, [...new Set([...registries.map((registry) => registry.volume), ...containers])], ctx.signal)
  return { containers, volumes }
}

/** Step `registry-caches` of destroy: with --purge, remove the registry containers and their volumes; else keep them. */
export function registryCachesDeleteStep(spec: ClusterSpec): Step<RegistryLeftovers> {
  const registries = registryContainers(spec)
  return {
    name: 'registry-caches',
    title: 'Registry caches',
    needs: ['preflight', 'confirm'],
    async check(ctx) {
      const found = await findRegistryLeftovers(ctx)
      if (found.containers.length + found.volumes.length === 0)
        return { state: 'done', verdict: 'nothing to delete', detail: 'no registry containers or volumes', found }
      if (!ctx.flags.purge) {
        // Each volume is named like its container: one name per cache.
        const names = [...new Set([...found.containers, ...found.volumes])]
        addSummary(ctx, `registry caches kept for the next cluster: ${names.join(', ')}; destroy --purge removes them`)
        const what = `${found.containers.length} container(s) and ${found.volumes.length} volume(s)`
        return { state: 'done', verdict: 'kept', detail: `${what} for the next cluster; destroy --purge removes them`, found }
      }
      return {
        state: 'todo',
        detail: `${found.containers.length} container(s), ${found.volumes.length} volume(s)`,
        did: `removed ${found.containers.length} container(s) and ${found.volumes.length} volume(s) with the cached images`,
        found,
      }
    },
    async plan(ctx, given) {
      // Without a check result, ask again; when Docker cannot answer (a dry run without it), name what the spec makes.
      const found =
        given ??
        (await findRegistryLeftovers(ctx).catch(() => ({
          containers: registries.map((registry) => registry.name),
          volumes: registries.map((registry) => registry.volume),
        })))
      const actions: Action[] = []
      if (found.containers.length)
        actions.push({ type: 'run', command: removeContainersCommand(found.containers), description: 'remove the registry containers' })
      if (found.volumes.length) actions.push({ type: 'run', command: removeVolumesCommand(found.volumes), description: 'remove the cached images' })
      return actions
    },
  }
}

/** Owns only the fields destroy changes on the way out, leaving kindling's applied fields alone. */
const DESTROY_MANAGER = 'kindling-destroy'

/** Kinds kindling applies on a cluster, sync objects first: their controllers must still run to finalize them. */
const APPLIED_KINDS: readonly { apiVersion: string; kind: string }[] = [
  { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application' },
  { apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization' },
  { apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'GitRepository' },
  { apiVersion: 'fluxcd.controlplane.io/v1', kind: 'FluxInstance' },
  { apiVersion: 'v1', kind: 'Secret' },
  { apiVersion: 'v1', kind: 'ConfigMap' },
]

/** Everything kindling installed on an adopted cluster, in the order to remove it. */
export interface InstalledByKindling {
  objects: ObjectRef[]
  releases: { release: string; namespace: string }[]
  namespaces: string[]
  /** True when kindling's adoption record exists (it is removed last). */
  record: boolean
}

/**
 * What kindling installed, from its adoption record: in the namespace of an engine it installed, every
 * object it applied; where the engine ran before kindling (or without a record, where nobody knows),
 * only objects carrying kindling's managed-by label, never the engine or its namespace.
 */
export async function findInstalled(kube: KubeClient): Promise<InstalledByKindling> {
  const record = await readAdoptionRecord(kube)
  const preexisting = record?.engines ?? (['flux', 'argocd'] as EngineName[])
  const objects: ObjectRef[] = []
  for (const { apiVersion, kind } of APPLIED_KINDS) {
    for (const [engine, namespace] of Object.entries(ENGINE_NAMESPACES) as [EngineName, string][]) {
      const ours = preexisting.includes(engine) ? labelledByKindling : appliedByKindling
      const items = await kube.list(apiVersion, kind, { namespace })
      objects.push(...items.filter(ours).map((item) => refOf(item)))
    }
  }
  const releases: InstalledByKindling['releases'] = []
  const namespaces: string[] = []
  // The Helm release each engine is installed by: the Flux Operator, or Argo CD.
  for (const engine of allEngines()) {
    if (preexisting.includes(engine.name)) continue
    const { release, namespace } = engine.releaseName
    if (await readHelmRelease(kube, release, namespace)) releases.push({ release, namespace })
    if (!record?.namespaces.includes(engine.namespace) && (await kube.get({ apiVersion: 'v1', kind: 'Namespace', name: engine.namespace })))
      namespaces.push(engine.namespace)
  }
  // The in-cluster Git server (a spec with no remote): its repository only mirrors the checkout.
  const gitServer = await kube.get({ apiVersion: 'v1', kind: 'Namespace', name: IN_CLUSTER_GIT.namespace })
  if (gitServer && labelledByKindling(gitServer)) namespaces.push(IN_CLUSTER_GIT.namespace)
  return { objects, releases, namespaces, record: record !== undefined }
}

/** `helm uninstall` through the spec's kubeconfig and context only. */
export function helmUninstallCommand(spec: ClusterSpec, release: string, namespace: string): Command {
  return { file: 'helm', args: ['uninstall', release, '--namespace', namespace, ...kubeTargetArgs(spec), '--wait', '--timeout', '5m'] }
}

/** Delete an object, then watch until it is gone (an object already gone counts as gone). */
function deleteActions(ref: ObjectRef): Action[] {
  // A Flux Kustomization with prune on deletes everything it applied when it is deleted: every
  // app, Crossplane, volumes. Turn pruning off first so the workloads from Git keep running, as
  // they do when Argo CD's root Application (no resources finalizer) goes.
  const orphan = ref.kind === 'Kustomization' && ref.apiVersion.startsWith('kustomize.toolkit.fluxcd.io/')
  return [
    {
      type: 'call',
      description: `${orphan ? 'set spec.prune=false on, then ' : ''}delete ${formatRef(ref)}`,
      run: async (ctx) => {
        const kube = await ctx.kube()
        if (orphan && (await kube.get(ref))) {
          const { apiVersion, kind, name, namespace } = ref
          await kube.apply({ apiVersion, kind, metadata: { name, namespace }, spec: { prune: false } }, { fieldManager: DESTROY_MANAGER })
        }
        await kube.delete(ref)
      },
    },
    { type: 'wait', wait: { ref, condition: deleted, timeoutMs: DELETE_TIMEOUT_MS } },
  ]
}

/** The removal, in order: sync objects and secrets, then the engine releases, their namespaces, the record. */
export function uninstallActions(spec: ClusterSpec, installed: InstalledByKindling): Action[] {
  const actions: Action[] = installed.objects.flatMap(deleteActions)
  for (const { release, namespace } of installed.releases) {
    actions.push({ type: 'run', command: helmUninstallCommand(spec, release, namespace), description: `uninstall Helm release ${namespace}/${release}` })
  }
  actions.push(...installed.namespaces.flatMap((name) => deleteActions({ apiVersion: 'v1', kind: 'Namespace', name })))
  if (installed.record) actions.push(...deleteActions(ADOPTION_RECORD))
  return actions
}

/** Step `cluster` of destroy (existing): remove only what kindling installed; the cluster stays. */
export function existingUninstallStep(spec: ClusterSpec): Step<InstalledByKindling> {
  const context = spec.provider.type === 'existing' ? spec.provider.context : contextOf(spec)
  return {
    name: 'cluster',
    title: `Uninstall kindling's installs (context ${context})`,
    needs: ['preflight', 'confirm'],
    async check(ctx) {
      const installed = await findInstalled(await ctx.kube())
      const count = installed.objects.length + installed.releases.length + installed.namespaces.length + (installed.record ? 1 : 0)
      if (count === 0) return { state: 'done', detail: 'nothing installed by kindling', found: installed }
      const parts = [
        installed.releases.length ? `Helm release(s) ${installed.releases.map((entry) => `${entry.namespace}/${entry.release}`).join(', ')}` : '',
        installed.objects.length ? `${installed.objects.length} object(s) kindling applied` : '',
        installed.namespaces.length ? `namespace(s) ${installed.namespaces.join(', ')}` : '',
        installed.record ? 'its adoption record' : 'no adoption record: engines and namespaces are left alone',
      ].filter(Boolean)
      const removed = parts.filter((part) => !part.startsWith('no adoption record'))
      return { state: 'todo', detail: parts.join('; '), did: `removed ${removed.join('; ')}`, found: installed }
    },
    async plan(ctx, found) {
      return uninstallActions(spec, found ?? (await findInstalled(await ctx.kube())))
    },
  }
}
