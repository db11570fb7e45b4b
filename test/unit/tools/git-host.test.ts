import { describe, expect, it } from 'vitest'
import { detectGitHost, registerDeployKey, type FetchLike } from '../../../bootstrap/tools/git-host.js'
import { Secret } from '../../../bootstrap/tools/secrets.js'

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
})
