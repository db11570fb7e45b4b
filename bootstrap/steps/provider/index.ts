import type { ClusterNotCreatedError } from '../../engine/errors.js'
import type { Step, StepContext } from '../../engine/step.js'
import { registryContainers } from '../../render/registry-caches.js'
import type { ClusterSpec } from '../../spec/load.js'
import type { StepOptions } from '../index.js'
import { confirmDestroyStep, kindDeleteStep, registryCachesDeleteStep } from './destroy.js'
import { existingUninstallStep } from './uninstall.js'
import { existingClusterStatusStep, existingClusterStep } from './existing-cluster.js'
import { kindClusterNotCreated, kindClusterStatusStep, kindClusterStep } from './kind-cluster.js'
import { listKindClusters } from '../../tools/kind.js'
import { preflightStep } from './preflight.js'
import { registryCachesStatusStep, registryCachesStep } from './registry-caches.js'

/** Bootstrap steps that make or adopt the cluster. Later steps need `cluster`. */
export function providerSteps(spec: ClusterSpec, options: StepOptions): Step[] {
  // Off a terminal nobody can answer the push question later: --yes or --no-push is asked for now.
  const preflight = preflightStep(spec, { pushAnswerNeeded: !options.interactive, unasked: options.unasked })
  if (spec.provider.type === 'existing') return [preflight, existingClusterStep(spec)]
  const caches = registryContainers(spec).length > 0
  return [preflight, ...(caches ? [registryCachesStep(spec)] : []), kindClusterStep(spec, options)]
}

/** Read-only steps for `status`: the same checks, then the cluster as it is. */
export function providerStatusSteps(spec: ClusterSpec, _options: StepOptions): Step[] {
  if (spec.provider.type === 'existing') return [preflightStep(spec, { purpose: 'status' }), existingClusterStatusStep(spec)]
  const caches = registryContainers(spec).length > 0
  return [preflightStep(spec, { purpose: 'status' }), ...(caches ? [registryCachesStatusStep(spec)] : []), kindClusterStatusStep(spec)]
}

/**
 * Whether the spec's cluster was never created, asked before status shows anything: then there is
 * nothing to read, and status says so with the command that creates it. Undefined when the
 * cluster exists, cannot be absent (an existing cluster: its context is a prerequisite), or kind
 * cannot answer (preflight then says why).
 */
export async function clusterNeverCreated(ctx: StepContext): Promise<ClusterNotCreatedError | undefined> {
  if (ctx.spec.provider.type !== 'kind') return undefined
  const clusters = await listKindClusters(ctx.runner, ctx.signal).catch(() => undefined)
  return clusters && !clusters.includes(ctx.spec.name) ? kindClusterNotCreated(ctx.spec) : undefined
}

/** Steps of `destroy`: check, confirm (or --yes), then delete; never a context the spec does not name. */
export function providerDestroySteps(spec: ClusterSpec, options: StepOptions): Step[] {
  // Off a terminal a missing --yes is named with the missing prerequisites: one run tells everything.
  const preflight = preflightStep(spec, { purpose: 'destroy', confirmNeeded: !options.interactive, unasked: options.unasked })
  const steps = [preflight, confirmDestroyStep(spec, options)]
  if (spec.provider.type === 'existing') return [...steps, existingUninstallStep(spec)]
  // Always: caches made while the spec still enabled them are found by their cluster label.
  return [...steps, kindDeleteStep(spec), registryCachesDeleteStep(spec)]
}
