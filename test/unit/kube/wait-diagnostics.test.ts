import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TimeoutError } from '../../../bootstrap/engine/errors.js'
import { KubeClient } from '../../../bootstrap/kube/client.js'
import { conditionTrue } from '../../../bootstrap/kube/conditions.js'
import { loopbackKubeconfig } from '../support/loopback-api.js'

// A wait that reaches its deadline asks the API server for the object and its events to say why.
// Against a server that has stopped answering (overloaded, a proxy that stalls) those lookups are
// best-effort: the timeout is reported within a few seconds, not after two request deadlines of
// 30 s each; a server that answers still has its object's state and events shown.

let stalled = false
const held: ServerResponse[] = []
const server = createServer((request: IncomingMessage, response: ServerResponse) => {
  const url = new URL(request.url ?? '/', 'http://localhost')
  response.setHeader('Content-Type', 'application/json')
  if (url.pathname === '/api/v1') {
    const resources = [
      { name: 'namespaces', kind: 'Namespace', namespaced: false, verbs: ['get', 'list', 'watch'] },
      { name: 'events', kind: 'Event', namespaced: true, verbs: ['get', 'list'] },
    ]
    response.end(JSON.stringify({ kind: 'APIResourceList', groupVersion: 'v1', resources }))
  } else if (url.pathname === '/api/v1/namespaces' && url.searchParams.get('watch') === 'true') {
    // The watch stays open and says nothing: the object never becomes ready.
    response.writeHead(200)
    held.push(response)
  } else if (url.pathname === '/api/v1/namespaces') {
    const items = [{ metadata: { name: 'lab' }, status: {} }]
    response.end(JSON.stringify({ kind: 'NamespaceList', apiVersion: 'v1', metadata: { resourceVersion: '7' }, items }))
  } else if (stalled) {
    // The lookups made to describe the failure: never answered.
    held.push(response)
  } else if (url.pathname === '/api/v1/namespaces/lab') {
    const conditions = [{ type: 'Ready', status: 'False', reason: 'Terminating', message: 'waiting for finalizers' }]
    response.end(JSON.stringify({ kind: 'Namespace', apiVersion: 'v1', metadata: { name: 'lab' }, status: { conditions } }))
  } else if (url.pathname === '/api/v1/namespaces/default/events') {
    const items = [{ metadata: { name: 'e1' }, type: 'Warning', reason: 'Stuck', message: 'finalizer kindling.dev/x not removed', count: 3 }]
    response.end(JSON.stringify({ kind: 'EventList', apiVersion: 'v1', metadata: { resourceVersion: '8' }, items }))
  } else {
    response.statusCode = 404
    response.end(JSON.stringify({ kind: 'Status', code: 404, message: 'not found' }))
  }
})

beforeAll(() => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve)))
afterAll(async () => {
  for (const response of held) response.destroy()
  await new Promise((resolve) => server.close(resolve))
})

async function timedOutWait(): Promise<{ error: unknown; ms: number }> {
  // No bounds: as without --timeout, each request may take 30 s.
  const kube = KubeClient.fromKubeconfig({ yaml: loopbackKubeconfig((server.address() as AddressInfo).port), context: 'lab' })
  const started = performance.now()
  const error = await kube
    .waitFor({ apiVersion: 'v1', kind: 'Namespace', name: 'lab' }, conditionTrue('Ready'), { timeoutMs: 1000 })
    .catch((caught: unknown) => caught)
  return { error, ms: performance.now() - started }
}

describe('a wait that times out', () => {
  it('reports the timeout within seconds when the server no longer answers the lookups that describe it', async () => {
    stalled = true
    const { error, ms } = await timedOutWait()
    expect(error).toBeInstanceOf(TimeoutError)
    expect(String(error)).toMatch(/Namespace lab: Ready=True timed out after 1 s; last: no status reported/)
    expect((error as TimeoutError).details).toEqual(['events not shown: the API server did not answer within 3 s'])
    expect(ms).toBeLessThan(6000)
  }, 15_000)

  it('still shows the object’s last state and its recent events when the server answers', async () => {
    stalled = false
    const { error, ms } = await timedOutWait()
    expect(String(error)).toMatch(/Namespace lab: Ready=True timed out after 1 s; last: Ready=False \(Terminating\): waiting for finalizers/)
    expect((error as TimeoutError).details).toEqual(['recent events:', '  Warning Stuck: finalizer kindling.dev/x not removed (x3)'])
    expect(ms).toBeLessThan(3000)
  })
})
