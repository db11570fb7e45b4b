/**
 * The process groups of external commands still running. Each command kindling starts leads its
 * own group, so stopping it stops what it started too (`git` runs `git-remote-https`, `helm` and
 * `kind` run more); this module stays free of imports so the entry point can clear them on exit
 * without loading anything heavy.
 */
const running = new Set<number>()

export function trackGroup(pid: number): void {
  running.add(pid)
}

export function untrackGroup(pid: number): void {
  running.delete(pid)
}

/** Send `signal` to a command's whole process group; a group already gone is not an error. */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  // -0 and -1 would be this process's own group and every process there is: never.
  if (!Number.isInteger(pid) || pid <= 1) return
  try {
    process.kill(-pid, signal)
  } catch {
    // ESRCH: nothing of the group is left.
  }
}

/** Send `signal` to one process; a process already gone is not an error. */
export function signalProcess(pid: number, signal: NodeJS.Signals): void {
  if (!Number.isInteger(pid) || pid <= 1) return
  try {
    process.kill(pid, signal)
  } catch {
    // ESRCH: it has ended.
  }
}

/** SIGKILL every command group still running: called as the process exits, however it exits. */
export function killRunningGroups(): void {
  for (const pid of running) signalGroup(pid, 'SIGKILL')
  running.clear()
}
