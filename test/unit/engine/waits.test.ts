import { describe, expect, it } from 'vitest'
import { HealthError, InterruptedError, TimeoutError } from '../../../bootstrap/engine/errors.js'
import { newFacts } from '../../../bootstrap/engine/facts.js'
import { runWaits } from '../../../bootstrap/engine/waits.js'
import { engineOf } from '../../../bootstrap/engines/index.js'
import type { KubeClient, KubeObject } from '../../../bootstrap/kube/client.js'
import type { Condition } from '../../../bootstrap/kube/conditions.js'
import { formatRef, type ObjectRef } from '../../../bootstrap/kube/refs.js'
import { specText, testContext, testSpec } from '../support/context.js'

const SHA = 'c0ffee0123456789abcdef0123456789abcdef01'
const FIFTEEN_MINUTES = 15 * 60_000

/** Argo CD's root Application, still syncing: one Deployment out of sync, one unhealthy. */
const rootApp: KubeObject = {
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Application',
  metadata: { name: 'root', namespace: 'argocd' },
  status: {
    sync: { status: 'OutOfSync', revision: SHA },
    health: { status: 'Progressing' },
    resources: [
      { group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'web', name: 'web', status: 'OutOfSync', health: { status: 'Progressing' } },
      {
        group: 'apps',
        version: 'v1',
        kind: 'Deployment',
        namespace: 'web',
        name: 'api',
        status: 'Synced',
        health: { status: 'Degraded', message: 'CrashLoopBackOff' },
      },
      { version: 'v1', kind: 'Service', namespace: 'web', name: 'web', status: 'Synced', health: { status: 'Healthy' } },
    ],
  },
}

/**
 * A cluster where the Application never becomes ready. Its watch behaves as the real one does: a
 * TimeoutError with the last state at its own deadline, an InterruptedError when the run stops first.
 */
function stuckCluster(): KubeClient {
  const waitFor = (ref: ObjectRef, condition: Condition, options: { timeoutMs: number; signal?: AbortSignal }) =>
    new Promise<KubeObject | undefined>((_, reject) => {
      const timer = setTimeout(
        () => reject(new TimeoutError(`${formatRef(ref)}: ${condition.description} timed out; last: ${condition.test(rootApp).message}`)),
        options.timeoutMs,
      )
      options.signal?.addEventListener('abort', () => {
        clearTimeout(timer)
        reject(new InterruptedError(`interrupted while waiting for ${formatRef(ref)}`))
      })
    })
  return { waitFor, get: async () => rootApp, events: async () => [] } as unknown as KubeClient
}

describe('health waits', () => {
  const spec = testSpec(specText({ gitops: 'engine: argocd' }))
  const waits = engineOf(spec).revisionWaits(spec, SHA, newFacts(), FIFTEEN_MINUTES)

  it("Argo CD's wait for its Applications ends at the health timeout and names what was not ready", async () => {
    const short = engineOf(spec).revisionWaits(spec, SHA, newFacts(), 50)
    const error = await runWaits(testContext({ spec, kube: stuckCluster() }), short).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(HealthError)
    expect(String((error as HealthError).message)).toMatch(/^Application argocd\/root: Synced and Healthy at c0ffee0 timed out; last: sync OutOfSync/)
    expect((error as HealthError).details).toEqual([
      'not ready:',
      '  Deployment web/web: OutOfSync (drift), health Progressing',
      '  Deployment web/api: Synced, health Degraded: CrashLoopBackOff',
    ])
  })

  it('with --timeout, a wait gives up before the run is stopped, and still names what was not ready', async () => {
    const run = new AbortController()
    // The run's deadline in 400 ms; its waits end by 300 ms, a 15-minute health timeout notwithstanding.
    const stop = setTimeout(() => run.abort(new TimeoutError('the run did not finish within --timeout 400ms')), 400)
    const ctx = { ...testContext({ spec, kube: stuckCluster(), signal: run.signal }), waitsEndBy: Date.now() + 300 }
    const started = Date.now()
    const error = await runWaits(ctx, waits).catch((caught: unknown) => caught)
    clearTimeout(stop)
    expect(Date.now() - started).toBeLessThan(400)
    expect(run.signal.aborted).toBe(false)
    expect(error).toBeInstanceOf(HealthError)
    expect((error as HealthError).details).toContain('  Deployment web/api: Synced, health Degraded: CrashLoopBackOff')
  })
})
