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

/**
 * Send `signal` to a command: its whole process group (it leads one), or with `group: false` the
 * process alone. One already gone is not an error.
 */
export function signalCommand(pid: number, signal: NodeJS.Signals, { group = true }: { group?: boolean } = {}): void {
  // 0 and 1 (as -0 and -1) would be this process's own group and every process there is: never.
  if (!Number.isInteger(pid) || pid <= 1) return
  try {
    process.kill(group ? -pid : pid, signal)
  } catch {
    // ESRCH: nothing of it is left.
  }
}

/** SIGKILL every command group still running: called as the process exits, however it exits. */
export function killRunningGroups(): void {
  for (const pid of running) signalCommand(pid, 'SIGKILL')
  running.clear()
}
