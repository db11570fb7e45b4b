import net from 'node:net'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { KubeClient } from '../../../bootstrap/kube/client.js'

// The API server's port-forward stream, as the client library hands it back once it has opened.
const opened: { closed: boolean }[] = []
let openStream: (() => void) | undefined

vi.mock('@kubernetes/client-node', async (original) => ({
  ...(await original<typeof import('@kubernetes/client-node')>()),
  PortForward: class {
    portForward(): Promise<unknown> {
      // Opens only when the test says so: a slow API server, or a pod far away.
      return new Promise((resolve) => {
        openStream = () => {
          const stream = { closed: false, on: () => stream, close: () => void (stream.closed = true) }
          opened.push(stream)
          resolve(stream)
        }
      })
    }
  },
}))

afterEach(() => {
  opened.length = 0
  openStream = undefined
})

describe('a port-forward tunnel', () => {
  it('closes a stream that opens after its connection has ended, instead of keeping it open for the rest of the run', async () => {
    const { kubePortForward, openTunnel } = await import('../../../bootstrap/kube/tunnel.js')
    const run = new AbortController()
    const tunnel = await openTunnel({ namespace: 'git', pod: 'soft-serve-0', port: 23231 }, kubePortForward({ config: {} } as KubeClient), run.signal)
    const client = net.connect(tunnel.port, '127.0.0.1')
    await vi.waitFor(() => expect(openStream).toBeDefined(), { timeout: 10_000 })
    // git gave up (its own deadline), then the tunnel was closed: only now does the stream open.
    client.destroy()
    await tunnel.close()
    await new Promise((resolve) => setTimeout(resolve, 100))
    openStream!()
    await vi.waitFor(() => expect(opened).toEqual([{ closed: true, on: expect.any(Function), close: expect.any(Function) }]))
  })
})
