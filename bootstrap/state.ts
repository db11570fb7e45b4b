import { existsSync } from 'node:fs'
import { homedir } from 'node:os'
import path from 'node:path'
import { BadInputError } from './engine/errors.js'
import { CONTROL } from './spec/characters.js'
import { quoted } from './spec/quoting.js'
import { blockingPath, isInside, resolvedPath } from './tools/files.js'

/**
 * Kernel file systems: nothing to keep there, and Node's recursive mkdir loops forever under /proc.
 * /dev/shm is the exception: a writable tmpfs, a fine place for state that need not survive a reboot.
 */
const KERNEL_FS = /^\/(proc|sys)(\/|$)|^\/dev(\/(?!shm(\/|$))|$)/

/** Why a folder of kindling's state (run locks, run reports) could not be made or written, by the error's code. */
export function unwritableReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code
  if (code === 'ENOTDIR' || code === 'EEXIST') return 'a part of that path is a file, not a folder'
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return 'it cannot be written (permission denied or read-only)'
  return code ?? String(error)
}

/** kindling's own state on this machine, per user and outside any repository: run locks and run reports ($XDG_STATE_HOME/kindling). */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_STATE_HOME
  // The XDG base directory rules: a relative path is invalid and ignored.
  const fromXdg = Boolean(xdg && path.isAbsolute(xdg))
  const base = fromXdg ? (xdg as string) : path.join(homeFolder(env), '.local', 'state')
  // The text and where its links lead: a link into /proc is /proc.
  const real = resolvedPath(base)
  if (KERNEL_FS.test(path.resolve(base)) || KERNEL_FS.test(real)) {
    const named = fromXdg ? `XDG_STATE_HOME=${base}` : `HOME=${env.HOME ?? homedir()}, whose ${base}`
    throw new BadInputError(
      `${named}${real === path.resolve(base) ? '' : ` (${real})`} is a kernel file system, not a place for kindling's run locks and reports`,
      {
        details: [
          fromXdg
            ? 'unset XDG_STATE_HOME, or point it at a folder you own (by default ~/.local/state)'
            : 'set HOME to your home folder, or point XDG_STATE_HOME at a folder you own',
        ],
      },
    )
  }
  return path.join(base, 'kindling')
}

/**
 * The user's home folder, where `~/` in the spec, the age keys and (without XDG_STATE_HOME) the run
 * reports live. A HOME that is empty or relative would put them under whatever folder the command
 * runs in, the repository itself; one that is not there would be created, as root anywhere.
 */
export function homeFolder(env: NodeJS.ProcessEnv = process.env): string {
  const home = env.HOME ?? homedir()
  const fix = 'set HOME to your home folder, an absolute path that exists (e.g. export HOME=/home/you), or unset it'
  // A line break or a control character would forge or garble a line of every message naming a path under it.
  if (CONTROL.test(home)) throw new BadInputError(`HOME=${quoted(home)} holds a line break or a control character`, { details: [fix] })
  if (!path.isAbsolute(home)) throw new BadInputError(`HOME=${quoted(home)} is not an absolute path to a folder`, { details: [fix] })
  if (blockingPath(home) !== undefined || !existsSync(home)) throw new BadInputError(`HOME=${quoted(home)} is not a folder that exists`, { details: [fix] })
  return home
}

/**
 * The state folder of a command that changes a cluster, refused before it starts when a real run
 * could not use it, so a dry run answers as the real run would: inside the repository (its reports
 * would show in `git status`, one `git add -A` from being committed), or under a file.
 */
export function usableStateDir(repoRoot: string, env: NodeJS.ProcessEnv = process.env, cluster?: string): string {
  const dir = stateDir(env)
  const fix = 'point XDG_STATE_HOME at a folder you can write outside the repository (it holds run locks and reports; by default ~/.local/state)'
  // Its locks and this cluster's reports too: a link there into the checkout puts them in it all the same.
  const inside = [dir, path.join(dir, 'locks'), ...(cluster ? [path.join(dir, 'reports', cluster)] : [])].find((folder) => isInside(folder, repoRoot))
  if (inside !== undefined) {
    const real = resolvedPath(inside)
    const linked = real !== path.resolve(inside)
    throw new BadInputError(`kindling's state folder ${inside}${linked ? ` (through a link, ${real})` : ''} is inside the repository ${repoRoot}`, {
      details: [linked ? `remove that link, or ${fix}` : fix],
    })
  }
  const blocked = blockingPath(dir)
  if (blocked) throw new BadInputError(`cannot keep kindling's run locks and reports in ${dir}: ${blocked} is not a folder`, { details: [fix] })
  return dir
}
