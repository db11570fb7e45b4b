import { readdirSync } from 'node:fs'
import path from 'node:path'

/**
 * The host ports the kind clusters' specs under clusters/ bind (HTTP, HTTPS, the local registry),
 * each to the cluster folder that binds it, but for `except`'s own (a replaced spec may keep them):
 * a new cluster's defaults leave them free. A spec that does not load binds nothing here: the
 * wizard is not the place to report it. Read only once a kind cluster's ports are asked.
 */
export async function portsOfClusters(repoRoot: string, except: string): Promise<ReadonlyMap<number, string>> {
  const [{ loadClusterSpec }, { wantedPorts }] = await Promise.all([import('../spec/load.js'), import('../steps/provider/host-ports.js')])
  let names: string[] = []
  try {
    names = readdirSync(path.join(repoRoot, 'clusters'), { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && entry.name !== except)
      .map((entry) => entry.name)
  } catch {
    // No clusters/ yet: nothing is bound.
  }
  const taken = new Map<number, string>()
  for (const name of names) {
    const spec = await loadClusterSpec(repoRoot, name).catch(() => undefined)
    if (spec?.provider.type === 'kind') for (const { hostPort } of wantedPorts(spec)) taken.set(hostPort, `clusters/${name}`)
  }
  return taken
}
