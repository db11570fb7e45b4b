import { readdirSync, statSync } from 'node:fs'
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

/** Why an errno keeps a path from being read, in words. */
function refusal(code: string | undefined, error: unknown): string {
  return code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (code ?? String(error))
}

/**
 * Cluster folders that hold a cluster.yaml, and the folders under clusters/ this user may not look
 * into, so whether they hold one cannot be told (another user's folder, a chmod gone wrong).
 */
function clusterFolders(repoRoot: string): { names: string[]; unreadable: { name: string; why: string }[] } {
  const base = path.join(repoRoot, 'clusters')
  let entries
  try {
    entries = readdirSync(base, { withFileTypes: true })
  } catch (error) {
    // A clusters/ folder this user may not list (another user's checkout, a chmod gone wrong): named
    // with its fix, not as the bare EACCES of an unexpected failure (exit 1).
    throw new BadInputError(`cannot list the cluster folders in ${base} (${refusal((error as NodeJS.ErrnoException).code, error)})`, {
      details: [`make it readable by you (\`ls -ld ${base}\` shows its owner and mode)`],
    })
  }
  const names: string[] = []
  const unreadable: { name: string; why: string }[] = []
  for (const entry of entries) {
    if (!entry.isDirectory()) continue
    try {
      if (statSync(path.join(base, entry.name, 'cluster.yaml'), { throwIfNoEntry: false })) names.push(entry.name)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code !== 'ENOTDIR') unreadable.push({ name: entry.name, why: refusal(code, error) })
    }
  }
  return { names: names.sort(), unreadable: unreadable.sort((a, b) => a.name.localeCompare(b.name)) }
}

/** `--cluster`, or the only cluster there is; otherwise ask the user to choose. */
export function resolveClusterName(repoRoot: string, requested: string | undefined): string {
  // A name, never a path: `-c ../../elsewhere` must not read a spec outside clusters/.
  if (requested !== undefined && DNS_LABEL.test(requested) && requested.length <= DNS_LABEL_MAX) return requested
  const { names, unreadable } = clusterFolders(repoRoot)
  // A folder this user may not read may hold the cluster meant: named with its fix, not left out unsaid.
  const locked = unreadable.map(
    ({ name, why }) =>
      `clusters/${name}/ cannot be read (${why}): make it readable by you (\`ls -ld ${path.join(repoRoot, 'clusters', name)}\` shows its owner and mode)`,
  )
  if (requested !== undefined) {
    throw new BadInputError(`--cluster ${quoted(requested)} is not a cluster name`, {
      details: [
        'a cluster is a folder under clusters/ named with lowercase letters, digits and "-"',
        names.length ? `clusters here: ${names.join(', ')}` : `create one with \`${kindlingCommand('wizard')}\``,
        ...locked,
      ],
    })
  }
  if (names.length === 1 && unreadable.length === 0) return names[0]!
  if (names.length === 0 && unreadable.length === 1) {
    const [{ name, why }] = unreadable as [{ name: string; why: string }]
    throw new BadInputError(`no cluster spec found under clusters/ that this user may read: clusters/${name}/ cannot be read (${why})`, {
      details: [
        `make it readable by you (\`ls -ld ${path.join(repoRoot, 'clusters', name)}\` shows its owner and mode), or create another cluster with \`${kindlingCommand('wizard')}\``,
      ],
    })
  }
  // The only readable cluster is not taken for the one meant while another folder cannot be read:
  // destroy or bootstrap would act on a cluster nobody named.
  if (names.length === 1) {
    throw new BadInputError(
      `cannot tell which cluster is meant: clusters/${names[0]!}/ holds one, and ${unreadable.length === 1 ? 'a folder beside it' : 'folders beside it'} cannot be read`,
      {
        details: [`pass --cluster ${names[0]!} to use it`, ...locked],
      },
    )
  }
  throw new BadInputError(names.length === 0 ? 'no cluster spec found under clusters/' : `several clusters here (${names.join(', ')}); say which one`, {
    details: [names.length === 0 ? `create one with \`${kindlingCommand('wizard')}\`` : 'pass --cluster NAME', ...locked],
  })
}
