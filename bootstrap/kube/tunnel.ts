import net from 'node:net'
import type { KubeClient } from './client.js'
import { conditionTrue } from './conditions.js'
import { KindlingError } from '../engine/errors.js'

/** One port of one pod. */
export interface PodPort {
  namespace: string
  pod: string
  port: number
}

/**
 * Joins one local connection to a pod's port. The default goes through the API server
 * (`pods/portforward`, as `kubectl port-forward` does); tests pass their own to reach a
 * stand-in where no pod can run.
 */
export type PodConnector = (target: PodPort, socket: net.Socket) => void

/** A local port that reaches a pod, for as long as it is open. */
export interface Tunnel {
  /** 127.0.0.1:<port> */
  port: number
  close(): Promise<void>
}

/** The API server's port-forward, through the same credentials and context as every other call. */
export function kubePortForward(kube: KubeClient): PodConnector {
  let forward: Promise<import('@kubernetes/client-node').PortForward> | undefined
  return (target, socket) => {
    forward ??= import('@kubernetes/client-node').then((k8s) => new k8s.PortForward(kube.config))
    forward
      .then((pf) => pf.portForward(target.namespace, target.pod, [target.port], socket, null, socket))
      .then((ws) => {
        if (typeof ws === 'function') return
        // Ours closed while the stream was still opening (the client gave up, or the tunnel was
        // closed by a stop): nobody is left to serve, and nothing would ever close it.
        if (socket.destroyed) return ws.close()
        // The pod's side closed: end ours, so the client sees the connection end instead of waiting;
        // ours closed (the client is done, or the tunnel was closed by a stop): close the stream too.
        ws.on('close', () => socket.end())
        socket.on('close', () => ws.close())
      })
      .catch((error: unknown) => socket.destroy(error instanceof Error ? error : new Error(String(error))))
  }
}

/**
 * Listen on a kernel-chosen loopback port and join every connection to the pod. Closed by
 * `close()` or when the run's signal fires, whichever comes first; never left listening.
 */
export async function openTunnel(target: PodPort, connect: PodConnector, signal: AbortSignal): Promise<Tunnel> {
  signal.throwIfAborted()
  const sockets = new Set<net.Socket>()
  const server = net.createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    // A failed forward ends the client's connection; git reports it in its own words.
    socket.on('error', () => {})
    connect(target, socket)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  let closed: Promise<void> | undefined
  const close = (): Promise<void> => {
    closed ??= new Promise<void>((resolve) => {
      signal.removeEventListener('abort', onAbort)
      for (const socket of sockets) socket.destroy()
      server.close(() => resolve())
    })
    return closed
  }
  const onAbort = (): void => void close()
  signal.addEventListener('abort', onAbort, { once: true })
  return { port: (server.address() as net.AddressInfo).port, close }
}

/** No pod a tunnel could go to: none runs and is ready (not created yet, starting, or failing). */
export class NoReadyPodError extends KindlingError {}

/** A running, ready pod matching a label selector: the one a tunnel goes to. */
async function readyPod(kube: KubeClient, namespace: string, selector: string): Promise<string> {
  const pods = await kube.list('v1', 'Pod', { namespace, labelSelector: selector })
  const ready = pods.find(
    (pod) => !pod.metadata.deletionTimestamp && (pod.status as { phase?: string } | undefined)?.phase === 'Running' && conditionTrue('Ready').test(pod).done,
  )
  if (!ready) throw new NoReadyPodError(`no ready pod in ${namespace} matches ${selector}`, { details: [`kubectl -n ${namespace} get pods -l ${selector}`] })
  return ready.metadata.name
}

/** Run `use` with a tunnel open to the port of a ready pod, and close it afterwards whatever happens. */
export async function withTunnel<T>(
  kube: KubeClient,
  where: { namespace: string; selector: string; port: number },
  connect: PodConnector,
  signal: AbortSignal,
  use: (port: number) => Promise<T>,
): Promise<T> {
  const pod = await readyPod(kube, where.namespace, where.selector)
  const tunnel = await openTunnel({ namespace: where.namespace, pod, port: where.port }, connect, signal)
  try {
    return await use(tunnel.port)
  } finally {
    await tunnel.close()
  }
}
