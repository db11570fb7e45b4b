import { parse } from 'yaml'
import { errorMessage, InterruptedError, PrerequisiteError, TimeoutError } from '../../engine/errors.js'
import type { Action, CheckResult, Step, StepContext, Wait } from '../../engine/step.js'
import { enabledComponents } from '../../components/registry.js'
import type { ComponentDescription } from '../../components/component.js'
import { engineOf } from '../../engines/index.js'
import type { KubeClient } from '../../kube/client.js'
import { formatRef, type KubeObject } from '../../kube/refs.js'
import { COMPONENTS_DIR, componentDir, describeComponents } from '../../render/component-files.js'
import type { ClusterSpec } from '../../spec/load.js'
import { addSummary } from '../summary.js'
import { engineLabel } from './engine.js'
import { readRepoFile, remoteHead, remoteHeadForPlan, shortSha } from './repo.js'

async function checkGate(ctx: StepContext): Promise<CheckResult> {
  const { spec } = ctx
  const engine = engineOf(spec)
  const sha = await remoteHead(ctx)
  const kube = await ctx.kube()
  const root = await engine.rootState(kube, sha)
  if (!root.done) return { state: 'todo', detail: root.lines.join('; ') }
  // Components count too: the root can be applied while a provider is still unhealthy.
  const first = await firstComponentNotReady(kube, spec, sha)
  if (first) return { state: 'todo', detail: first }
  return { state: 'done', detail: healthyDetail(spec, sha) }
}

const healthyDetail = (spec: ClusterSpec, sha: string): string => `${spec.repository.branch}@${shortSha(sha)} applied, all root objects and components ready`

/** One component's waits: the engine's sync object, then the component's own health. */
function waitsOf(spec: ClusterSpec, component: ComponentDescription, sha: string, timeoutMs: number): Wait[] {
  return [...engineOf(spec).componentWaits(spec, component, sha, timeoutMs), ...component.health.map((check): Wait => ({ ...check, timeoutMs }))]
}

/** For every enabled component in install order: the engine's sync object, then the component's own health. */
export function componentWaits(spec: ClusterSpec, sha: string, timeoutMs: number): Wait[] {
  return enabledComponents(spec).flatMap((component) => waitsOf(spec, component, sha, timeoutMs))
}

/**
 * "Provider provider-helm: Healthy=False ..." when a wait's object is not ready now, without
 * waiting; undefined when it is. A kind whose CRD is not there yet reads as absent; an object the
 * server refuses to show (RBAC, say) is named with the server's words; a server that cannot be
 * reached, or a stop, ends the whole look.
 */
async function notReadyNow(kube: KubeClient, wait: Wait): Promise<string | undefined> {
  let object: KubeObject | undefined
  try {
    object = await kube.get(wait.ref)
  } catch (error) {
    if (error instanceof PrerequisiteError || error instanceof InterruptedError || error instanceof TimeoutError) throw error
    return errorMessage(error)
  }
  const result = wait.condition.test(object)
  return result.done ? undefined : `${formatRef(wait.ref)}: ${result.message ?? `not ${wait.condition.description}`}`
}

/**
 * One enabled component as it is now: ready, or the objects that are not (same checks as the
 * gate); once ready, what its probes found (Prometheus targets up and down, Grafana's health).
 */
export interface ComponentState {
  name: string
  ready: boolean
  problems: string[]
  /** "Prometheus targets: 23 up, 1 down", one per probe that ran. */
  checks: string[]
}

export async function componentStates(kube: KubeClient, spec: ClusterSpec, sha: string): Promise<ComponentState[]> {
  const states: ComponentState[] = []
  for (const component of enabledComponents(spec)) {
    const problems: string[] = []
    for (const wait of waitsOf(spec, component, sha, 1)) {
      const problem = await notReadyNow(kube, wait)
      if (problem) problems.push(problem)
    }
    const checks: string[] = []
    // Probes ask the running service; a component whose objects are not ready has nothing to ask yet.
    for (const probe of problems.length ? [] : (component.probes ?? [])) {
      try {
        const answer = probe.judge(await kube.serviceGet(probe.service, probe.path, probe.query))
        checks.push(`${probe.title}: ${answer.line}`)
        problems.push(...answer.problems)
      } catch (error) {
        problems.push(`${probe.title}: cannot ask Service ${probe.service.namespace}/${probe.service.name}: ${errorMessage(error)}`)
      }
    }
    states.push({ name: component.name, ready: problems.length === 0, problems, checks })
  }
  return states
}

/** The first component object, in install order, that is not ready now; it stops there. */
async function firstComponentNotReady(kube: KubeClient, spec: ClusterSpec, sha: string): Promise<string | undefined> {
  for (const wait of componentWaits(spec, sha, 1)) {
    const problem = await notReadyNow(kube, wait)
    if (problem) return problem
  }
  return undefined
}

/** Everything the gate watches, in order: the root objects at `sha`, then each component. */
function gateWaits(ctx: StepContext, sha: string, timeoutMs: number): Wait[] {
  const { spec } = ctx
  return [...engineOf(spec).revisionWaits(spec, sha, ctx.facts, timeoutMs), ...componentWaits(spec, sha, timeoutMs)]
}

/**
 * What each user folder (apps) lists in its kustomization.yaml: as the repository has it, or as
 * kindling will seed it. Undefined for a folder whose list cannot be read.
 */
async function folderListings(spec: ClusterSpec, components: readonly ComponentDescription[]): Promise<Record<string, string[]>> {
  const listings: Record<string, string[]> = {}
  for (const component of components) {
    if (component.source.type !== 'folder') continue
    const text =
      (await readRepoFile(spec, `${componentDir(spec, component)}/kustomization.yaml`)) ??
      component.source.seed.find((file) => file.path === 'kustomization.yaml')?.content
    try {
      const resources = (parse(text ?? '') as { resources?: unknown } | null)?.resources
      if (Array.isArray(resources)) listings[component.name] = resources.filter((entry): entry is string => typeof entry === 'string')
    } catch {
      // A kustomization.yaml kustomize itself will reject: the plan says "everything" and the engine reports the error.
    }
  }
  return listings
}

async function planGate(ctx: StepContext): Promise<Action[]> {
  const engine = engineOf(ctx.spec)
  const components = enabledComponents(ctx.spec)
  const inventory = describeComponents(components, await folderListings(ctx.spec, components))
  return [
    ...(inventory.length
      ? [
          {
            type: 'note' as const,
            text: `${engine.title} then installs from ${ctx.spec.repository.path}/${COMPONENTS_DIR}/, in this order:\n${inventory.map((line) => `  ${line}`).join('\n')}`,
          },
        ]
      : []),
    {
      type: 'call',
      description: `ask ${engine.title} to sync ${ctx.spec.repository.branch} now instead of at its next poll`,
      run: async (inner) => {
        inner.facts.syncRequestedAt = await engine.requestSync(await inner.kube())
      },
    },
  ]
}

/**
 * Step `health-gate`: done only when the engine reports the remote head applied, its root ready and
 * every component healthy (Crossplane's providers Healthy, its XRDs Established, ...).
 */
export function healthGateStep(spec: ClusterSpec, timeoutMs: number): Step {
  return {
    name: 'health-gate',
    title: `Wait until ${engineLabel(spec)} has applied ${spec.repository.branch}`,
    needs: ['push'],
    check: checkGate,
    plan: planGate,
    waits: async (ctx) => gateWaits(ctx, await remoteHeadForPlan(ctx), timeoutMs),
    verify: async (ctx) => {
      for (const line of engineOf(ctx.spec).access(ctx.spec)) addSummary(ctx, line)
      for (const component of enabledComponents(ctx.spec)) for (const line of component.summary ?? []) addSummary(ctx, line)
      // What the waits proved, shown instead of the state check found before them.
      return healthyDetail(ctx.spec, await remoteHeadForPlan(ctx))
    },
  }
}
