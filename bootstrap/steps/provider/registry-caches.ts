import { KindlingError } from '../../engine/errors.js'
import type { Action, CheckResult, Step, StepContext } from '../../engine/step.js'
import { registryContainers, registryRunOptions, REGISTRY_PORT, type RegistryContainer } from '../../render/registry-caches.js'
import type { ClusterSpec } from '../../spec/load.js'
import { inspectContainers, removeContainersCommand, runContainerCommand, startContainersCommand, type ContainerInfo } from '../../tools/docker.js'
import { addSummary } from '../summary.js'
import { kindlingCommand } from '../../project.js'

const PROXY_ENV = 'REGISTRY_PROXY_REMOTEURL='

/** What to do about one registry container. */
export type RegistryAction = 'create' | 'start' | 'replace' | 'ok'

/** One registry container as check found it: what to do about it, and why. */
export interface RegistryState {
  registry: RegistryContainer
  action: RegistryAction
  why: string
}

/** Plain reasons a running container no longer matches what the spec asks of it. */
function registryDrift(spec: ClusterSpec, registry: RegistryContainer, live: ContainerInfo): string[] {
  const want = registryRunOptions(spec, registry)
  const drift: string[] = []
  if (live.image !== want.image) drift.push(`image ${live.image}, want ${want.image}`)
  const upstream = live.env.find((line) => line.startsWith(PROXY_ENV))?.slice(PROXY_ENV.length)
  if (upstream !== registry.upstream) drift.push(`upstream ${upstream ?? 'none'}, want ${registry.upstream ?? 'none'}`)
  const published = live.ports.filter((port) => port.containerPort === REGISTRY_PORT).map((port) => `${port.hostIp}:${port.hostPort}`)
  const wanted = registry.hostPort === undefined ? [] : [`127.0.0.1:${registry.hostPort}`]
  if (published.join(',') !== wanted.join(',')) drift.push(`published ${published.join(', ') || 'nothing'}, want ${wanted.join(', ') || 'nothing'}`)
  return drift
}

/** Decide, per registry container, whether it must be created, started, replaced or left alone. */
async function readRegistries(ctx: StepContext): Promise<RegistryState[]> {
  const registries = registryContainers(ctx.spec)
  const live = await inspectContainers(
    ctx.runner,
    registries.map((registry) => registry.name),
    ctx.signal,
  )
  return registries.map((registry) => {
    const container = live.find((entry) => entry.name === registry.name)
    if (!container) return { registry, action: 'create' as const, why: `${registry.name} does not exist` }
    const drift = registryDrift(ctx.spec, registry, container)
    if (drift.length) return { registry, action: 'replace' as const, why: `${registry.name}: ${drift.join('; ')}` }
    if (!container.running) return { registry, action: 'start' as const, why: `${registry.name} is stopped` }
    return { registry, action: 'ok' as const, why: `${registry.name} runs` }
  })
}

async function checkCaches(ctx: StepContext): Promise<CheckResult<RegistryState[]>> {
  const states = await readRegistries(ctx)
  const todo = states.filter((state) => state.action !== 'ok')
  if (todo.length === 0) return { state: 'done', detail: `${states.length} registry containers running`, found: states }
  return { state: 'todo', detail: todo.map((state) => state.why).join('; '), did: describeRegistryWork(todo), found: states }
}

const PAST: Record<Exclude<RegistryAction, 'ok'>, string> = { create: 'created', start: 'started', replace: 'replaced' }

/** What planCaches does to the containers check found, in the past tense: "created 5 registry containers", "started 1 and replaced 1 registry containers". */
function describeRegistryWork(todo: readonly RegistryState[]): string {
  const counts = (['create', 'start', 'replace'] as const)
    .map((action) => ({ action, count: todo.filter((state) => state.action === action).length }))
    .filter(({ count }) => count > 0)
    .map(({ action, count }) => `${PAST[action]} ${count}`)
  const words = counts.length > 1 ? `${counts.slice(0, -1).join(', ')} and ${counts.at(-1)}` : counts[0]
  return `${words} registry container${todo.length === 1 ? '' : 's'}`
}

async function planCaches(ctx: StepContext, found?: RegistryState[]): Promise<Action[]> {
  const { spec } = ctx
  // Without a check result, ask again; when Docker cannot answer (a dry run without it), plan every container from scratch.
  const states =
    found ?? (await readRegistries(ctx).catch(() => registryContainers(spec).map((registry): RegistryState => ({ registry, action: 'create', why: '' }))))
  const actions: Action[] = []
  const start = states.filter((state) => state.action === 'start').map((state) => state.registry.name)
  if (start.length) actions.push({ type: 'run', command: startContainersCommand(start), description: 'start stopped registry containers' })
  for (const { registry, action } of states) {
    if (action === 'replace')
      actions.push({
        type: 'run',
        command: removeContainersCommand([registry.name]),
        description: `replace ${registry.name} (its volume ${registry.volume} keeps the stored images)`,
      })
    if (action === 'create' || action === 'replace') {
      const what = registry.upstream ? `pull-through cache of ${registry.upstream}` : `local registry on 127.0.0.1:${registry.hostPort}`
      actions.push({ type: 'run', command: runContainerCommand(registryRunOptions(spec, registry)), description: what })
    }
  }
  return actions
}

/**
 * Step `registry-caches`: one pull-through cache per mirrored registry and a local push registry,
 * as containers with named volumes that outlive the cluster, so a re-created cluster pulls nothing
 * it pulled before. The cluster step attaches them to the kind network once it exists.
 */
export function registryCachesStep(_spec: ClusterSpec): Step<RegistryState[]> {
  return {
    name: 'registry-caches',
    title: 'Registry caches',
    needs: ['preflight'],
    check: checkCaches,
    plan: planCaches,
  }
}

/** Step `registry-caches` of `status`: every container exists and runs as the spec asks. */
export function registryCachesStatusStep(spec: ClusterSpec): Step {
  return {
    name: 'registry-caches',
    title: 'Registry caches',
    needs: ['preflight'],
    async check(ctx) {
      const states = await readRegistries(ctx)
      const problems = states.filter((state) => state.action !== 'ok')
      if (problems.length) {
        throw new KindlingError(`${problems.length} of ${states.length} registry containers not as the spec asks`, {
          details: [...problems.map((state) => `- ${state.why}`), `fix: ${kindlingCommand(`bootstrap -c ${spec.name}`)}`],
        })
      }
      addSummary(ctx, `registry containers: ${states.map((state) => state.registry.name).join(', ')}`)
      return { state: 'done', detail: `${states.length} registry containers running` }
    },
    plan: () => [],
  }
}
