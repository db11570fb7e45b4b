import { createSocket } from 'node:dgram'
import { createServer } from 'node:net'
import { kindProvider } from '../../render/kind-config.js'
import { registryContainers } from '../../render/registry-caches.js'
import { relativeSpec, type ClusterSpec } from '../../spec/load.js'
import type { PreflightCheck } from './preflight.js'

// The host ports a kind spec binds, and the preflight check that each is free.

/** A host port the spec binds: a port mapping or the local registry. */
export interface WantedPort {
  hostPort: number
  address: string
  protocol: 'TCP' | 'UDP' | 'SCTP'
  /** Where the spec asks for it, for the message. */
  what: string
}

/** Every host port a kind spec will bind. */
export function wantedPorts(spec: ClusterSpec): WantedPort[] {
  const provider = kindProvider(spec)
  const ports: WantedPort[] = provider.portMappings.map((mapping, index) => ({
    hostPort: mapping.hostPort,
    address: mapping.listenAddress,
    protocol: mapping.protocol,
    what: `portMappings[${index}] (→ ${mapping.containerPort}/${mapping.protocol})`,
  }))
  const local = registryContainers(spec).find((registry) => registry.hostPort !== undefined)
  if (local?.hostPort !== undefined) ports.push({ hostPort: local.hostPort, address: '127.0.0.1', protocol: 'TCP', what: 'registryCaches.localRegistry' })
  return ports
}

export type PortState = 'free' | 'in use' | 'address not available'

/** Try to bind the port for a moment: the only reliable answer to "is something listening there". */
export async function probePort(port: number, address: string, protocol: WantedPort['protocol']): Promise<PortState> {
  // SCTP cannot be probed from Node; Docker reports a clash for it when the cluster is created.
  if (protocol === 'SCTP') return 'free'
  const outcome = (code: string | undefined): PortState => (code === 'EADDRINUSE' ? 'in use' : code === 'EADDRNOTAVAIL' ? 'address not available' : 'free')
  if (protocol === 'UDP') {
    return new Promise((resolve) => {
      const socket = createSocket(address.includes(':') ? 'udp6' : 'udp4')
      socket.once('error', (error: NodeJS.ErrnoException) => {
        socket.close()
        resolve(outcome(error.code))
      })
      socket.bind(port, address, () => socket.close(() => resolve('free')))
    })
  }
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', (error: NodeJS.ErrnoException) => resolve(outcome(error.code)))
    server.listen({ port, host: address, exclusive: true }, () => server.close(() => resolve('free')))
  })
}

/**
 * One check per host port: it clashes only when something listens there that is not this spec's
 * own kind cluster or registry (on a re-run those hold the ports, as they should).
 */
export function portChecks(spec: ClusterSpec): PreflightCheck[] {
  return wantedPorts(spec).map((wanted) => ({
    name: `host port ${wanted.hostPort}/${wanted.protocol} free`,
    async run(_ctx, lookups) {
      const state = await probePort(wanted.hostPort, wanted.address, wanted.protocol)
      if (state === 'free') return undefined
      if (state === 'address not available') {
        return {
          problem: `${wanted.what} binds ${wanted.address}, which is not an address of this machine`,
          fix: `use 127.0.0.1 (the default) or an address of this machine as listenAddress in ${relativeSpec(spec)}`,
        }
      }
      const holder = (await lookups.ownContainers()).find((container) =>
        container.ports.some((port) => port.hostPort === wanted.hostPort && port.protocol === wanted.protocol.toLowerCase()),
      )
      if (holder) return undefined
      return {
        problem: `host port ${wanted.hostPort} (${wanted.what}) on ${wanted.address} is already in use by another process`,
        fix: `stop what listens there (see \`ss -ltnup 'sport = :${wanted.hostPort}'\` or \`lsof -i :${wanted.hostPort}\`), or pick another hostPort in ${relativeSpec(spec)}`,
      }
    },
  }))
}
