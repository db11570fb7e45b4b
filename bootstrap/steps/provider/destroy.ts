// Destroy of a kind cluster: confirm first, delete the cluster, and with --purge its registry
// caches. An existing cluster's uninstall is in uninstall.ts; the confirm step serves both.

import { DeclinedError, RefusalError } from '../../engine/errors.js'
import type { Action, Step, StepContext } from '../../engine/step.js'
import { KINDLING_CLUSTER_LABEL, registryContainers } from '../../render/registry-caches.js'
import type { ClusterSpec } from '../../spec/load.js'
import { existingVolumes, findContainers, inspectContainers, removeContainersCommand, removeVolumesCommand } from '../../tools/docker.js'
import { deleteClusterCommand, listKindClusters } from '../../tools/kind.js'
import { confirm as askPerson, type Confirm } from '../../ui/prompts.js'
import { contextOf } from '../connect.js'
import type { StepOptions } from '../index.js'
import { addSummary } from '../summary.js'
import { kindlingCommand } from '../../project.js'

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

/** The command that destroys without asking, with the --purge the user gave. */
function goAhead(spec: ClusterSpec, purge: boolean): string {
  return kindlingCommand(`destroy -c ${spec.name} --yes${purge && spec.provider.type === 'kind' ? ' --purge' : ''}`)
}

/**
 * Where nobody can answer the question (off a terminal, under --json) and --yes was not given: what
 * destroy cannot do, and the command that can. Preflight lists it beside missing prerequisites.
 */
export function unansweredConfirmation(spec: ClusterSpec, purge: boolean, unasked: string): { problem: string; fix: string } {
  const what =
    spec.provider.type === 'kind' ? `deleting kind cluster ${spec.name}` : `uninstalling what kindling installed from context ${spec.provider.context}`
  return { problem: `${unasked} destroy cannot ask before ${what}`, fix: `pass --yes to go ahead without asking: ${goAhead(spec, purge)}` }
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
        throw new RefusalError(`refusing to destroy without --yes ${options.unasked ?? 'in a non-interactive shell'}`, {
          details: ['nothing was changed', `to go ahead: ${goAhead(spec, ctx.flags.purge)}`],
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
          run: async (inner) => {
            // A "no" is a refusal like the one off a terminal: bad input (exit 2), not a failure.
            if (!(await ask(question, inner.signal)))
              throw new DeclinedError('not confirmed: nothing was changed', { details: ['to go ahead: run again and agree, or pass --yes'] })
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
      // Kept without --purge, also when the check could not list them: a plan naming `docker rm` would say otherwise.
      if (!ctx.flags.purge) return []
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
