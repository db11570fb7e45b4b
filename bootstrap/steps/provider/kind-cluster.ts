import { ClusterNotCreatedError, DeclinedError, KindlingError, RefusalError } from '../../engine/errors.js'
import type { Action, CheckResult, Step, StepContext, Wait } from '../../engine/step.js'
import { conditionTrue } from '../../kube/conditions.js'
import { kindProvider, nodeImageOf, nodeNamesOf, renderKindConfigYaml } from '../../render/kind-config.js'
import { hostsTomlPath, registryContainers, renderHostsToml, renderLocalRegistryHosting } from '../../render/registry-caches.js'
import type { ClusterSpec } from '../../spec/load.js'
import { networkConnectCommand, startContainersCommand, writeFileInContainerCommand } from '../../tools/docker.js'
import { createClusterCommand, deleteClusterCommand, KIND_NETWORK } from '../../tools/kind.js'
import { confirm as askPerson, type Confirm } from '../../ui/prompts.js'
import { contextOf, kubectlFor } from '../connect.js'
import type { StepOptions } from '../index.js'
import { addSummary } from '../summary.js'
import { compareKindCluster, readKindCluster, readMirrorWiring, registriesToConnect, wiringDone, wiringSummary, type MirrorWiring } from './kind-state.js'
import { inspectCluster, nodesProblem, reportCluster } from './existing-cluster.js'
import { kindlingCommand } from '../../project.js'

const NODE_READY_TIMEOUT_MS = 3 * 60_000

/**
 * What check found of the spec's kind cluster, handed to plan: absent, to re-create, refused
 * (check throws `error`), or present with its stopped nodes and missing registry wiring.
 */
export type KindClusterFound =
  | { kind: 'absent' }
  | { kind: 'recreate'; differences: string[] }
  | { kind: 'refused'; error: RefusalError }
  | { kind: 'present'; stopped: string[]; wiring: MirrorWiring }

/** "1 control plane, 2 workers, kindest/node v1.34.0" */
function describeSpec(spec: ClusterSpec): string {
  const { controlPlanes, workers } = kindProvider(spec).nodes
  const version = /:(v[\d.]+)/.exec(nodeImageOf(spec))?.[1] ?? nodeImageOf(spec)
  return `${controlPlanes} control plane${controlPlanes === 1 ? '' : 's'}, ${workers} worker${workers === 1 ? '' : 's'}, kindest/node ${version}`
}

function recreateAdvice(spec: ClusterSpec): string[] {
  return [
    'port mappings, mounts, node count and node image are fixed when a kind cluster is created',
    `to re-create it (everything inside is lost; registry caches are kept): ${kindlingCommand(`bootstrap -c ${spec.name} --recreate`)}`,
    'it asks before deleting; add --yes to skip the question',
  ]
}

/** Ask kind and Docker what exists of the cluster and decide what to do about it; changes nothing. */
async function readKindClusterFound(ctx: StepContext, options: StepOptions): Promise<KindClusterFound> {
  const { spec, flags } = ctx
  const state = await readKindCluster(ctx)
  if (!state.exists) return { kind: 'absent' }
  const differences = compareKindCluster(spec, state.nodes)
  if (differences.length > 0) {
    if (!flags.recreate) {
      const error = new RefusalError(`kind cluster ${spec.name} exists with a different config; stopping without changing it`, {
        details: [...differences.map((line) => `- ${line}`), ...recreateAdvice(spec)],
      })
      return { kind: 'refused', error }
    }
    // A dry run is refused too: its exit code and `ok` are the real run's.
    if (!flags.yes && !options.interactive) {
      const error = new RefusalError(`refusing to re-create kind cluster ${spec.name} without --yes ${options.unasked ?? 'in a non-interactive shell'}`, {
        details: [...differences.map((line) => `- ${line}`), 'nothing was changed; add --yes to re-create it'],
      })
      return { kind: 'refused', error }
    }
    return { kind: 'recreate', differences }
  }
  const stopped = state.nodes.filter((node) => !node.running).map((node) => node.name)
  // Stopped nodes cannot be asked for their files; starting them comes first, then everything is rewritten.
  const wiring =
    stopped.length > 0
      ? fullWiring(spec, await registriesToConnect(ctx))
      : await readMirrorWiring(
          ctx,
          state.nodes.map((node) => node.name),
        )
  return { kind: 'present', stopped, wiring }
}

async function checkKindCluster(ctx: StepContext, options: StepOptions): Promise<CheckResult<KindClusterFound>> {
  const { spec } = ctx
  const found = await readKindClusterFound(ctx, options)
  switch (found.kind) {
    case 'absent':
      ctx.facts.clusterToCreate = `kind cluster ${spec.name}`
      return {
        state: 'todo',
        detail: `kind cluster ${spec.name} does not exist; creating it (${describeSpec(spec)})`,
        did: `created kind cluster ${spec.name} (${describeSpec(spec)})`,
        found,
      }
    case 'refused':
      throw found.error
    case 'recreate':
      ctx.facts.clusterToCreate = `kind cluster ${spec.name}`
      return {
        state: 'todo',
        detail: `config differs (${found.differences.join('; ')}); re-creating it (--recreate)`,
        did: `re-created kind cluster ${spec.name} with the spec's config (${describeSpec(spec)})`,
        found,
      }
    case 'present': {
      const todo = [...(found.stopped.length ? [`${found.stopped.join(', ')} stopped`] : []), ...wiringSummary(found.wiring)]
      const did = [...(found.stopped.length ? [`started ${found.stopped.join(', ')}`] : []), ...wiringDone(found.wiring)]
      if (todo.length > 0) return { state: 'todo', detail: todo.join('; '), did: did.join('; '), found }
      return { state: 'done', detail: `kind cluster ${spec.name} exists with the same config (${describeSpec(spec)})`, found }
    }
  }
}

/** Every wiring piece, for a new (or restarted) cluster. */
function fullWiring(spec: ClusterSpec, connect: MirrorWiring['connect']): MirrorWiring {
  const registries = registryContainers(spec)
  return {
    connect,
    hostsFiles: nodeNamesOf(spec).flatMap((node) => registries.map((registry) => ({ node, registry }))),
    configMap: renderLocalRegistryHosting(spec) !== undefined,
  }
}

/** Attach the registries to the kind network, point each node's containerd at them, document the local registry. */
function wiringActions(spec: ClusterSpec, wiring: MirrorWiring): Action[] {
  const actions: Action[] = []
  for (const registry of wiring.connect) {
    actions.push({
      type: 'run',
      command: networkConnectCommand(KIND_NETWORK, registry.name),
      description: `attach ${registry.name} to the ${KIND_NETWORK} network`,
    })
  }
  const shown = new Set<string>()
  for (const { registry } of wiring.hostsFiles) {
    if (shown.has(registry.host)) continue
    shown.add(registry.host)
    actions.push({ type: 'note', text: `${hostsTomlPath(registry)} (stdin of docker exec below):\n${renderHostsToml(registry).trimEnd()}` })
  }
  for (const { node, registry } of wiring.hostsFiles) {
    actions.push({
      type: 'run',
      command: writeFileInContainerCommand(node, hostsTomlPath(registry), renderHostsToml(registry)),
      description: `${node}: pull ${registry.host} through ${registry.name}`,
    })
  }
  if (wiring.configMap) actions.push(...hostingActions(spec))
  return actions
}

/** Apply the local-registry-hosting ConfigMap, when the spec has a local registry. */
function hostingActions(spec: ClusterSpec): Action[] {
  const configMap = renderLocalRegistryHosting(spec)
  return configMap ? [{ type: 'apply', objects: [configMap], description: 'where to push images (KEP-1755)' }] : []
}

/** Every node of the spec Ready. */
function nodeWaits(spec: ClusterSpec): Wait[] {
  return nodeNamesOf(spec).map((name) => ({
    ref: { apiVersion: 'v1', kind: 'Node', name },
    condition: conditionTrue('Ready'),
    timeoutMs: NODE_READY_TIMEOUT_MS,
  }))
}

/**
 * Without what check found (a caller that did not check, or a dry run whose check failed) it asks
 * again; when Docker cannot answer, it plans a new cluster.
 */
async function planKindCluster(ctx: StepContext, options: StepOptions, ask: Confirm, given?: KindClusterFound): Promise<Action[]> {
  const { spec, flags } = ctx
  const found = given ?? (await readKindClusterFound(ctx, options).catch(() => undefined))
  if (found?.kind === 'refused') return []
  if (found?.kind === 'present') {
    if (found.stopped.length === 0) return wiringActions(spec, found.wiring)
    // Started nodes answer docker exec at once, but the API server takes a while: the ConfigMap waits for the nodes.
    return [
      { type: 'run', command: startContainersCommand(found.stopped), description: 'start the stopped nodes' },
      ...wiringActions(spec, { ...found.wiring, configMap: false }),
      ...(found.wiring.configMap ? [...nodeWaits(spec).map((wait): Action => ({ type: 'wait', wait })), ...hostingActions(spec)] : []),
    ]
  }
  const actions: Action[] = []
  if (found?.kind === 'recreate') {
    if (!flags.yes) {
      actions.push({
        type: 'call',
        description: `ask before deleting kind cluster ${spec.name} (skip with --yes)`,
        run: async (inner) => {
          const question = `Delete kind cluster "${spec.name}" and everything in it, then create it again with the new config?`
          // A "no" is a refusal (exit 2), as off a terminal without --yes; the cluster is untouched.
          if (!(await ask(question, inner.signal)))
            throw new DeclinedError(`not confirmed: kind cluster ${spec.name} was left as it is`, {
              details: [
                'to re-create it: run again and agree, or pass --yes',
                'to keep it: set the spec back to the config it was created with (a run without --recreate lists what differs)',
              ],
            })
        },
      })
    }
    actions.push({ type: 'run', command: deleteClusterCommand(spec.name), description: 're-create: delete the old cluster (registry caches are kept)' })
  }
  const yaml = renderKindConfigYaml(spec)
  actions.push({ type: 'note', text: `kind config (stdin of kind create cluster):\n${yaml.trimEnd()}` })
  actions.push({ type: 'run', command: createClusterCommand(spec.name, yaml), description: `create kind cluster ${spec.name}` })
  // The registries may already be on the kind network (it outlives clusters); when Docker cannot say, attach all.
  const connect = await registriesToConnect(ctx).catch(() => registryContainers(spec))
  actions.push(...wiringActions(spec, fullWiring(spec, connect)))
  return actions
}

function summarize(ctx: StepContext): void {
  const { spec } = ctx
  addSummary(ctx, `kind cluster ${spec.name}: kubectl --context ${contextOf(spec)} (${describeSpec(spec)})`)
  for (const mapping of kindProvider(spec).portMappings) {
    addSummary(ctx, `  ${mapping.listenAddress}:${mapping.hostPort} → node port ${mapping.containerPort}/${mapping.protocol}`)
  }
  const registries = registryContainers(spec)
  const caches = registries.filter((registry) => registry.upstream)
  if (caches.length) addSummary(ctx, `  pull-through caches: ${caches.map((registry) => registry.host).join(', ')}`)
  const local = registries.find((registry) => !registry.upstream)
  if (local) addSummary(ctx, `  push images to ${local.host}/<name>:<tag>; pods pull them by the same name`)
}

/**
 * Step `cluster` (kind): create the cluster when absent, reuse it when its creation-time config
 * matches the spec, stop and explain when it does not (re-create only with --recreate and a yes).
 */
export function kindClusterStep(spec: ClusterSpec, options: StepOptions, ask: Confirm = askPerson): Step<KindClusterFound> {
  const caches = registryContainers(spec).length > 0
  return {
    name: 'cluster',
    title: `kind cluster ${spec.name}`,
    needs: ['preflight', ...(caches ? ['registry-caches'] : [])],
    check: (ctx) => checkKindCluster(ctx, options),
    plan: (ctx, found) => planKindCluster(ctx, options, ask, found),
    waits: (ctx) => nodeWaits(ctx.spec),
    async verify(ctx) {
      summarize(ctx)
    },
  }
}

/** What status says of a kind cluster never created: that, and the command that creates it. */
export function kindClusterNotCreated(spec: ClusterSpec): ClusterNotCreatedError {
  return new ClusterNotCreatedError(`kind cluster ${spec.name} does not exist: it has not been created yet, or was deleted`, {
    details: [`create it: ${kindlingCommand(`bootstrap -c ${spec.name}`)}`],
  })
}

/** Step `cluster` of `status`: reports the cluster as it is; never changes it. */
export function kindClusterStatusStep(spec: ClusterSpec): Step {
  return {
    name: 'cluster',
    title: `kind cluster ${spec.name}`,
    needs: ['preflight'],
    async check(ctx) {
      const state = await readKindCluster(ctx)
      if (!state.exists) {
        ctx.facts.status.cluster = { name: spec.name, exists: false }
        throw kindClusterNotCreated(spec)
      }
      const differences = compareKindCluster(spec, state.nodes)
      if (differences.length)
        throw new KindlingError(`kind cluster ${spec.name} differs from its spec`, {
          details: [...differences.map((line) => `- ${line}`), ...recreateAdvice(spec)],
        })
      const stopped = state.nodes.filter((node) => !node.running).map((node) => node.name)
      if (stopped.length)
        throw new KindlingError(`kind cluster ${spec.name} has stopped nodes: ${stopped.join(', ')}`, {
          details: [`start them: ${kindlingCommand(`bootstrap -c ${spec.name}`)}`],
        })
      const missing = wiringSummary(
        await readMirrorWiring(
          ctx,
          state.nodes.map((node) => node.name),
        ),
      )
      const kube = await ctx.kube()
      const facts = await inspectCluster(kube)
      summarize(ctx)
      reportCluster(ctx, kube.context, facts)
      const problem = nodesProblem(facts, kubectlFor(spec))
      if (problem) throw problem
      return {
        state: 'done',
        detail: `${describeSpec(spec)}; ${facts.nodes.length} node(s) Ready${missing.length ? `; registry mirrors: ${missing.join('; ')}` : ''}`,
      }
    },
    plan: () => [],
  }
}
