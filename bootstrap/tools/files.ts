import { closeSync, constants, fstatSync, lstatSync, openSync, readlinkSync, readSync, realpathSync, statSync, type Stats } from 'node:fs'
import path from 'node:path'
import { BadInputError } from '../engine/errors.js'
import { quoted } from '../spec/quoting.js'

/** What one read of a named file may hold: manifests, keys and kubeconfigs stay well under it. */
export const MAX_TEXT_FILE_BYTES = 16 * 1024 * 1024

/** Who names a file and how to set it right, for the message when it cannot be used. */
export interface FileRole {
  /** The field or variable that names it ("secrets.sops.ageKeyFile"), put before the path. */
  what?: string
  /** How to fix it, shown under the message. */
  fix?: string
  /** The most bytes read; more is refused. Defaults to {@link MAX_TEXT_FILE_BYTES}. */
  maxBytes?: number
}

/** A file is named where kindling reads one, and it cannot be used: a folder, a pipe, too big. Nothing was read. */
export class UnusableFileError extends BadInputError {
  constructor(
    readonly file: string,
    readonly problem: string,
    role: FileRole = {},
  ) {
    super(`${role.what ? `${role.what} ` : ''}${file} ${problem}`, { details: role.fix ? [role.fix] : [] })
  }
}

/** A text file's content, or undefined when there is no such file; a file that cannot be used is refused by name. */
export async function readFileIfExists(file: string, role: FileRole = {}): Promise<string | undefined> {
  return readPlainFile(file, role)?.toString('utf8')
}

/**
 * The bytes of a regular file, or undefined when there is none; anything else is an
 * {@link UnusableFileError} naming what is there. Every file a spec, the environment or the
 * repository names is read here: a named pipe would hold the open (and with it a libuv thread,
 * past Ctrl-C) until a writer comes, and a device such as `/dev/zero` never ends.
 */
export function readPlainFile(file: string, role: FileRole = {}): Buffer | undefined {
  const maxBytes = role.maxBytes ?? MAX_TEXT_FILE_BYTES
  const found = plainFileProblem(file, maxBytes)
  if (found?.missing) return undefined
  if (found) throw new UnusableFileError(file, found.problem, role)
  let fd: number
  try {
    // Non-blocking: a file swapped for a pipe since it was looked at still opens at once, and fstat says so.
    fd = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0))
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return undefined
    throw new UnusableFileError(file, problemOfCode(code, error), role)
  }
  try {
    const stats = fstatSync(fd)
    if (!stats.isFile()) throw new UnusableFileError(file, notRegular(stats), role)
    // One byte past the limit tells a file that grew since it was looked at from one that fits.
    const buffer = Buffer.alloc(Math.min(stats.size, maxBytes) + 1)
    let length = 0
    while (length < buffer.length) {
      const read = readSync(fd, buffer, length, buffer.length - length, null)
      if (read === 0) break
      length += read
    }
    if (length > maxBytes) throw new UnusableFileError(file, `is more than ${size(maxBytes)}; at most that is read`, role)
    return buffer.subarray(0, length)
  } catch (error) {
    if (error instanceof UnusableFileError) throw error
    throw new UnusableFileError(file, problemOfCode((error as NodeJS.ErrnoException).code, error), role)
  } finally {
    closeSync(fd)
  }
}

/**
 * `file` is `folder` or lies somewhere beneath it, as written or where symbolic links lead: a home
 * folder that is a link into the repository puts the keys kept under it there too.
 */
export function isInside(file: string, folder: string): boolean {
  return beneath(path.resolve(file), path.resolve(folder)) || beneath(resolvedPath(file), resolvedPath(folder))
}

function beneath(file: string, folder: string): boolean {
  const relative = path.relative(folder, file)
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative))
}

/**
 * `file` with its longest existing start resolved through symbolic links: /tmp/proclink/x, with
 * /tmp/proclink a link to /proc, is /proc/x. The rest, not there yet, is kept as written.
 */
export function resolvedPath(file: string): string {
  const rest: string[] = []
  for (let dir = path.resolve(file); ;) {
    try {
      return path.join(realpathSync(dir), ...rest.reverse())
    } catch {
      const parent = path.dirname(dir)
      if (parent === dir) return path.resolve(file)
      rest.push(path.basename(dir))
      dir = parent
    }
  }
}

/**
 * What stands where a folder is to be made: the nearest of `folder` and the folders above it that
 * is there, when it is no folder (a file, a pipe); undefined when the folder is there or can be made.
 */
export function blockingPath(folder: string): string | undefined {
  for (let at = path.resolve(folder); ; at = path.dirname(at)) {
    let stats
    try {
      stats = statSync(at)
    } catch {
      // Not there, or a file on the way (ENOTDIR): the folder above says which.
      if (path.dirname(at) === at) return undefined
      continue
    }
    return stats.isDirectory() ? undefined : at
  }
}

/** A file kindling makes when it is not there yet (a generated key) must have a folder to go in: refused now, not after the cluster is made. */
export function assertCreatable(file: string, role: FileRole = {}): void {
  const blocked = blockingPath(path.dirname(file))
  if (blocked) throw new UnusableFileError(file, `does not exist and cannot be made there: ${blocked} is not a folder`, role)
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

/** What a path that is neither a file nor a folder is: kindling never reads one (a pipe could wait forever, `/dev/zero` never ends). */
function notRegular(stats: Stats): string {
  if (stats.isFIFO()) return 'is a named pipe, not a file: reading it could wait forever'
  if (stats.isSocket()) return 'is a socket, not a file'
  return 'is a device, not a file'
}

function problemOfCode(code: string | undefined, error: unknown): string {
  return (code && UNREADABLE[code]) ?? `cannot be read (${code ?? String(error)})`
}

function size(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MiB`
  return bytes >= 1024 ? `${Math.ceil(bytes / 1024)} KiB` : `${bytes} bytes`
}

/** Why a file cannot be read; `missing` when nothing is there (yet), which a caller may accept. */
export interface FileProblem {
  problem: string
  /** The errno, when there is one. */
  code?: string
  /** Nothing is at the path: it, a folder on its way, or the target of its link does not exist. */
  missing?: boolean
}

/**
 * Why `file` cannot be read as a small text file (a spec, a kubeconfig), or undefined when it can.
 * Asked before reading, with stat (which never blocks on what it finds): a named pipe would block
 * the read forever and a device (`/dev/zero`) never ends, and neither may hold the run hostage.
 */
export function plainFileProblem(file: string, maxBytes: number): FileProblem | undefined {
  let stats
  try {
    stats = statSync(file)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const missing = code === 'ENOENT' || code === 'ENOTDIR' ? { missing: true } : {}
    // A link whose target is gone is there: saying "does not exist" would hide where it points.
    if (code === 'ENOENT' && lstatSync(file, { throwIfNoEntry: false })?.isSymbolicLink())
      return { problem: `is a link to ${quoted(readlinkSync(file))}, which does not exist`, missing: true }
    return { problem: problemOfCode(code, error), code, ...missing }
  }
  if (stats.isDirectory()) return { problem: UNREADABLE.EISDIR!, code: 'EISDIR' }
  if (!stats.isFile()) return { problem: notRegular(stats) }
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
