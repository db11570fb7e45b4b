import { HealthError } from '../../engine/errors.js'
import type { CheckResult, Step, StepContext } from '../../engine/step.js'
import { engineOf } from '../../engines/index.js'
import type { ClusterSpec } from '../../spec/load.js'
import { readHelmRelease } from '../../tools/helm.js'
import { redactUrlCredentials } from '../../spec/url-credentials.js'
import { kindlingCommand } from '../../project.js'
import { addSummary } from '../summary.js'
import { componentStates, type ComponentState } from './health-gate.js'
import { remoteHead, shortSha } from './repo.js'

/** What `status` reports about the engine, for people (lines) and scripts (`--json`). */
export interface GitopsStatus {
  healthy: boolean
  summary: string
  engine: { name: string; release: string; installed?: string; pinned: string }
  /** The remote the engine follows (credentials never included), its branch and that branch's head now. */
  remote: { url: string; branch: string; head?: string; inCluster: boolean }
  /** Whether the engine has applied the head. */
  applied: boolean
  components: ComponentState[]
  /** Objects deleted or changed by hand since the engine applied them. */
  drift: string[]
  problems: string[]
}

/** The engine as it is: installed version, revision applied against the remote head, components, drift. Reads only. */
export async function readGitopsStatus(ctx: StepContext): Promise<GitopsStatus> {
  const { spec } = ctx
  const engine = engineOf(spec)
  const kube = await ctx.kube()
  const release = engine.release(spec)
  const base = {
    engine: { name: engine.title, release: release.release, pinned: release.version },
    remote: { url: redactUrlCredentials(spec.repository.url), branch: spec.repository.branch, inCluster: spec.repository.inCluster },
    applied: false,
    components: [],
    drift: [],
  }
  const installed = await readHelmRelease(kube, release.release, release.namespace)
  if (!installed)
    return {
      ...base,
      healthy: false,
      summary: `${engine.title} is not installed`,
      problems: [`Helm release ${release.namespace}/${release.release} not found: install it with \`${kindlingCommand(`bootstrap -c ${spec.name}`)}\``],
    }
  const problems: string[] = []
  // bootstrap's engine step finds both and puts them right (an upgrade to the pinned chart, a stuck release cleared first).
  const bootstrap = `\`${kindlingCommand(`bootstrap -c ${spec.name}`)}\``
  if (installed.status !== 'deployed')
    problems.push(`Helm release ${release.namespace}/${release.release} is ${installed.status}: ${bootstrap} installs it again at the pinned version`)
  if (installed.chartVersion !== release.version)
    problems.push(`${release.release} ${installed.chartVersion ?? '?'} installed, the spec pins ${release.version}: ${bootstrap} installs ${release.version}`)
  const sha = await remoteHead(ctx)
  const root = await engine.rootState(kube, sha)
  if (!root.done)
    problems.push(
      ...root.lines,
      `${spec.repository.branch}@${shortSha(sha)} is not applied yet: when the line above names an error, fix it in Git and push; otherwise ${engine.title} takes it at its next poll, or ${bootstrap} asks for it now and waits`,
    )
  const components = await componentStates(kube, spec, sha)
  problems.push(...components.flatMap((component) => component.problems))
  problems.push(...(await engine.unhealthyObjects(kube)))
  const drift = await engine.drift(kube)
  problems.push(...drift)
  const follows = spec.repository.inCluster ? `the in-cluster Git server ${base.remote.url}` : base.remote.url
  const summary = `${engine.title} (${release.release} ${installed.chartVersion ?? '?'}) follows ${follows} ${spec.repository.branch}; head ${shortSha(sha)} ${root.done ? 'applied' : 'not applied yet'}`
  return {
    ...base,
    engine: { ...base.engine, installed: installed.chartVersion },
    remote: { ...base.remote, head: sha },
    applied: root.done,
    components,
    drift,
    healthy: problems.length === 0,
    summary,
    problems: [...new Set(problems)],
  }
}

/** The engine part of the status view, one line each. */
export function statusLines(status: GitopsStatus): string[] {
  const lines = [`engine: ${status.summary}`]
  if (status.components.length)
    lines.push(
      `  components: ${status.components.map((component) => `${component.name} ${component.ready ? '✔' : `✖ (${component.problems.length} problem${component.problems.length === 1 ? '' : 's'})`}`).join(', ')}`,
    )
  lines.push(...status.components.flatMap((component) => component.checks.map((check) => `  ${check}`)))
  lines.push(
    ...(status.drift.length ? status.drift.map((line) => `  ${line}`) : status.applied ? ['  no drift: every object the engine applied is as Git says'] : []),
  )
  return lines
}

/** Step for `status`: the same view the health gate uses, live, never changing anything. */
export function gitopsStatusStep(spec: ClusterSpec): Step<GitopsStatus> {
  return {
    name: 'gitops',
    title: `${engineOf(spec).title} sync status`,
    // After the cluster step (itself after the prerequisites): a missing tool or an unreachable
    // cluster is reported once, there, not again here.
    needs: ['cluster'],
    async check(ctx): Promise<CheckResult<GitopsStatus>> {
      const status = await readGitopsStatus(ctx)
      ctx.facts.status.gitops = status
      for (const line of statusLines(status)) addSummary(ctx, line)
      return { state: 'done', detail: `${status.summary}${status.problems.length ? `, ${status.problems.length} problem(s)` : ', all ready'}`, found: status }
    },
    plan: () => [],
    async verify(ctx, found) {
      const status = found ?? (await readGitopsStatus(ctx))
      if (!status.healthy) throw new HealthError(status.summary, { details: status.problems })
    },
  }
}
