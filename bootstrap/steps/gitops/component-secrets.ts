import { randomBytes } from 'node:crypto'
import type { GeneratedSecret, SecretValue } from '../../components/component.js'
import { enabledComponents } from '../../components/registry.js'
import { PrerequisiteError } from '../../engine/errors.js'
import type { Action, CheckResult, Step, StepContext } from '../../engine/step.js'
import type { KubeObject } from '../../kube/client.js'
import { MANAGED_BY } from '../../render/labels.js'
import { variableInMessage } from '../../spec/quoting.js'
import type { ClusterSpec } from '../../spec/load.js'
import { Secret } from '../../tools/secrets.js'
import { addSummary } from '../summary.js'

/** A Secret to write, and why. */
interface Pending {
  secret: GeneratedSecret
  /** Values kept from the live Secret (generated before), by key. */
  live: Record<string, string>
  why: string
  /** A value the component may already have read differs from what the Secret holds. */
  changed: boolean
}

function secretsOf(spec: ClusterSpec): GeneratedSecret[] {
  return enabledComponents(spec).flatMap((component) => component.secrets ?? [])
}

/** An environment variable the spec names for a value of a component Secret, with the field that names it. */
export interface SecretVariable {
  name: string
  holds: string
  field?: string
}

/** Every environment variable the enabled components read into their Secrets. */
export function secretVariables(spec: ClusterSpec): SecretVariable[] {
  return secretsOf(spec).flatMap((secret) =>
    Object.entries(secret.data).flatMap(([key, value]) =>
      'generate' in value && value.fromEnv
        ? [{ name: value.fromEnv, holds: `${key} of Secret ${secret.namespace}/${secret.name}`, ...(value.envField ? { field: value.envField } : {}) }]
        : [],
    ),
  )
}

/**
 * The environment variables the spec names for component Secrets that are not set, with what each
 * holds: the preflight reports them before anything is created, not once the cluster exists.
 */
export function unsetSecretVariables(spec: ClusterSpec, env: NodeJS.ProcessEnv): SecretVariable[] {
  return secretVariables(spec).filter((variable) => !env[variable.name])
}

/** A value from the environment, or undefined; a named variable that is unset is an error, not a silent fallback. */
function fromEnv(ctx: StepContext, value: SecretValue, key: string, secret: GeneratedSecret): string | undefined {
  if (!('generate' in value) || !value.fromEnv) return undefined
  const found = ctx.env[value.fromEnv]
  if (!found)
    throw new PrerequisiteError(`environment variable ${variableInMessage(value.fromEnv, value.envField ?? 'cluster.yaml')} is not set`, {
      details: [`it holds ${key} of Secret ${secret.namespace}/${secret.name}; set it, or remove the variable's name from cluster.yaml to have one generated`],
    })
  ctx.secrets.add(found)
  return found
}

async function liveData(ctx: StepContext, secret: GeneratedSecret): Promise<Record<string, string> | undefined> {
  const live = await (await ctx.kube()).get({ apiVersion: 'v1', kind: 'Secret', name: secret.name, namespace: secret.namespace })
  if (!live) return undefined
  const data = Object.fromEntries(
    Object.entries((live.data ?? {}) as Record<string, string>).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]),
  )
  for (const value of Object.values(data)) ctx.secrets.add(value)
  return data
}

async function findPending(ctx: StepContext, secrets: readonly GeneratedSecret[]): Promise<Pending[]> {
  const pending: Pending[] = []
  for (const secret of secrets) {
    const live = await liveData(ctx, secret)
    const missing = Object.keys(secret.data).filter((key) => live?.[key] === undefined)
    const changed = Object.entries(secret.data).filter(([key, value]) => {
      const wanted = 'literal' in value ? value.literal : fromEnv(ctx, value, key, secret)
      return wanted !== undefined && live?.[key] !== undefined && live[key] !== wanted
    })
    if (!live) pending.push({ secret, live: {}, why: 'missing', changed: false })
    else if (missing.length || changed.length)
      pending.push({
        secret,
        live,
        why: [...missing.map((key) => `${key} missing`), ...changed.map(([key]) => `${key} differs`)].join(', '),
        changed: changed.length > 0,
      })
  }
  return pending
}

/** The Secret with every value: literal, from the environment, kept from the live one, else freshly generated. */
function renderSecret(ctx: StepContext, pending: Pending): KubeObject {
  const { secret } = pending
  const stringData: Record<string, string | Secret> = {}
  for (const [key, value] of Object.entries(secret.data)) {
    if ('literal' in value) {
      stringData[key] = value.literal
      continue
    }
    const chosen = fromEnv(ctx, value, key, secret) ?? pending.live[key] ?? randomBytes(value.generate).toString('base64url').slice(0, value.generate)
    ctx.secrets.add(chosen)
    stringData[key] = new Secret(chosen, `${secret.name}/${key}`)
  }
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: secret.name, namespace: secret.namespace, labels: { ...MANAGED_BY } },
    type: 'Opaque',
    stringData,
  }
}

async function checkSecrets(ctx: StepContext, all: readonly GeneratedSecret[]): Promise<CheckResult<Pending[]>> {
  if (all.length === 0) return { state: 'done', verdict: 'not needed', detail: 'no component needs a Secret', found: [] }
  const pending = await findPending(ctx, all)
  if (pending.length === 0) return { state: 'done', detail: `${all.map((secret) => `${secret.namespace}/${secret.name}`).join(', ')} in place`, found: [] }
  return {
    state: 'todo',
    detail: pending.map((entry) => `Secret ${entry.secret.namespace}/${entry.secret.name}: ${entry.why}`).join('; '),
    did: `applied ${pending.map((entry) => `Secret ${entry.secret.namespace}/${entry.secret.name}`).join(', ')}`,
    found: pending,
  }
}

function planSecrets(ctx: StepContext, all: readonly GeneratedSecret[], found?: Pending[]): Action[] {
  // Without what check found (a dry run before the cluster exists), every Secret is planned as new.
  const pending = found ?? all.map((secret): Pending => ({ secret, live: {}, why: 'not checked', changed: false }))
  return pending.flatMap((entry): Action[] => [
    {
      type: 'apply',
      // The namespace first: the Secret must exist before the chart that reads it is installed.
      objects: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: entry.secret.namespace } }, renderSecret(ctx, entry)],
      description: `Secret ${entry.secret.namespace}/${entry.secret.name} (${entry.why}; generated here, never written to Git)`,
    },
    // A value changed in a Secret the component has already read: say what the change does not do by itself.
    ...(entry.secret.afterChange && entry.changed ? [afterChangeNote(entry.secret.afterChange)] : []),
  ])
}

/** Shown in the plan, and at the end of the run with what runs where. */
function afterChangeNote(text: string): Action {
  return { type: 'call', description: text, run: async (ctx) => addSummary(ctx, `⚠ ${text}`) }
}

/**
 * Step `component-secrets`: the Secrets components read that must not be in Git (Grafana's admin
 * password), made in the cluster once and kept; a re-run changes nothing.
 */
export function componentSecretsStep(spec: ClusterSpec, secrets: readonly GeneratedSecret[] = secretsOf(spec)): Step<Pending[]> {
  return {
    name: 'component-secrets',
    title: 'Create the Secrets components read',
    needs: ['cluster'],
    check: (ctx) => checkSecrets(ctx, secrets),
    plan: (ctx, found) => planSecrets(ctx, secrets, found),
  }
}
