import { chmod, mkdir } from 'node:fs/promises'
import path from 'node:path'
import { parse } from 'yaml'
import { BadInputError } from '../../engine/errors.js'
import type { Action, CheckResult, Step, StepContext } from '../../engine/step.js'
import { ARGOCD_KNOWN_SSH_HOSTS } from '../../render/argocd.js'
import { engineOf } from '../../engines/index.js'
import type { RepoCredentials } from '../../render/secrets.js'
import type { ClusterSpec } from '../../spec/load.js'
import { parseGitUrl, sshKeygenCommand, sshKeyscanCommand, sshPublicKeyCommand } from '../../tools/git.js'
import { deployKeySettingsHint, detectGitHost, registerDeployKey } from '../../tools/git-host.js'
import { readFileIfExists, UnusableFileError } from '../../tools/files.js'
import { Secret } from '../../tools/secrets.js'
import { assertNotForeign } from '../ownership.js'
import { addSummary } from '../summary.js'
import { deployKeyFile, deployKeyRole, readDeployKey, readKnownHosts } from '../spec-files.js'
import { readRepoFile, requireHttpsToken } from './repo.js'

/** The live Secret's data, decoded, to compare with what the engine should have. */
async function liveSecretData(ctx: StepContext): Promise<Record<string, string> | undefined> {
  const ref = engineOf(ctx.spec).repoSecretRef(ctx.spec)
  const live = await (await ctx.kube()).get({ apiVersion: 'v1', kind: 'Secret', ...ref })
  if (!live) return undefined
  const data = (live.data ?? {}) as Record<string, string>
  return Object.fromEntries(Object.entries(data).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]))
}

async function readPrivateKey(ctx: StepContext): Promise<Secret | undefined> {
  const value = await readDeployKey(ctx.spec)
  if (value === undefined) return undefined
  ctx.secrets.add(value)
  return new Secret(value, 'deploy key')
}

/** known_hosts for the repository's host: the spec's file, else what the host presents now. */
async function knownHosts(ctx: StepContext): Promise<string> {
  const auth = ctx.spec.repository.auth
  if (auth.type === 'ssh' && auth.knownHostsFile) return readKnownHosts(ctx.spec, auth.knownHostsFile)
  const result = await ctx.runner.run(sshKeyscanCommand(ctx.spec.repository.url), { signal: ctx.signal })
  const lines = result.stdout.split('\n').filter((line) => line.trim() && !line.startsWith('#'))
  if (lines.length === 0)
    throw new BadInputError(`ssh-keyscan found no host keys for ${ctx.spec.repository.url}`, {
      details: ['set repository.auth.knownHostsFile to a known_hosts file for the host'],
    })
  return `${lines.join('\n')}\n`
}

/**
 * Argo CD checks the Git host's SSH key against its own known hosts (a ConfigMap the chart fills
 * from configs.ssh), not the Secret: a host outside the chart's list must be in the values file,
 * or every sync fails with "knownhosts: key is unknown". Stops with the exact lines to add.
 */
async function assertArgoKnowsHost(ctx: StepContext): Promise<void> {
  const { spec } = ctx
  if (engineOf(spec).sshKnownHostsIn !== 'values' || spec.repository.auth.type !== 'ssh') return
  const { host, port } = parseGitUrl(spec.repository.url)
  const entry = port && port !== 22 ? `[${host}]:${port}` : host
  if (!port && ARGOCD_KNOWN_SSH_HOSTS.includes(host)) return
  const valuesFile = engineOf(spec).valuesFile(spec)
  const values = parse((await readRepoFile(spec, valuesFile)) ?? '') as { configs?: { ssh?: { extraHosts?: string } } } | null
  const extra = values?.configs?.ssh?.extraHosts ?? ''
  if (extra.split('\n').some((line) => line.trim().split(/\s+/)[0]?.split(',').includes(entry))) return
  const lines = (await knownHosts(ctx)).trimEnd().split('\n')
  throw new BadInputError(`Argo CD does not know the SSH host key of ${entry}`, {
    details: [
      `add these lines to ${valuesFile} under configs.ssh.extraHosts, commit and push, then run again:`,
      'configs:',
      '  ssh:',
      '    extraHosts: |',
      ...lines.map((line) => `      ${line}`),
    ],
  })
}

async function checkCredentials(ctx: StepContext): Promise<CheckResult> {
  const auth = ctx.spec.repository.auth
  if (auth.type === 'none') {
    const why = ctx.spec.repository.inCluster
      ? 'the in-cluster Git server lets the engine read without credentials'
      : 'public repository: the engine reads it without credentials'
    return { state: 'done', verdict: 'not needed', detail: why }
  }
  const engine = engineOf(ctx.spec)
  const ref = engine.repoSecretRef(ctx.spec)
  await assertNotForeign(await ctx.kube(), [{ apiVersion: 'v1', kind: 'Secret', ...ref }], ctx.spec.name)
  await assertArgoKnowsHost(ctx)
  if (auth.type === 'https') {
    const token = requireHttpsToken(ctx)
    const live = await liveSecretData(ctx)
    const same = engine.repoSecretMatches(ctx.spec, live, { type: 'https', username: auth.username, token })
    return same
      ? { state: 'done', detail: `Secret ${ref.namespace}/${ref.name} holds the token from ${auth.tokenEnv}` }
      : {
          state: 'todo',
          detail: `Secret ${ref.namespace}/${ref.name} to write`,
          did: `applied Secret ${ref.namespace}/${ref.name} with the token from ${auth.tokenEnv}`,
        }
  }
  const file = deployKeyFile(ctx.spec)
  const key = await readPrivateKey(ctx)
  if (!key)
    return {
      state: 'todo',
      detail: `no deploy key at ${file}: one will be generated`,
      did: `generated the deploy key ${file} and applied Secret ${ref.namespace}/${ref.name} with it`,
    }
  const live = await liveSecretData(ctx)
  return engine.repoSecretMatches(ctx.spec, live, { type: 'ssh', privateKey: key })
    ? { state: 'done', detail: `Secret ${ref.namespace}/${ref.name} holds the deploy key ${file}` }
    : { state: 'todo', detail: `Secret ${ref.namespace}/${ref.name} to write`, did: `applied Secret ${ref.namespace}/${ref.name} with the deploy key ${file}` }
}

async function planCredentials(ctx: StepContext): Promise<Action[]> {
  const { spec } = ctx
  const auth = spec.repository.auth
  if (auth.type === 'none') return []
  const engine = engineOf(spec)
  if (auth.type === 'https') {
    const token = requireHttpsToken(ctx)
    const secret = engine.renderRepoSecret(spec, { type: 'https', username: auth.username, token })
    return [{ type: 'apply', objects: [secret], description: `repository token from $${auth.tokenEnv} (read-only use)` }]
  }
  const file = deployKeyFile(spec)
  const actions: Action[] = []
  if (!(await readPrivateKey(ctx))) {
    if (auth.privateKeyFile) throw new UnusableFileError(file, 'does not exist', deployKeyRole(spec))
    actions.push(
      {
        type: 'call',
        description: `create ${path.dirname(file)} (mode 700)`,
        run: async () => void (await mkdir(path.dirname(file), { recursive: true, mode: 0o700 })),
      },
      { type: 'run', command: sshKeygenCommand(file, `kindling-${spec.name}`), description: 'generate an ed25519 deploy key' },
    )
  }
  actions.push({
    type: 'call',
    description: `apply Secret ${engine.repoSecretRef(spec).namespace}/${engine.repoSecretRef(spec).name} with the deploy key ${file} and the host's known_hosts`,
    run: async (inner) => {
      const privateKey = await readPrivateKey(inner)
      if (!privateKey) throw new BadInputError(`deploy key ${file} is missing`)
      await chmod(file, 0o600)
      const credentials: RepoCredentials = { type: 'ssh', privateKey, knownHosts: await knownHosts(inner) }
      const result = await (await inner.kube()).apply(engine.renderRepoSecret(inner.spec, credentials))
      inner.log(`${result.ref}: ${result.outcome}`)
    },
  })
  actions.push(deployKeyAction(spec, file, ctx.env))
  return actions
}

/** The public half of a deploy key: its .pub file, or derived from the key when there is none. */
async function publicKeyOf(ctx: StepContext, file: string): Promise<string> {
  // A .pub that is no file is no reason to stop: the public half is derived from the key instead.
  const written = await readFileIfExists(`${file}.pub`).catch((error: unknown) => {
    if (error instanceof UnusableFileError) return undefined
    throw error
  })
  if (written?.trim()) return written.trim()
  return (await ctx.runner.run(sshPublicKeyCommand(file), { signal: ctx.signal })).stdout.trim()
}

/** Print the public key and where it goes; with a host token in the environment, register it read-only. */
function deployKeyAction(spec: ClusterSpec, file: string, env: NodeJS.ProcessEnv): Action {
  const host = detectGitHost(spec.repository.url, env)
  return {
    type: 'call',
    description: host
      ? `register ${file}.pub as a read-only deploy key through the ${host.kind} API (token from $${host.tokenEnv})`
      : `print ${file}.pub: add it as a read-only deploy key at ${deployKeySettingsHint(spec.repository.url)}`,
    run: async (ctx) => {
      const publicKey = await publicKeyOf(ctx, file)
      ctx.log(`deploy key (public): ${publicKey}`)
      if (!host) {
        ctx.log(`add it as a read-only deploy key: ${deployKeySettingsHint(spec.repository.url)}`)
        addSummary(ctx, `Deploy key: add ${file}.pub (read-only) at ${deployKeySettingsHint(spec.repository.url)}`)
        return
      }
      const token = ctx.env[host.tokenEnv]!
      ctx.secrets.add(token)
      const outcome = await registerDeployKey(host, { title: `kindling ${spec.name}`, publicKey }, new Secret(token, host.tokenEnv), ctx.fetch, ctx.signal)
      ctx.log(`deploy key ${outcome === 'added' ? 'registered (read-only)' : 'already registered'} on ${host.owner}/${host.repo}`)
    },
  }
}

/** Step `repo-credentials`: the engine's read access to the repository (none, SSH deploy key, HTTPS token). */
export function repoCredentialsStep(_spec: ClusterSpec): Step {
  return {
    name: 'repo-credentials',
    title: 'Give the engine read access to the repository',
    needs: ['engine'],
    check: checkCredentials,
    plan: planCredentials,
  }
}
