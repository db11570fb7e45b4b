import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HealthError } from '../../../bootstrap/engine/errors.js'
import { newFacts } from '../../../bootstrap/engine/facts.js'
import { runWaits } from '../../../bootstrap/engine/waits.js'
import { engineOf } from '../../../bootstrap/engines/index.js'
import { KubeClient } from '../../../bootstrap/kube/client.js'
import { loopbackKubeconfig } from '../support/loopback-api.js'
import { specText, testContext, testSpec } from '../support/context.js'

// Argo CD's root Application never syncs, and by the time its wait gives up the API server has
// stopped answering (overloaded, a proxy that stalls). Finding what was not ready is best-effort:
// without --timeout the failure is still reported within seconds, not after a 30 s request deadline
// for every object it would have looked at.

const SHA = 'c0ffee0123456789abcdef0123456789abcdef01'
const held: ServerResponse[] = []
const server = createServer((request: IncomingMessage, response: ServerResponse) => {
  const url = new URL(request.url ?? '/', 'http://localhost')
  response.setHeader('Content-Type', 'application/json')
  if (url.pathname === '/apis/argoproj.io/v1alpha1') {
    const resources = [{ name: 'applications', kind: 'Application', namespaced: true, verbs: ['get', 'list', 'watch'] }]
    response.end(JSON.stringify({ kind: 'APIResourceList', groupVersion: 'argoproj.io/v1alpha1', resources }))
  } else if (url.pathname === '/api/v1') {
    const resources = [{ name: 'events', kind: 'Event', namespaced: true, verbs: ['get', 'list'] }]
    response.end(JSON.stringify({ kind: 'APIResourceList', groupVersion: 'v1', resources }))
  } else if (url.pathname === '/apis/argoproj.io/v1alpha1/namespaces/argocd/applications' && url.searchParams.get('watch') === 'true') {
    response.writeHead(200)
    held.push(response)
  } else if (url.pathname === '/apis/argoproj.io/v1alpha1/namespaces/argocd/applications') {
    const status = { sync: { status: 'OutOfSync', revision: SHA }, health: { status: 'Progressing' } }
    const items = [{ metadata: { name: 'root', namespace: 'argocd' }, status }]
    response.end(JSON.stringify({ kind: 'ApplicationList', apiVersion: 'argoproj.io/v1alpha1', metadata: { resourceVersion: '7' }, items }))
  } else {
    // Everything asked after the wait gave up: never answered.
    held.push(response)
  }
})

beforeAll(() => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve)))
afterAll(async () => {
  for (const response of held) response.destroy()
  await new Promise((resolve) => server.close(resolve))
})

describe('a health wait that times out against an API server that stopped answering', () => {
  it('reports the timeout within seconds and says it could not look further', async () => {
    const spec = testSpec(specText({ gitops: 'engine: argocd' }))
    const waits = engineOf(spec).revisionWaits(spec, SHA, newFacts(), 1000)
    // No bounds: as without --timeout, each request may take 30 s.
    const kube = KubeClient.fromKubeconfig({ yaml: loopbackKubeconfig((server.address() as AddressInfo).port), context: 'lab' })
    const started = performance.now()
    const error = await runWaits(testContext({ spec, kube }), waits).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(HealthError)
    expect(String(error)).toMatch(/Application argocd\/root: Synced and Healthy at c0ffee0 timed out after 1 s; last: sync OutOfSync/)
    expect((error as HealthError).details).toEqual([
      'events not shown: the API server did not answer within 3 s',
      'not ready:',
      '  (could not look further: the API server did not answer within 5 s)',
    ])
    expect(performance.now() - started).toBeLessThan(12_000)
  }, 20_000)
})
