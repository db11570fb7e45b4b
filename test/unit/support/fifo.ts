import { execFileSync } from 'node:child_process'
import { closeSync, constants, openSync } from 'node:fs'

/** A named pipe at `file` (Node has no mkfifo of its own). */
export function makeFifo(file: string): string {
  execFileSync('mkfifo', [file])
  return file
}

/**
 * Opens the pipe for writing without waiting, and closes it: a reader blocked in open() (the bug
 * these tests guard against) is let go, so a regression fails its test instead of hanging the run.
 * With no reader there is nothing to release (ENXIO).
 */
export function releaseFifo(file: string): void {
  try {
    closeSync(openSync(file, constants.O_WRONLY | constants.O_NONBLOCK))
  } catch {
    // No reader waits on it.
  }
}
