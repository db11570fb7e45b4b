import { HealthError, TimeoutError } from '../../engine/errors.js'
import type { Action, CheckResult, Step, StepContext } from '../../engine/step.js'
import { formatRef, type KubeClient } from '../../kube/client.js'
import type { ClusterSpec } from '../../spec/load.js'
import { engineLabel } from './engine.js'
import { applicationSyncedAt, fluxKustomizationRef, fluxReadyAt, gitRepositoryRef, rootApplicationRef, rootState, unhealthyObjects } from './health.js'
import { remoteHead, remoteHeadForPlan, shortSha } from './repo.js'

const REFRESH_MANAGER = 'kindling-refresh'
const FLUX_REQUESTED_AT = 'gitops.fluxReconcileRequestedAt'

async function checkGate(ctx: StepContext): Promise<CheckResult> {
  const sha = await remoteHead(ctx)
  const state = await rootState(await ctx.kube(), ctx.spec, sha)
  return state.done ? { state: 'done', detail: `${ctx.spec.repository.branch}@${shortSha(sha)} applied, all root objects ready` } : { state: 'todo', detail: state.lines.join('; ') }
}

/** Ask Argo CD to compare with Git now instead of at its next poll; the controller removes the annotation. */
export async function refreshApplication(kube: KubeClient): Promise<void> {
  const { apiVersion, kind, name, namespace } = rootApplicationRef
  // Applied under its own field manager so kindling's sync object keeps its fields untouched.
  await kube.apply({ apiVersion, kind, metadata: { name, namespace, annotations: { 'argocd.argoproj.io/refresh': 'normal' } } }, { fieldManager: REFRESH_MANAGER })
}

/**
 * Ask Flux to fetch and apply now instead of at its next interval (what `flux reconcile` does).
 * Flux echoes the value in status.lastHandledReconcileAt once it has acted on the request.
 */
export async function requestFluxReconcile(kube: KubeClient, requestedAt: string): Promise<void> {
  for (const { apiVersion, kind, name, namespace } of [gitRepositoryRef, fluxKustomizationRef]) {
    await kube.apply({ apiVersion, kind, metadata: { name, namespace, annotations: { 'reconcile.fluxcd.io/requestedAt': requestedAt } } }, { fieldManager: REFRESH_MANAGER })
  }
}

/**
 * Watch the root objects until they report `sha` applied and ready. With `requestedAt`, a Flux
 * Ready=False only ends the wait once Flux has handled that reconcile request, so a failure left
 * from before (say, the deploy key was missing) does not fail a run that has since fixed it. On failure or timeout the
 * error lists every object under the root that is not ready, with conditions and events.
 */
export async function waitForRevision(kube: KubeClient, spec: ClusterSpec, sha: string, options: { timeoutMs: number; signal: AbortSignal; requestedAt?: string }): Promise<void> {
  const deadline = Date.now() + options.timeoutMs
  const remaining = (): number => Math.max(1, deadline - Date.now())
  try {
    if (spec.gitops.engine === 'flux') {
      await kube.waitFor(gitRepositoryRef, fluxReadyAt(sha, 'artifact', options.requestedAt), { timeoutMs: remaining(), signal: options.signal })
      await kube.waitFor(fluxKustomizationRef, fluxReadyAt(sha, 'lastAppliedRevision', options.requestedAt), { timeoutMs: remaining(), signal: options.signal })
    } else {
      await kube.waitFor(rootApplicationRef, applicationSyncedAt(sha), { timeoutMs: remaining(), signal: options.signal })
    }
  } catch (error) {
    if (!(error instanceof TimeoutError)) throw error
    const children = await unhealthyObjects(kube, spec).catch((cause: unknown) => [`(could not list the objects under the root sync: ${cause instanceof Error ? cause.message : String(cause)})`])
    throw new HealthError(`${engineLabel(spec)} has not applied ${spec.repository.branch}@${shortSha(sha)}: ${error.message}`, {
      cause: error,
      details: [...error.details, ...(children.length ? ['not ready under the root sync:', ...children.map((line) => `  ${line}`)] : [])],
    })
  }
}

async function planGate(ctx: StepContext, timeoutMs: number): Promise<Action[]> {
  const { spec } = ctx
  const sha = await remoteHeadForPlan(ctx)
  const actions: Action[] = []
  if (spec.gitops.engine === 'argocd') {
    actions.push({ type: 'call', description: `refresh ${formatRef(rootApplicationRef)} now (annotation argocd.argoproj.io/refresh=normal) instead of waiting for the next poll`, run: async (inner) => refreshApplication(await inner.kube()) })
  } else {
    actions.push({
      type: 'call',
      description: `ask Flux to reconcile ${formatRef(gitRepositoryRef)} and ${formatRef(fluxKustomizationRef)} now (annotation reconcile.fluxcd.io/requestedAt) instead of waiting for the next interval`,
      run: async (inner) => {
        const requestedAt = new Date().toISOString()
        await requestFluxReconcile(await inner.kube(), requestedAt)
        inner.shared.set(FLUX_REQUESTED_AT, requestedAt)
      },
    })
  }
  const targets = spec.gitops.engine === 'flux' ? `${formatRef(gitRepositoryRef)} and ${formatRef(fluxKustomizationRef)} Ready` : `${formatRef(rootApplicationRef)} Synced and Healthy`
  actions.push({
    type: 'call',
    description: `watch until ${targets} at ${spec.repository.branch}@${shortSha(sha)} (the remote head), up to ${Math.round(timeoutMs / 1000)} s`,
    run: async (inner) => {
      const head = await remoteHead(inner)
      await waitForRevision(await inner.kube(), inner.spec, head, { timeoutMs, signal: inner.signal, requestedAt: inner.shared.get(FLUX_REQUESTED_AT) as string | undefined })
      inner.log(`${inner.spec.repository.branch}@${shortSha(head)} applied`)
    },
  })
  return actions
}

/** Step `health-gate`: done only when the engine reports the remote head applied and its root ready. */
export function healthGateStep(spec: ClusterSpec, timeoutMs: number): Step {
  return {
    name: 'health-gate',
    title: `Wait until ${engineLabel(spec)} has applied ${spec.repository.branch}`,
    needs: ['root-sync'],
    check: checkGate,
    plan: (ctx) => planGate(ctx, timeoutMs),
  }
}

