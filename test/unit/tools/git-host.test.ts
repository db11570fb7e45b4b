import { describe, expect, it } from 'vitest'
import { detectGitHost, registerDeployKey, type FetchLike } from '../../../bootstrap/tools/git-host.js'
import { Secret } from '../../../bootstrap/tools/secrets.js'
import { exitCodeOf, InterruptedError, type KindlingError } from '../../../bootstrap/engine/errors.js'

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl kindling-lab'

/** A scripted stand-in for a Git host's HTTP API (no real host is reachable from tests). */
function fakeHost(existing: unknown[], status = 201) {
  const calls: { url: string; method: string; headers: Record<string, string>; body?: string }[] = []
  const fetchImpl: FetchLike = async (url, init) => {
    calls.push({ url, ...init })
    const ok = init.method === 'GET' || status < 300
    return {
      ok,
      status: init.method === 'GET' ? 200 : status,
      json: async () => (init.method === 'GET' ? existing : {}),
      text: async () => '{"message":"Bad credentials"}',
    }
  }
  return { calls, fetchImpl }
}

describe('git host deploy keys', () => {
  it('detects the host API only when its token is in the environment', () => {
    expect(detectGitHost('git@github.com:me/lab.git', {})).toBeUndefined()
    expect(detectGitHost('git@github.com:me/lab.git', { GITHUB_TOKEN: 'x' })).toMatchObject({ kind: 'github', owner: 'me', repo: 'lab' })
    expect(detectGitHost('ssh://git@gitlab.com/group/sub/lab.git', { GITLAB_TOKEN: 'x' })).toMatchObject({ kind: 'gitlab', owner: 'group/sub', repo: 'lab' })
    expect(detectGitHost('ssh://git@git.home.lan:2222/me/lab.git', { GITEA_TOKEN: 'x' })).toMatchObject({
      kind: 'gitea',
      baseUrl: 'https://git.home.lan/api/v1',
    })
  })

  it('registers a read-only key on GitHub with the token in a header only', async () => {
    const host = detectGitHost('git@github.com:me/lab.git', { GITHUB_TOKEN: 'x' })!
    const { calls, fetchImpl } = fakeHost([])
    expect(await registerDeployKey(host, { title: 'kindling lab', publicKey: KEY }, new Secret('ghp_secret_token', 'GITHUB_TOKEN'), fetchImpl)).toBe('added')
    expect(calls.map((call) => `${call.method} ${call.url}`)).toEqual([
      'GET https://api.github.com/repos/me/lab/keys?per_page=100',
      'POST https://api.github.com/repos/me/lab/keys',
    ])
    expect(JSON.parse(calls[1]!.body!)).toEqual({ title: 'kindling lab', key: KEY, read_only: true })
    expect(calls[1]!.headers.Authorization).toBe('Bearer ghp_secret_token')
    expect(calls.some((call) => call.url.includes('ghp_'))).toBe(false)
  })

  it('uses can_push false on GitLab and leaves an existing key alone', async () => {
    const host = detectGitHost('ssh://git@gitlab.com/group/lab.git', { GITLAB_TOKEN: 'x' })!
    const fresh = fakeHost([])
    await registerDeployKey(host, { title: 't', publicKey: KEY }, new Secret('glpat-secret', 'GITLAB_TOKEN'), fresh.fetchImpl)
    expect(fresh.calls[1]!.url).toBe('https://gitlab.com/api/v4/projects/group%2Flab/deploy_keys')
    expect(JSON.parse(fresh.calls[1]!.body!)).toMatchObject({ can_push: false })
    const present = fakeHost([{ key: KEY.split(' ').slice(0, 2).join(' ') }])
    expect(await registerDeployKey(host, { title: 't', publicKey: KEY }, new Secret('glpat-secret', 'GITLAB_TOKEN'), present.fetchImpl)).toBe('present')
    expect(present.calls).toHaveLength(1)
  })

  it('reports a refused registration with status and hint, without the token', async () => {
    const host = detectGitHost('git@github.com:me/lab.git', { GITHUB_TOKEN: 'x' })!
    const { fetchImpl } = fakeHost([], 401)
    const error = await registerDeployKey(host, { title: 't', publicKey: KEY }, new Secret('ghp_secret_token', 'GITHUB_TOKEN'), fetchImpl).then(
      () => undefined,
      (e: unknown) => e as Error & { details: string[] },
    )
    expect(error?.message).toMatch(/HTTP 401/)
    expect(JSON.stringify([error?.message, error?.details])).not.toContain('ghp_secret_token')
  })

  it('gives up on a host that accepts the request and never answers, within its deadline, without the token', async () => {
    const host = detectGitHost('git@github.com:me/lab.git', { GITHUB_TOKEN: 'x' })!
    const seen: (AbortSignal | undefined)[] = []
    // A host behind a proxy that holds the connection open: no answer, whatever the signal says.
    const silent: FetchLike = (_url, init) => {
      seen.push(init.signal)
      return new Promise(() => {})
    }
    const started = Date.now()
    const outcome = registerDeployKey(host, { title: 't', publicKey: KEY }, new Secret('ghp_secret_token', 'GITHUB_TOKEN'), silent, undefined, 200).then(
      () => 'registered',
      (e: unknown) => e as Error,
    )
    const settled = await Promise.race([outcome, new Promise((resolve) => setTimeout(() => resolve('still waiting after 3 s'), 3000).unref())])
    expect(settled).toBeInstanceOf(Error)
    expect((settled as Error).message).toBe('GET https://api.github.com/repos/me/lab/keys?per_page=100: the Git host did not answer within 0.2 s')
    expect(JSON.stringify([(settled as Error).message, (settled as KindlingError).details])).not.toContain('ghp_secret_token')
    expect(Date.now() - started).toBeLessThan(2000)
    // The platform's fetch is told too, so it closes the connection instead of holding it.
    expect(seen[0]?.aborted).toBe(true)
  })

  it('gives up on an answer whose body never ends', async () => {
    const host = detectGitHost('git@github.com:me/lab.git', { GITHUB_TOKEN: 'x' })!
    const stalled: FetchLike = async () => ({ ok: true, status: 200, json: () => new Promise(() => {}), text: () => new Promise(() => {}) })
    const outcome = registerDeployKey(host, { title: 't', publicKey: KEY }, new Secret('ghp_secret_token', 'GITHUB_TOKEN'), stalled, undefined, 200).then(
      () => 'registered',
      (e: unknown) => e as Error,
    )
    const settled = await Promise.race([outcome, new Promise((resolve) => setTimeout(() => resolve('still waiting after 3 s'), 3000).unref())])
    expect((settled as Error).message).toMatch(/did not answer within/)
  })

  it('stops at once when the run is stopped, as an interrupt', async () => {
    const host = detectGitHost('git@github.com:me/lab.git', { GITHUB_TOKEN: 'x' })!
    const run = new AbortController()
    const silent: FetchLike = () => new Promise(() => {})
    const outcome = registerDeployKey(host, { title: 't', publicKey: KEY }, new Secret('ghp_secret_token', 'GITHUB_TOKEN'), silent, run.signal).then(
      () => 'registered',
      (e: unknown) => e as Error,
    )
    run.abort(new InterruptedError('interrupted', 'SIGTERM'))
    const settled = await Promise.race([outcome, new Promise((resolve) => setTimeout(() => resolve('still waiting after 3 s'), 3000).unref())])
    expect(settled).toBeInstanceOf(InterruptedError)
    expect(exitCodeOf(settled)).toBe(143)
  })
})
