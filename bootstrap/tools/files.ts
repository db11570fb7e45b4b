import { lstatSync, readlinkSync, statSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { quoted } from '../spec/credentials.js'

/** A text file's content, or undefined when there is no such file; any other failure throws. */
export async function readFileIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

/** `file` is `folder` or lies somewhere beneath it (both resolved from the working folder). */
export function isInside(file: string, folder: string): boolean {
  const relative = path.relative(path.resolve(folder), path.resolve(file))
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative))
}

/** Kubeconfigs with many clusters and embedded certificates stay well under this. */
export const MAX_KUBECONFIG_BYTES = 16 * 1024 * 1024

/** Why a path that is there cannot be read, by the error code reading it gave. */
const UNREADABLE: Readonly<Record<string, string>> = {
  ENOENT: 'does not exist',
  EISDIR: 'is a folder, not a file',
  EACCES: 'cannot be read (permission denied)',
  ELOOP: 'is a symbolic link that loops',
  ENOTDIR: 'does not exist (a part of its path is a file, not a folder)',
}

const size = (bytes: number): string => (bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : `${Math.ceil(bytes / 1024)} KiB`)

/**
 * Why `file` cannot be read as a small text file (a spec, a kubeconfig), or undefined when it can.
 * Asked before reading: a named pipe would block the read forever and a device (`/dev/zero`)
 * never ends, and neither may hold the run hostage. `code` is the errno when there is one.
 */
export function plainFileProblem(file: string, maxBytes: number): { problem: string; code?: string } | undefined {
  let stats
  try {
    stats = statSync(file)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    // A link whose target is gone is there: saying "does not exist" would hide where it points.
    if (code === 'ENOENT' && lstatSync(file, { throwIfNoEntry: false })?.isSymbolicLink())
      return { problem: `is a link to ${quoted(readlinkSync(file))}, which does not exist` }
    return { problem: (code && UNREADABLE[code]) ?? `cannot be read (${code ?? String(error)})`, code }
  }
  if (stats.isDirectory()) return { problem: UNREADABLE.EISDIR!, code: 'EISDIR' }
  if (!stats.isFile()) return { problem: 'is not a regular file (a pipe or a device): reading it would not end' }
  if (stats.size > maxBytes) return { problem: `is ${size(stats.size)}; at most ${size(maxBytes)} is read` }
  return undefined
}

/** Text that must be UTF-8: the line of the first byte that is not, or undefined when all is well. */
export function notUtf8Line(bytes: Buffer): number | undefined {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes)
    return undefined
  } catch {
    const lossy = bytes.toString('utf8')
    return lossy.slice(0, Math.max(0, lossy.indexOf('\uFFFD'))).split('\n').length
  }
}
