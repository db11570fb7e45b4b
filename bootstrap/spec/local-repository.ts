// A file:// repository names a folder on this machine: whether that folder is there and holds a Git
// repository. The wizard asks again and bootstrap's preflight stops on the same words, so neither
// writes or starts anything for a remote that cannot be read.

import { statSync, type Stats } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/** Why a file:// repository cannot be read, and what to do about it. */
export interface LocalRepositoryProblem {
  problem: string
  fix: string
}

/**
 * Why the repository a file:// URL names cannot be read from this machine: no such folder, not a
 * folder, not a Git repository. Undefined when it can, and for any URL that is not file://.
 */
export function localRepositoryProblem(url: string): LocalRepositoryProblem | undefined {
  if (!url.startsWith('file://')) return undefined
  let folder: string
  try {
    folder = fileURLToPath(url)
  } catch {
    // `file://host/path`: Git reads files on this machine only.
    return { problem: 'names no folder on this machine', fix: 'write file:// and then the absolute path, such as file:///srv/git/lab.git' }
  }
  const create = `create it (git init --bare ${folder}) and push this checkout to it`
  const found = statOf(folder)
  if (found === 'missing') return { problem: `names ${folder}, which does not exist`, fix: create }
  if (found === 'unreadable') return { problem: `names ${folder}, which cannot be read`, fix: `check the permissions of ${folder}` }
  if (!found.isDirectory()) return { problem: `names ${folder}, which is not a folder`, fix: 'give the folder of a Git repository' }
  if (!isGitRepository(folder))
    return { problem: `names ${folder}, which is not a Git repository`, fix: `give a Git repository's folder (git init --bare makes one)` }
  return undefined
}

/** A bare repository (HEAD, objects/, refs/) or a working tree with its .git (a folder, or a file for a worktree). */
function isGitRepository(folder: string): boolean {
  const at = (name: string): Stats | undefined => {
    const found = statOf(path.join(folder, name))
    return typeof found === 'string' ? undefined : found
  }
  return at('.git') !== undefined || (!!at('HEAD')?.isFile() && !!at('objects')?.isDirectory() && !!at('refs')?.isDirectory())
}

/** Looked at, never opened: a named pipe there cannot hold the question. */
function statOf(file: string): Stats | 'missing' | 'unreadable' {
  try {
    return statSync(file, { throwIfNoEntry: false }) ?? 'missing'
  } catch {
    return 'unreadable'
  }
}
