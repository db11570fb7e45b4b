import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The kindling checkout this code runs from, found by walking up to its package.json: the same
 * answer whether the TypeScript sources run (bootstrap/) or their compiled copy does (dist/bootstrap/).
 */
export const PROJECT_ROOT = findRoot(path.dirname(fileURLToPath(import.meta.url)))

/** kindling's own version, from its package.json. */
export const VERSION: string = (JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version

function findRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'devbox.json'))) return dir
    if (path.dirname(dir) === dir) throw new Error(`no kindling package.json above ${start}`)
  }
}

/**
 * A kindling command as hints print it, in the README's form: `npx kindling` runs from the
 * checkout and prints only kindling's output (`npm run` without `-s` adds its banner).
 */
export function kindlingCommand(args: string): string {
  return `npx kindling ${args}`
}
