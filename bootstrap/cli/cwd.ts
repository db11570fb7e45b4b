import { existsSync } from 'node:fs'
import path from 'node:path'
import { BadInputError } from '../engine/errors.js'

/**
 * Set by bin/kindling.js when the shell's folder was already gone at start: it then moves the
 * process elsewhere so the TypeScript loader can start, and process.cwd() no longer tells.
 */
const SHELL_FOLDER_GONE = Symbol.for('kindling.shellFolderGone')

/**
 * The folder the command was started in, or undefined when it was deleted or moved away since.
 * `npm run` starts its script at the package root and keeps the shell's folder in INIT_CWD: a
 * relative path typed in a subfolder (`--kubeconfig ../kc.yaml`) means the shell's folder there too.
 */
export function shellFolder(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if ((globalThis as Record<symbol, unknown>)[SHELL_FOLDER_GONE]) return undefined
  try {
    const cwd = process.cwd()
    return npmShellFolder(env, cwd) ?? cwd
  } catch {
    // ENOENT (uv_cwd): the folder was removed under the shell.
    return undefined
  }
}

/** INIT_CWD when npm started this script from a folder inside the package it runs (not `npm --prefix elsewhere`). */
export function npmShellFolder(env: NodeJS.ProcessEnv, cwd: string): string | undefined {
  const started = env.INIT_CWD
  if (!env.npm_lifecycle_event || !started || !path.isAbsolute(started)) return undefined
  const inside = started === cwd || started.startsWith(cwd.endsWith(path.sep) ? cwd : cwd + path.sep)
  return inside && existsSync(started) ? path.normalize(started) : undefined
}

/**
 * $KUBECONFIG with each relative entry made absolute from the shell's folder, or undefined when
 * nothing needs to change. kubectl reads such an entry from the folder it was typed in; under
 * `npm run` this process starts at the package root, and the commands it runs start in the
 * repository: without this, each of them would look for the file somewhere else.
 */
export function anchoredKubeconfig(value: string | undefined, folder: string | undefined): string | undefined {
  if (!value || !folder) return undefined
  const entries = value.split(path.delimiter)
  if (!entries.some((entry) => entry && !path.isAbsolute(entry))) return undefined
  return entries.map((entry) => (entry && !path.isAbsolute(entry) ? path.resolve(folder, entry) : entry)).join(path.delimiter)
}

/** The refusal of a command that needs its folder (exit 2); `--help` needs none and never meets it. */
export function folderGoneError(): BadInputError {
  return new BadInputError('the current folder no longer exists (deleted or moved)', {
    details: ['cd into your GitOps repository again and rerun the command'],
  })
}
