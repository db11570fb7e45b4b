import { existsSync, readdirSync, statSync } from 'node:fs'
import path from 'node:path'
import { BadInputError } from '../engine/errors.js'
import { quoted } from '../spec/quoting.js'
import { DNS_LABEL, DNS_LABEL_MAX } from '../spec/dns-label.js'
import { kindlingCommand } from '../project.js'

/** The repository root: the nearest folder above `start` that holds a clusters/ folder. */
export function findRepoRoot(start = process.cwd()): string {
  let dir = path.resolve(start)
  for (;;) {
    // A folder: a file named clusters (or a broken link) does not make a repository root.
    if (statSync(path.join(dir, 'clusters'), { throwIfNoEntry: false })?.isDirectory()) return dir
    const parent = path.dirname(dir)
    if (parent === dir) {
      throw new BadInputError(`no clusters/ folder in ${start} or above it`, {
        details: ['run kindling from your GitOps repository (the one with the folder clusters/<name>/cluster.yaml)'],
      })
    }
    dir = parent
  }
}

/** Cluster folders that hold a cluster.yaml. */
function clusterNames(repoRoot: string): string[] {
  const base = path.join(repoRoot, 'clusters')
  let entries
  try {
    entries = readdirSync(base, { withFileTypes: true })
  } catch (error) {
    // A clusters/ folder this user may not list (another user's checkout, a chmod gone wrong): named
    // with its fix, not as the bare EACCES of an unexpected failure (exit 1).
    const code = (error as NodeJS.ErrnoException).code
    throw new BadInputError(
      `cannot list the cluster folders in ${base} (${code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (code ?? String(error))})`,
      {
        details: [`make it readable by you (\`ls -ld ${base}\` shows its owner and mode)`],
      },
    )
  }
  return entries
    .filter((entry) => entry.isDirectory() && existsSync(path.join(base, entry.name, 'cluster.yaml')))
    .map((entry) => entry.name)
    .sort()
}

/** `--cluster`, or the only cluster there is; otherwise ask the user to choose. */
export function resolveClusterName(repoRoot: string, requested: string | undefined): string {
  // A name, never a path: `-c ../../elsewhere` must not read a spec outside clusters/.
  if (requested !== undefined && DNS_LABEL.test(requested) && requested.length <= DNS_LABEL_MAX) return requested
  const names = clusterNames(repoRoot)
  if (requested !== undefined) {
    throw new BadInputError(`--cluster ${quoted(requested)} is not a cluster name`, {
      details: [
        'a cluster is a folder under clusters/ named with lowercase letters, digits and "-"',
        names.length ? `clusters here: ${names.join(', ')}` : `create one with \`${kindlingCommand('wizard')}\``,
      ],
    })
  }
  if (names.length === 1) return names[0]!
  throw new BadInputError(names.length === 0 ? 'no cluster spec found under clusters/' : `several clusters here (${names.join(', ')}); say which one`, {
    details: [names.length === 0 ? `create one with \`${kindlingCommand('wizard')}\`` : 'pass --cluster NAME'],
  })
}
