import { BadInputError, PrerequisiteError } from '../../engine/errors.js'
import type { Step, StepContext } from '../../engine/step.js'
import { registryContainers } from '../../render/registry-caches.js'
import type { ClusterSpec } from '../../spec/load.js'
import { findContainers, inspectContainers, type ContainerInfo } from '../../tools/docker.js'
import { KIND_CLUSTER_LABEL } from '../../tools/kind.js'
import { addSummary } from '../summary.js'
import { unansweredConfirmation } from './destroy.js'
import { portChecks } from './host-ports.js'
import { dockerDaemonCheck, hooksKubectlCheck, hooksReadableCheck, inotifyCheck, kindKubeconfigCheck, toolCheck } from './machine-checks.js'
import { kubeContextCheck, repositoryCheck, secretVariablesCheck, specFileChecks } from './spec-checks.js'

/** What several checks of one run ask about, asked at most once per run and handed to each check. */
export interface PreflightLookups {
  /**
   * Containers of this spec's cluster and registries (they may hold its ports already), asked once
   * for all ports. When Docker cannot answer, nothing of ours can be holding a port.
   */
  ownContainers(): Promise<ContainerInfo[]>
}

/** What a check found wrong, and how to fix it. */
export interface PreflightFailure {
  problem: string
  fix: string
  /** Something the user gave cannot be used (a file the spec names is a folder): bad input, exit 2, not a missing prerequisite. */
  input?: boolean
  /** Worth saying (a tool at another version than the pin) but no reason to stop the run. */
  warning?: boolean
}

/** One prerequisite: returns undefined when met, or the problem and how to fix it. */
export interface PreflightCheck {
  name: string
  run(ctx: StepContext, lookups: PreflightLookups): Promise<PreflightFailure | undefined>
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

/** The checks a spec needs for a command: bootstrap all, status what reading needs, destroy what deleting needs. */
export function preflightChecks(spec: ClusterSpec, purpose: PreflightPurpose = 'bootstrap', extra: readonly PreflightCheck[] = []): PreflightCheck[] {
  const tools = requiredTools(spec, purpose)
  // The repository first: a wrong URL or token is found before anything is created, not minutes in.
  const checks = [
    ...(purpose === 'bootstrap' ? [repositoryCheck] : []),
    ...tools.map((tool) => toolCheck(tool)),
    ...(purpose === 'bootstrap' ? [hooksReadableCheck, hooksKubectlCheck, secretVariablesCheck, ...specFileChecks(spec)] : []),
  ]
  if (spec.provider.type === 'kind') {
    checks.push(dockerDaemonCheck)
    if (purpose === 'bootstrap') {
      checks.push(kindKubeconfigCheck(), ...portChecks(spec))
      const { controlPlanes, workers } = spec.provider.nodes
      if (controlPlanes + workers > 1) checks.push(inotifyCheck())
    }
  } else {
    checks.push(kubeContextCheck)
  }
  return [...checks, ...extra]
}

/** Run every check (none stops the others) and list each failure, as its line and whether it is bad input. */
export async function runPreflight(ctx: StepContext, checks: readonly PreflightCheck[]): Promise<{ line: string; input: boolean }[]> {
  return (await runPreflightChecks(ctx, checks)).failures
}

/** Every check's outcome: the failures, and apart from them the warnings, which stop nothing. */
async function runPreflightChecks(
  ctx: StepContext,
  checks: readonly PreflightCheck[],
): Promise<{ failures: { line: string; input: boolean }[]; warnings: string[] }> {
  const lookups = preflightLookups(ctx)
  const results = await Promise.all(checks.map(async (check) => ({ check, outcome: await check.run(ctx, lookups) })))
  return {
    failures: results.flatMap(({ check, outcome }) =>
      outcome && !outcome.warning ? [{ line: failureLine(check.name, outcome), input: outcome.input === true }] : [],
    ),
    warnings: results.flatMap(({ check, outcome }) => (outcome?.warning ? [failureLine(check.name, outcome)] : [])),
  }
}

/** One unmet prerequisite as the user reads it: what, the problem, and on its own line the fix. */
function failureLine(name: string, { problem, fix }: PreflightFailure): string {
  return `${name}: ${problem}\n  fix: ${fix}`
}

interface PreflightOptions {
  purpose?: PreflightPurpose
  extra?: readonly PreflightCheck[]
  /** bootstrap off a terminal (or under --json): the push step cannot ask, so --yes or --no-push must answer. */
  pushAnswerNeeded?: boolean
  /** destroy off a terminal (or under --json): the confirm step cannot ask, so --yes must answer. */
  confirmNeeded?: boolean
  /** Why nothing can be asked: "under --json"; "off a terminal" when not given. */
  unasked?: string
}

/**
 * A question a later step would have to ask that nobody can answer in this run, as a line of the
 * list, and the words said after the count of what is missing; undefined once a flag answers it.
 */
function unansweredQuestion(spec: ClusterSpec, ctx: StepContext, options: PreflightOptions): { line: string; also: string } | undefined {
  const unasked = options.unasked ?? 'off a terminal'
  if (options.pushAnswerNeeded && !ctx.flags.yes && !ctx.flags.noPush)
    return {
      line: failureLine('push answer', { problem: `${unasked} bootstrap cannot ask before pushing ${spec.repository.path}/`, fix: PUSH_ANSWER }),
      also: 'the push needs an answer',
    }
  if (options.confirmNeeded && !ctx.flags.yes)
    return { line: failureLine('confirmation', unansweredConfirmation(spec, ctx.flags.purge, unasked)), also: 'destroy needs --yes' }
  return undefined
}

const PUSH_ANSWER = 'pass --yes to let bootstrap commit and push what it renders, or --no-push to push yourself (it prints the commands)'

/**
 * Checks every prerequisite before anything changes; fails with exit 3 listing all of them.
 * `pushAnswerNeeded` (a bootstrap off a terminal): without --yes or --no-push the push step
 * could not ask, so that is bad input (exit 2) now, before the cluster is created.
 * `confirmNeeded` (a destroy off a terminal): a missing --yes is listed with what is missing, so
 * one run names everything to fix; alone, the confirm step refuses, once it knows there is
 * something to delete.
 */
export function preflightStep(spec: ClusterSpec, options: PreflightOptions = {}): Step {
  const checks = preflightChecks(spec, options.purpose, options.extra)
  return {
    name: 'preflight',
    title: 'Check prerequisites',
    needs: [],
    async check(ctx) {
      const { failures, warnings } = await runPreflightChecks(ctx, checks)
      // Said in the step's line (a dry run prints no summary) and, for a real run, in its summary.
      for (const warning of warnings) addSummary(ctx, `⚠ ${warning.replace('\n  fix:', ';')}`)
      const unanswered = unansweredQuestion(spec, ctx, options)
      if (failures.length > 0) {
        const details = [...failures.map((failure) => failure.line), ...(unanswered ? [unanswered.line] : [])]
        const inputs = failures.filter((failure) => failure.input).length
        const missing = plural(failures.length - inputs, 'prerequisite', 'missing')
        // A file the spec names that cannot be used is bad input, whatever else is missing: the
        // steps that read it say so in a dry run too, and the verdict is the same either way.
        if (inputs > 0) {
          const unusable = plural(inputs, 'file', 'cannot be used')
          throw new BadInputError([unusable, ...(inputs < failures.length ? [missing] : [])].join(', and '), { details })
        }
        throw new PrerequisiteError(unanswered ? `${missing}, and ${unanswered.also}` : missing, { details })
      }
      if (unanswered && options.pushAnswerNeeded) {
        throw new BadInputError(
          `bootstrap commits and pushes what it renders under ${spec.repository.path}/, and cannot ask first ${options.unasked ?? 'off a terminal'}`,
          { details: [PUSH_ANSWER] },
        )
      }
      const noted = warnings.map((warning) => `; note: ${warning.split('\n')[0]}`).join('')
      return { state: 'done', verdict: 'passed', detail: `${checks.length - warnings.length} checks${noted}` }
    },
    plan: () => [],
  }
}

/** "1 prerequisite missing", "2 prerequisites missing". */
function plural(count: number, noun: string, verb: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'} ${verb}`
}
