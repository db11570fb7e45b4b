import { realpathSync } from 'node:fs'
import { homedir } from 'node:os'
import path from 'node:path'
import { PrerequisiteError } from './engine/errors.js'

/**
 * Kernel file systems: nothing to keep there, and Node's recursive mkdir loops forever under /proc.
 * /dev/shm is the exception: a writable tmpfs, a fine place for state that need not survive a reboot.
 */
const KERNEL_FS = /^\/(proc|sys)(\/|$)|^\/dev(\/(?!shm(\/|$))|$)/

/**
 * `path` with its longest existing start resolved through symbolic links: /tmp/proclink/x, with
 * /tmp/proclink a link to /proc, is /proc/x. The rest, not there yet, is kept as written.
 */
function resolvedPath(file: string): string {
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

/** kindling's own state on this machine, per user and outside any repository: run locks and run reports ($XDG_STATE_HOME/kindling). */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_STATE_HOME
  // The XDG base directory rules: a relative path is invalid and ignored.
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(homedir(), '.local', 'state')
  // The text and where its links lead: a link into /proc is /proc.
  const real = resolvedPath(base)
  if (KERNEL_FS.test(path.resolve(base)) || KERNEL_FS.test(real))
    throw new PrerequisiteError(
      `XDG_STATE_HOME=${base}${real === path.resolve(base) ? '' : ` (${real})`} is a kernel file system, not a place for kindling's run locks and reports`,
      { details: ['unset XDG_STATE_HOME, or point it at a folder you own (by default ~/.local/state)'] },
    )
  return path.join(base, 'kindling')
}
