import { KindlingError, stoppedError } from '../engine/errors.js'
import { parseGitUrl } from './git.js'
import type { Secret } from './secrets.js'

/** A Git host whose API can register a read-only deploy key. */
export interface GitHostApi {
  kind: 'github' | 'gitlab' | 'gitea'
  /** The environment variable the token is read from. */
  tokenEnv: string
  baseUrl: string
  owner: string
  repo: string
}

export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string; signal?: AbortSignal },
) => Promise<{ ok: boolean; status: number; json(): Promise<unknown>; text(): Promise<string> }>

/**
 * How long one request to a Git host's API may take, its answer read in full: a host (or a proxy
 * before it) that accepts the connection and never answers would otherwise hold the step until
 * the run is stopped by hand, since only --timeout puts a deadline on the run's own signal.
 */
export const HOST_REQUEST_TIMEOUT_MS = 30_000

/** The platform's fetch, looked up at each call (so a test that replaces the global is still heard). */
export const platformFetch: FetchLike = (url, init) => (globalThis.fetch as unknown as FetchLike)(url, init)

/**
 * Which host API a repository URL belongs to, and which token variable is set for it: GitHub
 * (GITHUB_TOKEN), GitLab (GITLAB_TOKEN), Gitea/Forgejo (GITEA_TOKEN, any other host). Undefined when
 * no token is in the environment: the user adds the key by hand.
 */
export function detectGitHost(url: string, env: NodeJS.ProcessEnv): GitHostApi | undefined {
  const found = repositoryOwner(url)
  if (!found) return undefined
  const { host, owner, repo } = found
  if (host === 'github.com') return env.GITHUB_TOKEN ? { kind: 'github', tokenEnv: 'GITHUB_TOKEN', baseUrl: 'https://api.github.com', owner, repo } : undefined
  if (host === 'gitlab.com' || host.startsWith('gitlab.'))
    return env.GITLAB_TOKEN ? { kind: 'gitlab', tokenEnv: 'GITLAB_TOKEN', baseUrl: `https://${host}/api/v4`, owner, repo } : undefined
  return env.GITEA_TOKEN ? { kind: 'gitea', tokenEnv: 'GITEA_TOKEN', baseUrl: `https://${host}/api/v1`, owner, repo } : undefined
}

/** Host, owner (a GitLab group path included) and repository name of a Git URL; undefined when it names no owner. */
export function repositoryOwner(url: string): { host: string; owner: string; repo: string } | undefined {
  const { host, path } = parseGitUrl(url)
  const parts = path
    .replace(/\.git$/, '')
    .split('/')
    .filter(Boolean)
  if (parts.length < 2) return undefined
  const repo = parts.pop()!
  return { host, owner: parts.join('/'), repo }
}

/** Where a person adds a deploy key by hand, for the message printed with the public key. */
export function deployKeySettingsHint(url: string): string {
  const { host, path } = parseGitUrl(url)
  const project = path.replace(/\.git$/, '')
  if (host === 'github.com') return `https://github.com/${project}/settings/keys (Add deploy key, leave "Allow write access" off)`
  if (host === 'gitlab.com' || host.startsWith('gitlab.')) return `https://${host}/${project}/-/settings/repository (Deploy keys, without write access)`
  return `the repository's deploy key settings on ${host} (read-only)`
}

/**
 * Register a public key as a read-only deploy key, unless the same key is already there. The token
 * goes only into a request header; errors carry the status and the host's message, never the token.
 */
export async function registerDeployKey(
  api: GitHostApi,
  key: { title: string; publicKey: string },
  token: Secret,
  fetchImpl: FetchLike,
  signal?: AbortSignal,
  timeoutMs = HOST_REQUEST_TIMEOUT_MS,
): Promise<'added' | 'present'> {
  const endpoint = keysEndpoint(api)
  const headers = authHeaders(api, token)
  const bounds = { signal, timeoutMs }
  // One large page: the default (30 on GitHub) can hide the key, and posting it again is refused.
  const page = api.kind === 'gitea' ? 'limit=50' : 'per_page=100'
  const existing = await request(fetchImpl, 'GET', `${endpoint}?${page}`, headers, undefined, bounds)
  const wanted = keyBody(key.publicKey)
  if (Array.isArray(existing) && existing.some((entry) => keyBody(String((entry as { key?: unknown }).key ?? '')) === wanted)) return 'present'
  const body = api.kind === 'gitlab' ? { title: key.title, key: key.publicKey, can_push: false } : { title: key.title, key: key.publicKey, read_only: true }
  await request(fetchImpl, 'POST', endpoint, { ...headers, 'Content-Type': 'application/json' }, JSON.stringify(body), bounds)
  return 'added'
}

function keysEndpoint(api: GitHostApi): string {
  switch (api.kind) {
    case 'github':
      return `${api.baseUrl}/repos/${api.owner}/${api.repo}/keys`
    case 'gitea':
      return `${api.baseUrl}/repos/${api.owner}/${api.repo}/keys`
    case 'gitlab':
      return `${api.baseUrl}/projects/${encodeURIComponent(`${api.owner}/${api.repo}`)}/deploy_keys`
  }
}

function authHeaders(api: GitHostApi, token: Secret): Record<string, string> {
  switch (api.kind) {
    case 'github':
      return { Authorization: `Bearer ${token.reveal()}`, Accept: 'application/vnd.github+json', 'X-GitHub-Api-Version': '2022-11-28' }
    case 'gitea':
      return { Authorization: `token ${token.reveal()}`, Accept: 'application/json' }
    case 'gitlab':
      return { 'PRIVATE-TOKEN': token.reveal(), Accept: 'application/json' }
  }
}

/** "ssh-ed25519 AAAA…" without the comment, so the same key matches whatever its title. */
function keyBody(publicKey: string): string {
  return publicKey.trim().split(/\s+/).slice(0, 2).join(' ')
}

async function request(
  fetchImpl: FetchLike,
  method: string,
  url: string,
  headers: Record<string, string>,
  body: string | undefined,
  bounds: { signal?: AbortSignal; timeoutMs: number },
): Promise<unknown> {
  // The request and the reading of its answer share one deadline; the run's stop ends either at once.
  const deadline = AbortSignal.timeout(bounds.timeoutMs)
  const signal = bounds.signal ? AbortSignal.any([bounds.signal, deadline]) : deadline
  const cutShort = (cause: unknown): Error => {
    if (bounds.signal?.aborted) return stoppedError(bounds.signal, `${method} ${url}`)
    if (deadline.aborted)
      return new KindlingError(`${method} ${url}: the Git host did not answer within ${Math.round(bounds.timeoutMs / 100) / 10} s`, { cause })
    return new KindlingError(`${method} ${url}: the Git host did not answer`, { cause })
  }
  let response: Awaited<ReturnType<FetchLike>>
  try {
    response = await untilAborted(fetchImpl(url, { method, headers, body, signal }), signal)
  } catch (cause) {
    throw cutShort(cause)
  }
  if (!response.ok) {
    const text = (await untilAborted(response.text(), signal).catch(() => '')).slice(0, 300)
    throw new KindlingError(`${method} ${url}: HTTP ${response.status}`, {
      details: [
        text || 'no message',
        response.status === 401 || response.status === 403 ? 'the token needs admin (GitHub/Gitea) or Maintainer (GitLab) rights on the repository' : '',
      ].filter(Boolean),
    })
  }
  try {
    return await untilAborted(response.json(), signal)
  } catch (cause) {
    if (signal.aborted) throw cutShort(cause)
    throw cause
  }
}

/**
 * `work`, or the signal's reason once it fires, whichever comes first: a fetch implementation (or a
 * body being read) that does not listen to the signal still cannot hold the step.
 */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error)
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error)
    signal.addEventListener('abort', onAbort, { once: true })
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}
