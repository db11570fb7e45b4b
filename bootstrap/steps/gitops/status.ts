import { HealthError } from '../../engine/errors.js'
import type { CheckResult, Step, StepContext } from '../../engine/step.js'
import type { ClusterSpec } from '../../spec/load.js'
import { readHelmRelease } from '../../tools/helm.js'
import { engineLabel, engineRelease } from './engine.js'
import { rootState, unhealthyObjects } from './health.js'
import { remoteHead, shortSha } from './repo.js'

interface GitopsStatus {
  healthy: boolean
  summary: string
  problems: string[]
}

/** The engine as it is: installed version, revision applied against the remote head, drift. Reads only. */
export async function readGitopsStatus(ctx: StepContext): Promise<GitopsStatus> {
  const { spec } = ctx
  const kube = await ctx.kube()
  const release = engineRelease(spec)
  const installed = await readHelmRelease(kube, release.release, release.namespace)
  if (!installed) return { healthy: false, summary: `${engineLabel(spec)} is not installed`, problems: [`Helm release ${release.namespace}/${release.release} not found: run bootstrap`] }
  const problems: string[] = []
  if (installed.status !== 'deployed') problems.push(`Helm release ${release.namespace}/${release.release} is ${installed.status}`)
  if (installed.chartVersion !== release.version) problems.push(`${release.release} ${installed.chartVersion ?? '?'} installed, the spec pins ${release.version}`)
  const sha = await remoteHead(ctx)
  const root = await rootState(kube, spec, sha)
  if (!root.done) problems.push(...root.lines)
  problems.push(...(await unhealthyObjects(kube, spec)))
  const summary = `${engineLabel(spec)} (${release.release} ${installed.chartVersion ?? '?'}); remote ${spec.repository.branch}@${shortSha(sha)} ${root.done ? 'applied' : 'not applied yet'}`
  return { healthy: problems.length === 0, summary, problems }
}

/** Step for `status`: the same view the health gate uses, live, never changing anything. */
export function gitopsStatusStep(spec: ClusterSpec): Step {
  let last: GitopsStatus | undefined
  return {
    name: 'gitops',
    title: `${engineLabel(spec)} sync status`,
    needs: [],
    async check(ctx): Promise<CheckResult> {
      last = await readGitopsStatus(ctx)
      return { state: 'done', detail: `${last.summary}${last.problems.length ? `, ${last.problems.length} problem(s)` : ', all ready'}` }
    },
    plan: () => [],
    async verify(ctx) {
      const status = last ?? (await readGitopsStatus(ctx))
      if (!status.healthy) throw new HealthError(status.summary, { details: status.problems })
    },
  }
}
