import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { BadInputError, errorMessage, KindlingError, PrerequisiteError } from '../../engine/errors.js'
import type { Step, StepContext } from '../../engine/step.js'
import { registryContainers } from '../../render/registry-caches.js'
import { isPlaceholderUrl, PLACEHOLDER_URL_MESSAGE } from '../../spec/fields.js'
import { relativeSpec, type ClusterSpec } from '../../spec/load.js'
import { DOCKER_UNREACHABLE, findContainers, inspectContainers, START_DOCKER, type ContainerInfo } from '../../tools/docker.js'
import { installHint, pinnedVersions, satisfiesPin, TOOLS } from '../../tools/catalog.js'
import { KIND_CLUSTER_LABEL } from '../../tools/kind.js'
import { KubeconfigError, KubeCredentialsError } from '../../kube/kubeconfig.js'
import { contextOf } from '../connect.js'
import { portChecks } from './host-ports.js'
import { pushRefusal } from '../gitops/push.js'
import { hookFiles } from '../gitops/hooks.js'
import { checkoutHead, remoteHeadIfAny } from '../gitops/repo.js'
import { unsetSecretVariables } from '../gitops/component-secrets.js'

/** What several checks of one run ask about, asked at most once per run and handed to each check. */
export interface PreflightLookups {
  /**
   * Containers of this spec's cluster and registries (they may hold its ports already), asked once
   * for all ports. When Docker cannot answer, nothing of ours can be holding a port.
   */
  ownContainers(): Promise<ContainerInfo[]>
}

/** One prerequisite: returns undefined when met, or the problem and how to fix it. */
export interface PreflightCheck {
  name: string
  run(ctx: StepContext, lookups: PreflightLookups): Promise<{ problem: string; fix: string } | undefined>
}

/** Which command the checks are for: destroy needs less than bootstrap and status. */
export type PreflightPurpose = 'bootstrap' | 'status' | 'destroy'

/** The CLIs a spec needs on PATH. */
export function requiredTools(spec: ClusterSpec, purpose: PreflightPurpose = 'bootstrap'): string[] {
  if (purpose === 'destroy') return spec.provider.type === 'kind' ? ['docker', 'kind'] : ['helm']
  // status only reads: the cluster through the API (kind for its kubeconfig), the branch head through git.
  // Without a remote, the branch head is read from the in-cluster Git server over SSH.
  const inCluster = spec.repository.inCluster ? ['ssh'] : []
  if (purpose === 'status') return [...(spec.provider.type === 'kind' ? ['docker', 'kind', 'git'] : ['git']), ...inCluster]
  const tools = ['git', 'helm', ...inCluster]
  if (spec.provider.type === 'kind') tools.unshift('docker', 'kind')
  if (spec.secrets.sops.enabled) tools.push('age-keygen')
  if ((spec.repository.auth.type === 'ssh' && !spec.repository.auth.privateKeyFile) || spec.repository.inCluster) tools.push('ssh-keygen')
  return tools
}

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
          if (error instanceof PrerequisiteError) return undefined
          throw error
        })
      if (!result) return { problem: `${binary} is not installed`, fix: installHint(binary) }
      if (!pinned) return undefined
      const version = tool.versionPattern.exec(`${result.stdout}\n${result.stderr}`)?.[1]
      const pin = tool.devboxPackage ? pinnedVersions().get(tool.devboxPackage) : undefined
      if (pin && version && !satisfiesPin(version, pin)) {
        return { problem: `${binary} ${version} is installed, but kindling pins ${pin}`, fix: installHint(binary) }
      }
      return undefined
    },
  }
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

/** Lookups for one run of the checks; each is asked on first use only. */
export function preflightLookups(ctx: StepContext): PreflightLookups {
  let own: Promise<ContainerInfo[]> | undefined
  return {
    ownContainers() {
      own ??= (async () => {
        const nodes = await findContainers(ctx.runner, { [KIND_CLUSTER_LABEL]: ctx.spec.name }, ctx.signal)
        const registries = await inspectContainers(
          ctx.runner,
          registryContainers(ctx.spec).map((registry) => registry.name),
          ctx.signal,
        )
        return [...nodes, ...registries]
      })().catch(() => [])
      return own
    },
  }
}

/** kind's documented minimums for clusters of more than one node. */
export const INOTIFY_MINIMUMS = { max_user_watches: 524288, max_user_instances: 512 } as const

/** Reads a kernel setting under /proc/sys/fs/inotify; undefined where there is none (macOS, Windows). */
export type InotifyReader = (name: keyof typeof INOTIFY_MINIMUMS) => Promise<number | undefined>

export const readInotifyLimit: InotifyReader = async (name) => {
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

/** The spec's named context exists and its API server answers; no other context is ever used. */
export const kubeContextCheck: PreflightCheck = {
  name: 'kube context reachable',
  async run(ctx) {
    const context = contextOf(ctx.spec)
    try {
      const kube = await ctx.kube()
      await kube.serverVersion()
      return undefined
    } catch (error) {
      const { provider } = ctx.spec
      // A file that is not a kubeconfig, or credentials that could not be had, carry their own fix.
      if (error instanceof KubeconfigError || error instanceof KubeCredentialsError) {
        const elsewhere =
          provider.type === 'existing' && error instanceof KubeconfigError ? [`or point provider.kubeconfig in ${relativeSpec(ctx.spec)} at another file`] : []
        return { problem: errorMessage(error), fix: [...error.details, ...elsewhere].join(', ') || `check \`kind get kubeconfig --name ${ctx.spec.name}\`` }
      }
      const details = error instanceof KindlingError ? error.details : []
      // The file itself (missing, a folder, a pipe) is a different fix from the context in it.
      const fileProblem = error instanceof PrerequisiteError && /^kubeconfig /.test(errorMessage(error))
      return {
        problem: `${errorMessage(error)}${details.length ? ` (${details.join('; ')})` : ''}`,
        fix:
          provider.type !== 'existing'
            ? `check \`kind get clusters\``
            : fileProblem
              ? `point provider.kubeconfig in ${relativeSpec(ctx.spec)} at your kubeconfig file (the one kubectl reads: ~/.kube/config or the first in $KUBECONFIG)`
              : `check \`kubectl --kubeconfig ${provider.kubeconfig} --context ${context} get nodes\`, or fix provider.context in ${relativeSpec(ctx.spec)}`,
      }
    }
  },
}

/** The engine can read the spec's branch of the spec's repository, with the spec's credentials. */
export const repositoryCheck: PreflightCheck = {
  name: 'repository readable',
  async run(ctx) {
    const { url, branch } = ctx.spec.repository
    if (ctx.spec.repository.inCluster) return checkoutCheck(ctx)
    if (isPlaceholderUrl(url)) {
      return {
        problem: `repository.url ${PLACEHOLDER_URL_MESSAGE}, ${url}`,
        fix: `set repository.url in ${path.relative(process.cwd(), ctx.spec.file) || ctx.spec.file} to your own fork of this repository (it must hold clusters/${ctx.spec.name}/ on branch ${branch})`,
      }
    }
    try {
      // A branch not there yet is fine: bootstrap's push creates it, if the user may push there.
      await remoteHeadIfAny(ctx)
      return await pushRefusal(ctx)
    } catch (error) {
      const fix = error instanceof KindlingError ? error.details[0] : undefined
      return { problem: errorMessage(error), fix: fix ?? 'check repository.url, branch and auth in the spec' }
    }
  },
}

/** Without a remote, this checkout is what bootstrap pushes to the in-cluster Git server: it needs a commit. */
async function checkoutCheck(ctx: StepContext): Promise<{ problem: string; fix: string } | undefined> {
  if (await checkoutHead(ctx)) return undefined
  return {
    problem: `${ctx.spec.repoRoot} is not a Git checkout with a commit, and the spec names no remote (repository.url)`,
    fix: `commit it first (git -C ${ctx.spec.repoRoot} init; git add -A; git commit -m init): bootstrap pushes this checkout's commits to the in-cluster Git server`,
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
    const texts = await Promise.all(hooks.map((file) => readFile(path.join(ctx.spec.repoRoot, file), 'utf8')))
    if (!texts.some((text) => /\bkubectl\b/.test(text))) return undefined
    // Any kubectl will do for a hook: the pin is for the shell devbox gives, not a reason to stop.
    return toolCheck('kubectl', { pinned: false }).run(ctx, lookups)
  },
}

/** Variables the spec names for component Secrets (Grafana's admin password): set before the cluster is made. */
export const secretVariablesCheck: PreflightCheck = {
  name: 'environment variables the spec names',
  async run(ctx) {
    const unset = unsetSecretVariables(ctx.spec)
    if (!unset.length) return undefined
    return {
      problem: unset.map(({ name, holds }) => `${name} is not set (it holds ${holds})`).join('; '),
      fix: `set ${unset.length === 1 ? 'it' : 'them'} in this shell, or remove the variable's name from ${relativeSpec(ctx.spec)} to have a password generated`,
    }
  },
}

/** The checks a spec needs for a command: bootstrap all, status what reading needs, destroy what deleting needs. */
export function preflightChecks(spec: ClusterSpec, purpose: PreflightPurpose = 'bootstrap', extra: readonly PreflightCheck[] = []): PreflightCheck[] {
  const tools = requiredTools(spec, purpose)
  // The repository first: a wrong URL or token is found before anything is created, not minutes in.
  const checks = [
    ...(purpose === 'bootstrap' ? [repositoryCheck] : []),
    ...tools.map((tool) => toolCheck(tool)),
    ...(purpose === 'bootstrap' ? [hooksKubectlCheck, secretVariablesCheck] : []),
  ]
  if (spec.provider.type === 'kind') {
    checks.push(dockerDaemonCheck)
    if (purpose === 'bootstrap') {
      checks.push(...portChecks(spec))
      const { controlPlanes, workers } = spec.provider.nodes
      if (controlPlanes + workers > 1) checks.push(inotifyCheck())
    }
  } else {
    checks.push(kubeContextCheck)
  }
  return [...checks, ...extra]
}

/** Run every check (none stops the others) and list each failure. */
export async function runPreflight(ctx: StepContext, checks: readonly PreflightCheck[]): Promise<string[]> {
  const lookups = preflightLookups(ctx)
  const results = await Promise.all(checks.map(async (check) => ({ check, outcome: await check.run(ctx, lookups) })))
  return results.filter((r) => r.outcome).map(({ check, outcome }) => failureLine(check.name, outcome!))
}

/** One unmet prerequisite as the user reads it: what, the problem, and on its own line the fix. */
function failureLine(name: string, { problem, fix }: { problem: string; fix: string }): string {
  return `${name}: ${problem}\n  fix: ${fix}`
}

/**
 * Checks every prerequisite before anything changes; fails with exit 3 listing all of them.
 * `pushAnswerNeeded` (a bootstrap off a terminal): without --yes or --no-push the push step
 * could not ask, so that is bad input (exit 2) now, before the cluster is created.
 */
export function preflightStep(
  spec: ClusterSpec,
  options: { purpose?: PreflightPurpose; extra?: readonly PreflightCheck[]; pushAnswerNeeded?: boolean } = {},
): Step {
  const checks = preflightChecks(spec, options.purpose, options.extra)
  return {
    name: 'preflight',
    title: 'Check prerequisites',
    needs: [],
    async check(ctx) {
      const failures = await runPreflight(ctx, checks)
      const unanswered = options.pushAnswerNeeded && !ctx.flags.yes && !ctx.flags.noPush
      const answer = 'pass --yes to let bootstrap commit and push what it renders, or --no-push to push yourself (it prints the commands)'
      if (failures.length > 0) {
        const extra = unanswered
          ? [failureLine('push answer', { problem: `off a terminal bootstrap cannot ask before pushing ${spec.repository.path}/`, fix: answer })]
          : []
        const missing = `${failures.length} prerequisite${failures.length === 1 ? '' : 's'} missing`
        throw new PrerequisiteError(unanswered ? `${missing}, and the push needs an answer` : missing, { details: [...failures, ...extra] })
      }
      if (unanswered) {
        throw new BadInputError(`bootstrap commits and pushes what it renders under ${spec.repository.path}/, and cannot ask first off a terminal`, {
          details: [answer],
        })
      }
      return { state: 'done', detail: `${checks.length} checks passed` }
    },
    plan: () => [],
  }
}
