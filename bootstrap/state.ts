import { homedir } from 'node:os'
import path from 'node:path'

/** kindling's own state on this machine, per user and outside any repository: run locks and run reports ($XDG_STATE_HOME/kindling). */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.XDG_STATE_HOME || path.join(homedir(), '.local', 'state'), 'kindling')
}
