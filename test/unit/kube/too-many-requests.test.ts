import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ExitCode, exitCodeOf } from '../../../bootstrap/engine/errors.js'
import { KubeClient } from '../../../bootstrap/kube/client.js'
import { loopbackKubeconfig } from '../support/loopback-api.js'

// An API server that answers 429 Too Many Requests with a Retry-After (priority and fairness
// shedding load, a new CRD's storage initializing) while the client is still on first contact with
// it, where each attempt gets as little as a second: the pause the server asks for is waited out,
// and a server that never stops asking is named with what to do, not "The operation was aborted".

/** How many 429s /version answers before it answers; Infinity: always. */
let busyFor = 0
let retryAfter = '2'
let asked = 0
const server = createServer((request: IncomingMessage, response: ServerResponse) => {
  response.setHeader('Content-Type', 'application/json')
  asked++
  if (asked <= busyFor) {
    response.writeHead(429, { 'Retry-After': retryAfter })
    response.end(JSON.stringify({ kind: 'Status', code: 429, reason: 'TooManyRequests', message: 'Too many requests, please try again later.' }))
  } else {
    response.end(JSON.stringify({ gitVersion: 'v1.34.0' }))
  }
})

beforeAll(() => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve)))
afterAll(() => new Promise((resolve) => server.close(resolve)))

function client(bounds: { retryForMs?: number } = {}): KubeClient {
  return KubeClient.fromKubeconfig({
    yaml: loopbackKubeconfig((server.address() as AddressInfo).port),
    context: 'lab',
    // An adopted cluster's first contact, cut to a second: each attempt gets one second.
    bounds: { firstContactRetryMs: 1000, ...bounds },
  })
}

describe('an API server that asks to slow down on first contact', () => {
  it('waits the seconds it asks for, beyond the first attempt’s deadline, and then gets the answer', async () => {
    asked = 0
    busyFor = 2
    retryAfter = '2'
    const started = performance.now()
    await expect(client().serverVersion()).resolves.toBe('v1.34.0')
    expect(asked).toBe(3)
    expect(performance.now() - started).toBeGreaterThanOrEqual(3900)
  })

  it('says the server kept asking to slow down, with its context and what to do (exit 3), when it never stops', async () => {
    asked = 0
    busyFor = Infinity
    retryAfter = '1'
    const started = performance.now()
    const error = await client({ retryForMs: 2500 })
      .serverVersion()
      .catch((caught: unknown) => caught)
    expect(String(error)).toMatch(/get server version: the API server of context "lab" kept asking to slow down \(HTTP 429 Too Many Requests, 3 times in 2 s\)/)
    expect(String(error)).not.toMatch(/aborted/)
    expect((error as { details: string[] }).details.join('\n')).toMatch(/Too many requests, please try again later[\s\S]*run the same command again/)
    expect(exitCodeOf(error)).toBe(ExitCode.missingPrerequisite)
    expect(performance.now() - started).toBeLessThan(4000)
  })
})
