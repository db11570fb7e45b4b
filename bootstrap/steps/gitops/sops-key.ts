import { chmod, mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { Action, CheckResult, Step, StepContext } from '../../engine/step.js'
import { PrerequisiteError } from '../../engine/errors.js'
import { engineOf } from '../../engines/index.js'
import { renderSopsConfig, renderSopsSecret, SOPS_CONFIG, sopsRecipientInRepo } from '../../render/secrets.js'
import type { ClusterSpec } from '../../spec/load.js'
import { ageKeygenCommand, assertOutsideRepo, isKeyFileExposed, type AgeKey } from '../../tools/age.js'
import { readSpecAgeKey } from '../spec-files.js'
import { addSummary } from '../summary.js'
import { readRepoFile } from './repo.js'

async function loadKey(ctx: StepContext): Promise<AgeKey | undefined> {
  const key = await readSpecAgeKey(ctx.spec)
  if (key) {
    ctx.secrets.add(key.secretKey)
    ctx.secrets.add(key.contents)
  }
  return key
}

/**
 * The key Git's secrets are encrypted for, when the spec's key file does not hold it: on new
 * hardware the key file is usually missing, and generating a fresh one would leave every existing
 * *.sops.yaml undecryptable. Preflight asks it before anything is made; the step asks again.
 */
export function ageKeyMismatch(spec: ClusterSpec, key: AgeKey | undefined, sopsConfig: string | undefined): { problem: string; fixes: string[] } | undefined {
  const inRepo = sopsRecipientInRepo(spec, sopsConfig)
  if (
    !inRepo ||
    inRepo
      .split(',')
      .map((r) => r.trim())
      .includes(key?.recipient ?? '')
  )
    return undefined
  const file = spec.secrets.sops.ageKeyFile
  return {
    problem: key
      ? `${file} holds a different age key than the one ${SOPS_CONFIG} encrypts ${spec.repository.path}/ for`
      : `no age key at ${file}, but ${SOPS_CONFIG} encrypts ${spec.repository.path}/ for ${inRepo}`,
    fixes: [
      `restore the key for ${inRepo} from your backup to ${file} (mode 600), then run again`,
      `only if that key is lost for good: remove this cluster's rule from ${SOPS_CONFIG} and re-create the encrypted secrets; kindling will then generate a new key`,
    ],
  }
}

/** Refuse to replace the key Git's secrets are encrypted for. */
function assertSameKey(spec: ClusterSpec, key: AgeKey | undefined, sopsConfig: string | undefined): void {
  const mismatch = ageKeyMismatch(spec, key, sopsConfig)
  if (mismatch) throw new PrerequisiteError(mismatch.problem, { details: mismatch.fixes })
}

function backupWarning(spec: ClusterSpec): string {
  return `BACK UP ${spec.secrets.sops.ageKeyFile} (e.g. in a password manager): it is the one thing outside Git needed to rebuild this cluster; without it the encrypted secrets in ${spec.repository.path}/ are lost`
}

async function checkSops(ctx: StepContext): Promise<CheckResult> {
  const { spec } = ctx
  assertOutsideRepo(spec.secrets.sops.ageKeyFile, spec.repoRoot)
  const key = await loadKey(ctx)
  const existing = await readRepoFile(spec, SOPS_CONFIG)
  assertSameKey(spec, key, existing)
  const ref = engineOf(spec).sopsSecretRef(spec)
  if (!key)
    return {
      state: 'todo',
      detail: `no age key at ${spec.secrets.sops.ageKeyFile}: one will be generated`,
      did: `generated the age key ${spec.secrets.sops.ageKeyFile}, wrote ${SOPS_CONFIG} for it and loaded it as Secret ${ref.namespace}/${ref.name}`,
    }
  const loaded = `age key ${key.recipient.slice(0, 12)}… loaded as Secret ${ref.namespace}/${ref.name}`
  // The plan makes the key file private, writes the rule and applies the Secret, whichever of them was missing.
  if (await isKeyFileExposed(key.file))
    return { state: 'todo', detail: `${key.file} is readable by other users`, did: `made ${key.file} readable by you alone; ${loaded}` }
  if (renderSopsConfig(spec, key.recipient, existing) !== existing)
    return {
      state: 'todo',
      detail: `${SOPS_CONFIG} has no rule for ${spec.repository.path}/ with this key`,
      did: `wrote the rule in ${SOPS_CONFIG}; ${loaded}`,
    }
  const live = await (await ctx.kube()).get({ apiVersion: 'v1', kind: 'Secret', name: ref.name, namespace: ref.namespace })
  const liveKey = (live?.data as Record<string, string> | undefined)?.[ref.key]
  if (!liveKey || Buffer.from(liveKey, 'base64').toString('utf8') !== key.contents.reveal())
    return { state: 'todo', detail: `Secret ${ref.namespace}/${ref.name} to write`, did: loaded }
  return { state: 'done', detail: loaded }
}

async function planSops(ctx: StepContext): Promise<Action[]> {
  const { spec } = ctx
  const file = spec.secrets.sops.ageKeyFile
  assertOutsideRepo(file, spec.repoRoot)
  const key = await loadKey(ctx)
  assertSameKey(spec, key, await readRepoFile(spec, SOPS_CONFIG))
  const ref = engineOf(spec).sopsSecretRef(spec)
  const sopsConfig = path.join(spec.repoRoot, SOPS_CONFIG)
  const actions: Action[] = []
  if (!key) {
    actions.push(
      {
        type: 'call',
        description: `create ${path.dirname(file)} (mode 700, outside the repository)`,
        run: async () => void (await mkdir(path.dirname(file), { recursive: true, mode: 0o700 })),
      },
      { type: 'run', command: ageKeygenCommand(file), description: 'generate the age key' },
    )
  }
  actions.push({ type: 'call', description: `chmod 600 ${file}`, run: async () => chmod(file, 0o600) })
  if (key) {
    const existing = await readRepoFile(spec, SOPS_CONFIG)
    const content = renderSopsConfig(spec, key.recipient, existing)
    if (content !== existing) actions.push({ type: 'write-file', path: sopsConfig, content, description: 'SOPS creation rule' })
  } else {
    actions.push({
      type: 'call',
      description: `write ${SOPS_CONFIG}: encrypt ${spec.repository.path}/*.sops.yaml (data, stringData) for the new key`,
      run: async (inner) => {
        const created = await loadKey(inner)
        if (!created) throw new Error(`age-keygen did not write ${file}`)
        await writeFile(sopsConfig, renderSopsConfig(inner.spec, created.recipient, await readRepoFile(inner.spec, SOPS_CONFIG)))
        inner.log(`${SOPS_CONFIG}: age recipient ${created.recipient}`)
      },
    })
  }
  actions.push(
    {
      type: 'call',
      description: `apply Secret ${ref.namespace}/${ref.name} (key ${ref.key}) with the age key, for the engine to decrypt`,
      run: async (inner) => {
        const loaded = await loadKey(inner)
        if (!loaded) throw new Error(`no age key at ${file}`)
        const result = await (await inner.kube()).apply(renderSopsSecret(ref, loaded.contents))
        inner.log(`${result.ref}: ${result.outcome}`)
      },
    },
    { type: 'note', text: `⚠ ${backupWarning(spec)}` },
  )
  return actions
}

/** Step `sops-key`: an age key outside the repository, `.sops.yaml`, and the key in the cluster. */
export function sopsKeyStep(_spec: ClusterSpec): Step {
  return {
    name: 'sops-key',
    title: 'Load the SOPS age key into the cluster',
    needs: ['engine'],
    check: checkSops,
    plan: planSops,
    // Not a health check: the reminder belongs in every summary, changed or not.
    verify: async (ctx) => addSummary(ctx, `⚠ ${backupWarning(ctx.spec)}`),
  }
}
