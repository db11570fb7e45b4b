import { readdir } from 'node:fs/promises'
import { createRequire } from 'node:module'
import path from 'node:path'
import type { Action, CheckResult, Step, StepContext } from '../../engine/step.js'
import type { ClusterSpec } from '../../spec/load.js'
import type { Command } from '../../tools/runner.js'
import { contextOf } from '../connect.js'
import { addSummary } from '../summary.js'
import { CLUSTER_FOLDER } from '../../spec/cluster-folder.js'
import { unshowable } from '../../spec/characters.js'
import { asShown, quoted } from '../../spec/quoting.js'

/** Hooks live beside the cluster's spec: clusters/<name>/hooks/*.mjs, run in name order. */
export const HOOKS_DIR = CLUSTER_FOLDER.hooks
const HOOK_TIMEOUT_MS = 10 * 60_000
const OUTPUT_LINES = 20

/** The zx command line, from the zx this project depends on (not whatever is on PATH). */
function zxCli(): string {
  const require = createRequire(import.meta.url)
  return path.join(path.dirname(require.resolve('zx/package.json')), 'build', 'cli.js')
}

/** Scripts that look meant as hooks but are not run: only `.mjs` files are (zx runs them as ES modules). */
const NOT_HOOKS = /\.(js|cjs|ts|mts|cts|sh)$/

/** The names in a spec's hooks folder, sorted (none when there is no folder). */
async function hookFolderNames(spec: ClusterSpec): Promise<string[]> {
  const names = await readdir(path.join(spec.repoRoot, spec.repository.path, HOOKS_DIR)).catch(() => [] as string[])
  return names.sort()
}

/** The *.mjs names in a spec's hooks folder, in the order they run. */
async function hookNamesIn(spec: ClusterSpec): Promise<string[]> {
  return (await hookFolderNames(spec)).filter((name) => name.endsWith('.mjs'))
}

/** The hooks of a spec, as paths relative to the repository root, in the order they run; see {@link unshowableHooks} for the rest. */
export async function hookFiles(spec: ClusterSpec): Promise<string[]> {
  return (await hookNamesIn(spec)).filter((name) => !unshowable(name)).map((name) => path.join(spec.repository.path, HOOKS_DIR, name))
}

/** Hook names that hold a control or invisible character, as a message may quote them (escaped); preflight refuses them. */
export async function unshowableHooks(spec: ClusterSpec): Promise<string[]> {
  return (await hookNamesIn(spec)).filter(unshowable).map((name) => quoted(name))
}

/** A script beside the hooks that will not run (`seed.js`, `smoke.ts`): said, so it is not silently skipped. */
async function skippedScripts(spec: ClusterSpec): Promise<string> {
  const skipped = (await hookFolderNames(spec)).filter((name) => NOT_HOOKS.test(name)).map(asShown)
  return skipped.length ? `; not run, as only *.mjs files (zx scripts) are hooks: ${skipped.join(', ')}` : ''
}

/**
 * One hook as a command: zx runs it (so `$\`kubectl ...\``, `fetch`, `chalk` and the rest of zx are
 * there), from the repository root, told which cluster and which kubeconfig context to use. It
 * goes through the one Runner like every process: logged, bounded, its output redacted.
 */
function hookCommand(spec: ClusterSpec, file: string): Command {
  const env: Record<string, string> = { KINDLING_CLUSTER: spec.name, KINDLING_CONTEXT: contextOf(spec), KINDLING_REPO_ROOT: spec.repoRoot, FORCE_COLOR: '0' }
  if (spec.provider.type === 'existing') env.KUBECONFIG = spec.provider.kubeconfig
  return { file: process.execPath, args: [zxCli(), '--quiet', file], env, cwd: spec.repoRoot, timeoutMs: HOOK_TIMEOUT_MS }
}

/** Run each planned hook in order; its output (redacted when printed) goes into the end-of-run summary. */
async function runHooks(ctx: StepContext, actions: readonly Action[]): Promise<void> {
  for (const action of actions) {
    if (action.type !== 'run') continue
    const result = await ctx.runner.run(action.command, { signal: ctx.signal })
    const lines = result.stdout.split('\n').filter((line) => line.trim())
    addSummary(ctx, `${action.description}${lines.length ? ':' : ': done'}`)
    for (const line of lines.slice(-OUTPUT_LINES)) addSummary(ctx, `  ${line}`)
  }
}

/** "smoke.mjs, seed.mjs" */
const hookNames = (files: readonly string[]): string => files.map((file) => path.basename(file)).join(', ')

/**
 * Step `hooks`: the extension point. After the health gate passes, run each zx script in
 * clusters/<name>/hooks/ (a smoke test, seeding a database, telling a chat channel); a hook that
 * fails fails the run with its output. Hooks run after every successful bootstrap, so write them
 * to be safe to run again. A dry run lists them without running them.
 */
export function hooksStep(spec: ClusterSpec): Step<string[]> {
  return {
    name: 'hooks',
    title: `Run the hooks in ${spec.repository.path}/${HOOKS_DIR}/`,
    needs: ['health-gate'],
    async check(): Promise<CheckResult<string[]>> {
      const files = await hookFiles(spec)
      const skipped = await skippedScripts(spec)
      return files.length
        ? {
            state: 'todo',
            detail: `${files.length} hook(s): ${hookNames(files)}${skipped}`,
            did: `ran ${files.length} hook(s): ${hookNames(files)}${skipped}`,
            found: files,
          }
        : { state: 'done', verdict: 'nothing to run', detail: `no hooks${skipped}`, found: [] }
    },
    async plan(_ctx, found): Promise<Action[]> {
      const files = found ?? (await hookFiles(spec))
      return files.map((file) => ({ type: 'run', command: hookCommand(spec, file), description: `hook ${path.basename(file)} (zx)` }))
    },
    apply: runHooks,
  }
}
