// Preflight checks of this machine: the tools on PATH at their pinned versions, the Docker daemon,
// and the kernel's inotify limits a multi-node kind cluster needs.

import { accessSync, constants } from 'node:fs'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { PrerequisiteError } from '../../engine/errors.js'
import { DOCKER_UNREACHABLE, START_DOCKER } from '../../tools/docker.js'
import { installHint, pinnedVersions, satisfiesPin, TOOLS } from '../../tools/catalog.js'
import { NotRunnableError } from '../../tools/exec-runner.js'
import { hookFiles, HOOKS_DIR, unshowableHooks } from '../gitops/hooks.js'
import { MAX_KUBECONFIG_BYTES, MAX_TEXT_FILE_BYTES, plainFileProblem, readPlainFile, UnusableFileError } from '../../tools/files.js'
import { kubeconfigPaths, kubeconfigKindWrites } from '../../tools/kind.js'
import { kubeconfigCheckCommand, kubeconfigTextProblem } from '../../kube/kubeconfig.js'
import type { PreflightCheck } from './preflight.js'

/** A tool is on PATH at the version devbox.json pins (or at any version, `pinned: false`). */
export function toolCheck(binary: string, options: { pinned?: boolean } = {}): PreflightCheck {
  const { pinned = true } = options
  const tool = TOOLS[binary]!
  return {
    name: `${binary} installed`,
    async run(ctx) {
      const result = await ctx.runner
        .run({ file: tool.binary, args: tool.versionArgs, readOnly: true, okExitCodes: [1] }, { signal: ctx.signal })
        .catch((error: unknown) => {
          if (error instanceof PrerequisiteError) return error
          throw error
        })
      // There but not runnable (a download never made executable): said as it is, with its fix.
      if (result instanceof NotRunnableError) return { problem: result.message, fix: result.details[0] ?? installHint(binary) }
      if (result instanceof PrerequisiteError) return { problem: `${binary} is not installed`, fix: installHint(binary) }
      if (!pinned) return undefined
      const version = tool.versionPattern.exec(`${result.stdout}\n${result.stderr}`)?.[1]
      const pin = tool.devboxPackage ? pinnedVersions().get(tool.devboxPackage) : undefined
      if (!pin || !version || satisfiesPin(version, pin)) return undefined
      const stops = pinDriftStops(binary, version, pin)
      const problem = `${binary} ${version} is installed, but kindling pins ${pin}${stops ? `: ${stops}` : ' (tested with the pin; it may well work)'}`
      return { problem, fix: installHint(binary), ...(stops ? {} : { warning: true }) }
    },
  }
}

/**
 * Why a version other than the pin cannot be used, or undefined when it likely works: another
 * major version changes commands and flags kindling runs; a kind older than the pin may not run
 * the node image the pinned kind release names.
 */
function pinDriftStops(binary: string, installed: string, pin: string): string | undefined {
  const [haveMajor = 0, haveMinor = 0] = installed.replace(/^v/, '').split('.').map(Number)
  const [wantMajor = 0, wantMinor = 0] = pin.replace(/^v/, '').split('.').map(Number)
  if (haveMajor !== wantMajor) return `another major version, whose commands and flags differ`
  if (binary === 'kind' && haveMinor < wantMinor) return 'an older kind may not run the node image the pinned release names'
  return undefined
}

/** The Docker daemon answers (kind runs its nodes as containers). */
export const dockerDaemonCheck: PreflightCheck = {
  name: 'Docker daemon reachable',
  async run(ctx) {
    let missing = false
    const result = await ctx.runner
      .run({ file: 'docker', args: ['info', '--format', '{{.ServerVersion}}'], readOnly: true, okExitCodes: [1] }, { signal: ctx.signal })
      .catch((error: unknown) => {
        missing = error instanceof PrerequisiteError
        return undefined
      })
    // No docker command at all: "docker installed" already says so with how to install it, and
    // "start Docker" would send a new user looking for a daemon they do not have.
    if (missing || (result && result.exitCode === 0 && result.stdout.trim())) return undefined
    return { problem: `${DOCKER_UNREACHABLE} (kind runs its nodes as Docker containers)`, fix: START_DOCKER }
  },
}

/** kind's documented minimums for clusters of more than one node. */
const INOTIFY_MINIMUMS = { max_user_watches: 524288, max_user_instances: 512 } as const

/** Reads a kernel setting under /proc/sys/fs/inotify; undefined where there is none (macOS, Windows). */
export type InotifyReader = (name: keyof typeof INOTIFY_MINIMUMS) => Promise<number | undefined>

const readInotifyLimit: InotifyReader = async (name) => {
  try {
    return Number((await readFile(path.join('/proc/sys/fs/inotify', name), 'utf8')).trim())
  } catch {
    return undefined
  }
}

/** Multi-node kind clusters run out of inotify watches/instances at the kernel defaults. */
export function inotifyCheck(read: InotifyReader = readInotifyLimit): PreflightCheck {
  return {
    name: 'inotify limits sufficient',
    async run() {
      const low: string[] = []
      for (const [name, minimum] of Object.entries(INOTIFY_MINIMUMS) as [keyof typeof INOTIFY_MINIMUMS, number][]) {
        const value = await read(name)
        if (value !== undefined && value < minimum) low.push(`fs.inotify.${name} is ${value} (need ${minimum})`)
      }
      if (low.length === 0) return undefined
      return {
        problem: `${low.join(', ')}: nodes of a multi-node cluster fail with "too many open files"`,
        fix: `sudo sysctl fs.inotify.max_user_watches=${INOTIFY_MINIMUMS.max_user_watches} fs.inotify.max_user_instances=${INOTIFY_MINIMUMS.max_user_instances} (add them to /etc/sysctl.d/ to keep them)`,
      }
    },
  }
}

/**
 * kubectl, when a hook in clusters/<name>/hooks/ calls it (the example smoke test does): found now,
 * not after the whole bootstrap when the hook runs. kindling itself never needs kubectl.
 */
export const hooksKubectlCheck: PreflightCheck = {
  name: 'kubectl installed (a hook calls it)',
  async run(ctx, lookups) {
    const hooks = await hookFiles(ctx.spec)
    // A hook that cannot be read is named by "hooks readable"; the others still say whether kubectl is needed.
    const texts = hooks.map((file) => {
      try {
        return readPlainFile(path.join(ctx.spec.repoRoot, file))?.toString('utf8') ?? ''
      } catch (error) {
        if (error instanceof UnusableFileError) return ''
        throw error
      }
    })
    if (!texts.some((text) => /\bkubectl\b/.test(text))) return undefined
    // Any kubectl will do for a hook: the pin is for the shell devbox gives, not a reason to stop.
    return toolCheck('kubectl', { pinned: false }).run(ctx, lookups)
  },
}

/**
 * Each hook in clusters/<name>/hooks/ is a regular file: zx would wait forever on a named pipe
 * (only the hook's timeout, ten minutes, would end it) and fail on a folder after the whole run.
 */
export const hooksReadableCheck: PreflightCheck = {
  name: 'hooks readable',
  async run(ctx) {
    const problems = (await hookFiles(ctx.spec)).flatMap((file) => {
      const found = plainFileProblem(path.join(ctx.spec.repoRoot, file), MAX_TEXT_FILE_BYTES)
      return found ? [`hook ${file} ${found.problem}`] : []
    })
    const unshowable = await unshowableHooks(ctx.spec)
    if (unshowable.length)
      problems.push(
        `${unshowable.length === 1 ? 'hook name' : 'hook names'} ${unshowable.join(', ')} ${unshowable.length === 1 ? 'holds' : 'hold'} a control or invisible character, which would garble every line that names it`,
      )
    if (!problems.length) return undefined
    const rename = unshowable.length ? '; rename a hook to plain letters, digits, "-", "_" and "."' : ''
    return {
      problem: problems.join('; '),
      fix: `make each *.mjs in ${ctx.spec.repository.path}/${HOOKS_DIR}/ a zx script file, or remove it${rename}`,
      input: true,
    }
  },
}

/**
 * The kubeconfig files kind writes the new cluster's context into and helm reads it from
 * ($KUBECONFIG, else ~/.kube/config): each one there must be a regular file holding a kubeconfig,
 * and the one kind writes, writable. Garbage or /dev/zero there passes every other check, and kind
 * fails (or never ends) only after the registry caches and the cluster were made.
 */
export function kindKubeconfigCheck(): PreflightCheck {
  return {
    name: 'kubeconfig kind writes to',
    async run(ctx) {
      const { env } = ctx
      const writes = kubeconfigKindWrites(env)
      const from = env.KUBECONFIG ? 'from $KUBECONFIG' : 'the default kubeconfig: $KUBECONFIG is not set'
      const problems = kubeconfigPaths(env).flatMap((file) => {
        const found = kubeconfigFileProblem(file, file === writes)
        return found ? [{ file, ...found }] : []
      })
      if (!problems.length) return undefined
      const files = problems.map(({ file }) => file).join(', ')
      // kubectl would hang on a pipe or a device as well: it is suggested only for text it can read.
      const readable = problems.find((problem) => problem.inText)
      const shows = readable ? ` (\`${kubeconfigCheckCommand(readable.file)}\` shows what is wrong)` : ''
      const fix = env.KUBECONFIG
        ? `correct or move ${files}${shows}, or set KUBECONFIG to kubeconfig files only (unset, it is ~/.kube/config)`
        : `correct ${files}${shows}, or move it away for kind to write a new one`
      return {
        problem: problems.map(({ file, problem }) => `${file} (${from}) ${problem}`).join('; '),
        fix: `${fix}; kind adds the kind-${ctx.spec.name} context to ${writes}, and helm reads it there`,
        input: true,
      }
    },
  }
}

/**
 * Why an existing kubeconfig file cannot be read (or, `written`, written) as one, and whether that
 * is in its text; undefined when it can, or when there is none yet (kind creates it).
 */
function kubeconfigFileProblem(file: string, written: boolean): { problem: string; inText?: boolean } | undefined {
  let text: string | undefined
  try {
    text = readPlainFile(file, { maxBytes: MAX_KUBECONFIG_BYTES })?.toString('utf8')
  } catch (error) {
    if (error instanceof UnusableFileError) return { problem: error.problem }
    throw error
  }
  if (text === undefined) return undefined
  const problem = kubeconfigTextProblem(text, { emptyIsFine: true })
  if (problem) return { problem, inText: true }
  if (!written) return undefined
  try {
    accessSync(file, constants.W_OK)
    return undefined
  } catch {
    return { problem: 'cannot be written (permission denied), and kind writes the new context into it' }
  }
}
