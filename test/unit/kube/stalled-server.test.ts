import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ExitCode, exitCodeOf } from '../../../bootstrap/engine/errors.js'
import { KubeClient } from '../../../bootstrap/kube/client.js'
import { loopbackKubeconfig } from '../support/loopback-api.js'

// An API server that sends its headers and then never finishes the body (a proxy in between, a
// server under load): each request is held to its deadline, and the user is told that, not a
// library's "The user aborted a request".

const open: ServerResponse[] = []
const server = createServer((request: IncomingMessage, response: ServerResponse) => {
  response.writeHead(200, { 'Content-Type': 'application/json' })
  response.write('{"kind":')
  open.push(response)
})

beforeAll(() => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve)))
afterAll(async () => {
  for (const response of open) response.destroy()
  await new Promise((resolve) => server.close(resolve))
})

describe('an API server that stalls after its headers', () => {
  it('gives up at the request deadline and says the server did not answer (exit 3)', async () => {
    const kube = KubeClient.fromKubeconfig({
      yaml: loopbackKubeconfig((server.address() as AddressInfo).port),
      context: 'lab',
      bounds: { requestTimeoutMs: 1000 },
    })
    const started = performance.now()
    const error = await kube.list('v1', 'Namespace').catch((caught: unknown) => caught)
    expect(String(error)).toMatch(/the API server of context "lab" did not answer within 1 s/)
    expect(String(error)).not.toMatch(/aborted/)
    expect(exitCodeOf(error)).toBe(ExitCode.missingPrerequisite)
    expect(performance.now() - started).toBeLessThan(5000)
  })

  it('says the run was interrupted when it is stopped while the body is still coming', async () => {
    const controller = new AbortController()
    const kube = KubeClient.fromKubeconfig({
      yaml: loopbackKubeconfig((server.address() as AddressInfo).port),
      context: 'lab',
      bounds: { signal: controller.signal },
    })
    setTimeout(() => controller.abort(new Error('stopped')), 300)
    const error = await kube.serverVersion().catch((caught: unknown) => caught)
    expect(String(error)).toMatch(/get server version: interrupted/)
    expect(exitCodeOf(error)).toBe(ExitCode.interrupted)
  })
})
