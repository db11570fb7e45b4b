import { describe, expect, it } from 'vitest'
import { exitCodeOf } from '../../../bootstrap/engine/errors.js'
import { formatError } from '../../../bootstrap/ui/format.js'
import { looksLikeToken, redactUrlCredentials, urlCredentials } from '../../../bootstrap/spec/credentials.js'
import { parseClusterSpec } from '../../../bootstrap/spec/load.js'
import { Redactor } from '../../../bootstrap/tools/secrets.js'
import { specText } from '../support/context.js'

const SENTINEL = 'S3CR3Tsentinel0123456789'

function refusal(repository: string): { code: number; text: string } {
  try {
    parseClusterSpec(specText({ repository }), '/repo/clusters/lab/cluster.yaml', '/repo', 'lab')
  } catch (error) {
    return { code: exitCodeOf(error), text: formatError(error, (line) => line).join('\n') }
  }
  throw new Error('the spec was accepted')
}

describe('credentials in the spec', () => {
  it.each([
    [`url: https://user:${SENTINEL}@github.com/a/b.git`, 'repository.url'],
    [`url: https://${SENTINEL}@github.com/a/b.git`, 'repository.url'],
    [`url: https://user:${SENTINEL}@github.com/a/b.git\nauth:\n  type: https\n  tokenEnv: GITHUB_TOKEN`, 'repository.url'],
    [`url: ssh://git:${SENTINEL}@host/a/b.git\nauth:\n  type: ssh`, 'repository.url'],
    [`url: https://github.com/a/b.git\nauth:\n  type: https\n  tokenEnv: ghp_${SENTINEL}`, 'repository.auth.tokenEnv'],
    [`url: https://github.com/a/b.git\nauth:\n  type: https\n  tokenEnv: Ab${SENTINEL}xyz`, 'repository.auth.tokenEnv'],
  ])('refuses %s with exit 2, says where credentials go, and never repeats them', (repository, path) => {
    const { code, text } = refusal(repository)
    expect(code).toBe(2)
    expect(text).toContain(path)
    expect(text).toMatch(/environment variable/)
    expect(text).not.toContain(SENTINEL)
  })

  it('accepts SSH users, token variable names and plain URLs', () => {
    expect(urlCredentials('ssh://git@github.com/a/b.git')).toBeUndefined()
    expect(urlCredentials('git@github.com:a/b.git')).toBeUndefined()
    expect(urlCredentials('https://github.com/a/b.git')).toBeUndefined()
    for (const name of ['GITHUB_TOKEN', 'GITLAB_TOKEN', 'LAB_TOKEN', 'KINDLING_REPO_TOKEN_FOR_HOMELAB_2']) expect(looksLikeToken(name)).toBe(false)
  })

  it('masks URL userinfo in any text, even when nobody registered it as a secret', () => {
    expect(redactUrlCredentials(`fatal: cannot read https://user:${SENTINEL}@github.com/a/b.git`)).toBe('fatal: cannot read https://***@github.com/a/b.git')
    expect(redactUrlCredentials(`https://${SENTINEL}@gitlab.com/x`)).toBe('https://***@gitlab.com/x')
    expect(redactUrlCredentials(`ssh://git:${SENTINEL}@host/x and ssh://git@host/y`)).toBe('ssh://git:***@host/x and ssh://git@host/y')
    expect(new Redactor().redact(`{"url":"https://u:${SENTINEL}@h/r"}`)).toBe('{"url":"https://***@h/r"}')
  })

  it('reads an alias bomb as bad input (exit 2), not a crash', () => {
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]']
    for (const [index, name] of ['b', 'c', 'd', 'e', 'f', 'g'].entries()) {
      const previous = 'abcdefg'[index]
      levels.push(`${name}: &${name} [${Array(10).fill(`*${previous}`).join(',')}]`)
    }
    let error: unknown
    try {
      parseClusterSpec(levels.join('\n'), '/repo/clusters/lab/cluster.yaml', '/repo', 'lab')
    } catch (caught) {
      error = caught
    }
    expect(exitCodeOf(error)).toBe(2)
    expect(formatError(error, (line) => line).join('\n')).toMatch(/cluster\.yaml:1 \(document\): cannot be read: .*alias/)
  })
})
