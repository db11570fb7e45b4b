import { readdirSync } from 'node:fs'
import path from 'node:path'

/**
 * The host ports each kind cluster's spec under clusters/ binds (HTTP, HTTPS, the local registry),
 * so a new cluster's defaults leave them free. A spec that does not load binds nothing here: the
 * wizard is not the place to report it.
 */
export async function portsOfClusters(repoRoot: string): Promise<(name: string) => ReadonlyMap<number, string>> {
  const [{ loadClusterSpec }, { wantedPorts }] = await Promise.all([import('../spec/load.js'), import('../steps/provider/host-ports.js')])
  let names: string[] = []
  try {
    names = readdirSync(path.join(repoRoot, 'clusters'), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
  } catch {
    // No clusters/ yet: nothing is bound.
  }
  const bound = new Map<string, number[]>()
  for (const name of names) {
    const spec = await loadClusterSpec(repoRoot, name).catch(() => undefined)
    if (spec?.provider.type === 'kind')
      bound.set(
        name,
        wantedPorts(spec).map((port) => port.hostPort),
      )
  }
  // The cluster being answered for may keep its own ports when its spec is replaced.
  return (cluster) =>
    new Map([...bound].filter(([name]) => name !== cluster).flatMap(([name, ports]) => ports.map((port) => [port, `clusters/${name}`] as const)))
}
