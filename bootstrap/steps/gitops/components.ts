import type { Action, CheckResult, Step, StepContext } from '../../engine/step.js'
import { enabledComponents } from '../../components/registry.js'
import { engineOf } from '../../engines/index.js'
import type { ClusterSpec } from '../../spec/load.js'
import { fileWrites } from './repo.js'

type Writes = Extract<Action, { type: 'write-file' }>[]

/** The component files of the spec's engine that the repository does not have as they should be. */
async function componentWrites(spec: ClusterSpec): Promise<Writes> {
  return fileWrites(spec, engineOf(spec).componentFiles(spec, enabledComponents(spec)))
}

async function checkComponents(ctx: StepContext): Promise<CheckResult<Writes>> {
  const components = enabledComponents(ctx.spec)
  if (components.length === 0) return { state: 'done', verdict: 'nothing to write', detail: 'no components enabled', found: [] }
  const writes = await componentWrites(ctx.spec)
  const names = components.map((component) => component.name).join(', ')
  return writes.length
    ? { state: 'todo', detail: `${writes.length} file(s) of ${names} to write`, did: `wrote ${writes.length} file(s) of ${names}`, found: writes }
    : { state: 'done', detail: `${names} up to date in ${ctx.spec.repository.path}/components/`, found: writes }
}

/**
 * Step `components`: write what the engine installs from Git (Crossplane, its providers, the
 * Postgres API, ...) under `clusters/<name>/components/`. The engine applies it after the root
 * sync; the health gate waits for it.
 */
export function componentsStep(spec: ClusterSpec): Step<Writes> {
  return {
    name: 'components',
    title: `Write the components ${engineOf(spec).title} installs`,
    needs: ['engine'],
    check: checkComponents,
    plan: async (ctx, found) => {
      const writes = found ?? (await componentWrites(ctx.spec))
      return writes
    },
  }
}
