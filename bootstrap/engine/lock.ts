import { mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync, closeSync, existsSync } from 'node:fs'
import { hostname } from 'node:os'
import path from 'node:path'
import { stateDir, unwritableReason } from '../state.js'
import { asShown } from '../spec/quoting.js'
import { PrerequisiteError } from './errors.js'

/** Who holds a cluster's lock: enough to tell a live run from one that was killed. */
interface Holder {
  pid: number
  host: string
  command: string
  startedAt: string
}

/** A held lock; `release` is safe to call more than once. */
export interface RunLock {
  file: string
  release(): void
}

/**
 * Take the lock of one cluster for a command that changes it, so two bootstraps (or a bootstrap
 * and a destroy) never run against it at once. A lock left by a run that no longer exists (killed,
 * crashed, the machine rebooted) is taken over; a live holder is named in the refusal (exit 3).
 */
export function acquireRunLock(cluster: string, command: string, dir = path.join(stateDir(), 'locks')): RunLock {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 })
  } catch (error) {
    throw unusable(dir, error)
  }
  const file = path.join(dir, `${cluster}.lock`)
  // Only a regular file is ever read: opening a named pipe would wait for a writer forever.
  const found = statSync(file, { throwIfNoEntry: false })
  if (found && !found.isFile()) {
    const what = found.isDirectory() ? 'a folder' : found.isFIFO() ? 'a named pipe (FIFO)' : found.isSocket() ? 'a socket' : 'a device'
    throw new PrerequisiteError(`${file} is ${what} where kindling keeps the lock file of cluster ${cluster}`, {
      details: [`remove it (rm ${found.isDirectory() ? '-r ' : ''}${file}) and run this again`],
    })
  }
  const me: Holder = { pid: process.pid, host: hostname(), command, startedAt: new Date().toISOString() }
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600)
      writeSync(fd, JSON.stringify(me))
      closeSync(fd)
      let released = false
      const release = (): void => {
        if (released) return
        released = true
        if (readHolder(file)?.pid === process.pid) rmSync(file, { force: true })
        process.removeListener('exit', release)
      }
      process.on('exit', release)
      return { file, release }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw unusable(dir, error)
    }
    const holder = readHolder(file)
    if (holder && isAlive(holder)) {
      throw new PrerequisiteError(
        `another kindling ${asShown(String(holder.command))} of cluster ${cluster} is running (process ${holder.pid}, since ${asShown(String(holder.startedAt))})`,
        {
          details: ['wait for it to finish, or stop it (Ctrl-C) and run this again', `lock: ${file}`],
        },
      )
    }
    // The holder is gone: its lock is stale.
    rmSync(file, { force: true })
  }
  throw new PrerequisiteError(`cannot take the lock of cluster ${cluster}: ${file} keeps reappearing`, {
    details: ['another kindling run is starting at the same moment; run this again'],
  })
}

/** The locks folder cannot be made or written: say which folder, why, and where to point kindling instead. */
function unusable(dir: string, error: unknown): PrerequisiteError {
  return new PrerequisiteError(`cannot keep kindling's run locks in ${dir}: ${unwritableReason(error)}`, {
    details: ['point XDG_STATE_HOME at a folder you can write (it holds run locks and reports), or remove what is in the way'],
  })
}

function readHolder(file: string): Holder | undefined {
  try {
    // Not a regular file (a pipe put there since): not a holder, and never opened.
    if (!statSync(file).isFile()) return undefined
    const holder = JSON.parse(readFileSync(file, 'utf8')) as Partial<Holder>
    return typeof holder.pid === 'number' ? (holder as Holder) : undefined
  } catch {
    // Unreadable or half-written: treated as stale, like a holder that is gone.
    return undefined
  }
}

/** The holder still runs: same machine, its process exists and (where /proc tells) is a node process. */
function isAlive(holder: Holder): boolean {
  if (holder.host !== hostname()) return true
  try {
    process.kill(holder.pid, 0)
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
  const cmdline = `/proc/${holder.pid}/cmdline`
  if (!existsSync(cmdline)) return true
  try {
    return /node|kindling/.test(readFileSync(cmdline, 'utf8'))
  } catch {
    return true
  }
}
