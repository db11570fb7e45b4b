// Whether dist/ was built from the sources as they are now: the launcher (bin/kindling.js) runs the
// build only then, and `prepare` compiles only when it is not.
import { existsSync, readdirSync, statSync } from 'node:fs'
import path from 'node:path'
import process from 'node:process'
import { fileURLToPath } from 'node:url'

// `kindling schema` writes this from the sources; nothing compiled reads it, so it never makes the build stale.
const GENERATED = path.join('bootstrap', 'spec', 'cluster.schema.json')

/** The build in `root` is current when `file` (a compiled file) is there and the stamp is newer than every source file. */
export function isCurrent(root, file) {
  const stamp = path.join(root, 'dist', '.built')
  if (!existsSync(file) || !existsSync(stamp)) return false
  const built = statSync(stamp).mtimeMs
  const sources = ['package.json', 'tsconfig.json', 'tsconfig.build.json']
  for (const dir of ['bootstrap', 'scripts']) {
    for (const name of readdirSync(path.join(root, dir), { recursive: true })) sources.push(path.join(dir, name))
  }
  return sources.filter((source) => source !== GENERATED).every((source) => statSync(path.join(root, source)).mtimeMs <= built)
}

// Run as a program (npm's `prepare`: `node bin/build-state.js || npm run build`): exit 0 when the
// build is current, 1 when it is not. npm runs `prepare` on `npm ci` and `npm install`, and again
// each time `npx kindling` first installs this checkout into npx's cache, where a full compile
// kept the first command waiting ten seconds with nothing on the screen.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)))
  process.exitCode = isCurrent(root, path.join(root, 'dist', 'scripts', 'bootstrap.js')) ? 0 : 1
}
