import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TimeoutError } from '../../../bootstrap/engine/errors.js'
import { KubeClient } from '../../../bootstrap/kube/client.js'
import { loopbackKubeconfig } from '../support/loopback-api.js'
import { conditionTrue } from '../../../bootstrap/kube/conditions.js'

// An API server (or a proxy before it) that ends every watch as soon as it has begun, with no
// event and no error: a wait opens it again, but not hundreds of times a second until its deadline.

const watches: string[] = []
const server = createServer((request: IncomingMessage, response: ServerResponse) => {
  const url = new URL(request.url ?? '/', 'http://localhost')
  response.setHeader('Content-Type', 'application/json')
  if (url.pathname === '/api/v1') {
    response.end(
      JSON.stringify({
        kind: 'APIResourceList',
        groupVersion: 'v1',
        resources: [{ name: 'namespaces', kind: 'Namespace', namespaced: false, verbs: ['get', 'list', 'watch'] }],
      }),
    )
  } else if (url.pathname === '/api/v1/namespaces' && url.searchParams.get('watch') === 'true') {
    watches.push(url.search)
    response.end()
  } else if (url.pathname === '/api/v1/namespaces') {
    response.end(
      JSON.stringify({ kind: 'NamespaceList', apiVersion: 'v1', metadata: { resourceVersion: '7' }, items: [{ metadata: { name: 'lab' }, status: {} }] }),
    )
  } else {
    response.statusCode = 404
    response.end(JSON.stringify({ kind: 'Status', code: 404, message: 'not found' }))
  }
})

beforeAll(() => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve)))
afterAll(() => new Promise((resolve) => server.close(resolve)))

describe('a wait whose watch the server ends at once', () => {
  it('watches again about once a second, not in a tight loop, and still gives up at its deadline', async () => {
    const kube = KubeClient.fromKubeconfig({ yaml: loopbackKubeconfig((server.address() as AddressInfo).port), context: 'lab' })
    const started = performance.now()
    const error = await kube
      .waitFor({ apiVersion: 'v1', kind: 'Namespace', name: 'lab' }, conditionTrue('Ready'), { timeoutMs: 2500 })
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(TimeoutError)
    expect(performance.now() - started).toBeLessThan(6000)
    expect(watches.length).toBeGreaterThanOrEqual(2)
    expect(watches.length).toBeLessThanOrEqual(5)
  })
})
