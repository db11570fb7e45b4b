import { homedir } from 'node:os'
import path from 'node:path'
import { BadInputError } from './engine/errors.js'

/** Kernel file systems: nothing to keep there, and Node's recursive mkdir loops forever under /proc. */
const KERNEL_FS = /^\/(proc|sys|dev)(\/|$)/

/** kindling's own state on this machine, per user and outside any repository: run locks and run reports ($XDG_STATE_HOME/kindling). */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_STATE_HOME
  // The XDG base directory rules: a relative path is invalid and ignored.
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(homedir(), '.local', 'state')
  if (KERNEL_FS.test(path.resolve(base)))
    throw new BadInputError(`XDG_STATE_HOME=${base} is a kernel file system, not a place for kindling's run locks and reports`, {
      details: ['unset XDG_STATE_HOME, or point it at a folder you own (by default ~/.local/state)'],
    })
  return path.join(base, 'kindling')
}
