import { BadInputError } from '../engine/errors.js'

/**
 * Set by bin/kindling.js when the shell's folder was already gone at start: it then moves the
 * process elsewhere so the TypeScript loader can start, and process.cwd() no longer tells.
 */
const SHELL_FOLDER_GONE = Symbol.for('kindling.shellFolderGone')

/** The folder the command was started in, or undefined when it was deleted or moved away since. */
export function shellFolder(): string | undefined {
  if ((globalThis as Record<symbol, unknown>)[SHELL_FOLDER_GONE]) return undefined
  try {
    return process.cwd()
  } catch {
    // ENOENT (uv_cwd): the folder was removed under the shell.
    return undefined
  }
}

/** The refusal of a command that needs its folder (exit 2); `--help` needs none and never meets it. */
export function folderGoneError(): BadInputError {
  return new BadInputError('the current folder no longer exists (deleted or moved)', {
    details: ['cd into your GitOps repository again and rerun the command'],
  })
}
