import type { Action, CheckResult, Step, StepContext } from '../../engine/step.js'
import { engineOf } from '../../engines/index.js'
import { describeApplied, formatRef, refOf } from '../../kube/refs.js'
import type { ClusterSpec } from '../../spec/load.js'
import { assertNotForeign } from '../ownership.js'
import { engineLabel } from './engine.js'
import { fileWrites, remoteHeadIfAny, rootSyncFiles } from './repo.js'

async function checkRootSync(ctx: StepContext): Promise<CheckResult> {
  const { spec } = ctx
  const engine = engineOf(spec)
  // Asked here so a wrong URL or credential shows before anything waits on the engine (a branch
  // not there yet is fine: the push step creates it, as it fills the in-cluster server).
  if (!spec.repository.inCluster) await remoteHeadIfAny(ctx)
  const kube = await ctx.kube()
  await assertNotForeign(kube, engine.rootSync(spec).map(refOf), spec.name)
  if ((await fileWrites(spec, await rootSyncFiles(spec))).length > 0)
    return {
      state: 'todo',
      detail: `${engine.rootSyncFile(spec)} to write`,
      did: `wrote ${engine.rootSyncFile(spec)} and applied ${engine.rootSync(spec).map(formatRef).join(', ')}`,
    }
  const plan = await kube.planApply(engine.rootSync(spec))
  const pending = plan.filter((entry) => entry.state !== 'up to date')
  if (pending.length > 0) return { state: 'todo', detail: pending.map((entry) => `${entry.ref}: ${entry.state}`).join(', '), did: describeApplied(pending) }
  return { state: 'done', detail: `${plan.map((entry) => entry.ref).join(', ')} up to date` }
}

async function planRootSync(ctx: StepContext): Promise<Action[]> {
  const { spec } = ctx
  const writes = await fileWrites(spec, await rootSyncFiles(spec))
  return [
    ...writes,
    { type: 'apply', objects: engineOf(spec).rootSync(spec), description: `sync ${spec.repository.url} ${spec.repository.branch}:${spec.repository.path}` },
  ]
}

/** Step `root-sync`: point the engine at `clusters/<name>/`; the same objects are in the repository. */
export function rootSyncStep(spec: ClusterSpec): Step {
  return {
    name: 'root-sync',
    title: `Point ${engineLabel(spec)} at ${spec.repository.path}/`,
    needs: ['engine', 'components', 'component-secrets', 'repo-credentials', ...(spec.secrets.sops.enabled ? ['sops-key'] : [])],
    check: checkRootSync,
    plan: planRootSync,
  }
}
