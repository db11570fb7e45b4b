import { HealthError } from '../../engine/errors.js'
import type { CheckResult, Step, StepContext } from '../../engine/step.js'
import { engineOf } from '../../engines/index.js'
import type { ClusterSpec } from '../../spec/load.js'
import { readHelmRelease } from '../../tools/helm.js'
import { componentsNotReady } from './health-gate.js'
import { remoteHead, shortSha } from './repo.js'

interface GitopsStatus {
  healthy: boolean
  summary: string
  problems: string[]
}

/** The engine as it is: installed version, revision applied against the remote head, components, drift. Reads only. */
export async function readGitopsStatus(ctx: StepContext): Promise<GitopsStatus> {
  const { spec } = ctx
  const engine = engineOf(spec)
  const kube = await ctx.kube()
  const release = engine.release(spec)
  const installed = await readHelmRelease(kube, release.release, release.namespace)
  if (!installed) return { healthy: false, summary: `${engine.title} is not installed`, problems: [`Helm release ${release.namespace}/${release.release} not found: run bootstrap`] }
  const problems: string[] = []
  if (installed.status !== 'deployed') problems.push(`Helm release ${release.namespace}/${release.release} is ${installed.status}`)
  if (installed.chartVersion !== release.version) problems.push(`${release.release} ${installed.chartVersion ?? '?'} installed, the spec pins ${release.version}`)
  const sha = await remoteHead(ctx)
  const root = await engine.rootState(kube, sha)
  if (!root.done) problems.push(...root.lines)
  problems.push(...(await componentsNotReady(kube, spec, sha, { all: true })))
  problems.push(...(await engine.unhealthyObjects(kube)))
  const summary = `${engine.title} (${release.release} ${installed.chartVersion ?? '?'}); remote ${spec.repository.branch}@${shortSha(sha)} ${root.done ? 'applied' : 'not applied yet'}`
  return { healthy: problems.length === 0, summary, problems: [...new Set(problems)] }
}

/** Step for `status`: the same view the health gate uses, live, never changing anything. */
export function gitopsStatusStep(spec: ClusterSpec): Step<GitopsStatus> {
  return {
    name: 'gitops',
    title: `${engineOf(spec).title} sync status`,
    needs: [],
    async check(ctx): Promise<CheckResult<GitopsStatus>> {
      const status = await readGitopsStatus(ctx)
      return { state: 'done', detail: `${status.summary}${status.problems.length ? `, ${status.problems.length} problem(s)` : ', all ready'}`, found: status }
    },
    plan: () => [],
    async verify(ctx, found) {
      const status = found ?? (await readGitopsStatus(ctx))
      if (!status.healthy) throw new HealthError(status.summary, { details: status.problems })
    },
  }
}
