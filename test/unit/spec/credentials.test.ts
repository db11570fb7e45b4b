import { describe, expect, it } from 'vitest'
import { exitCodeOf } from '../../../bootstrap/engine/errors.js'
import { formatError } from '../../../bootstrap/ui/format.js'
import { toJsonReport } from '../../../bootstrap/ui/json-report.js'
import { looksLikeToken, maskTokens } from '../../../bootstrap/spec/tokens.js'
import { quoted, typed } from '../../../bootstrap/spec/quoting.js'
import { redactUrlCredentials, urlCredentials } from '../../../bootstrap/spec/url-credentials.js'
import { parseClusterSpec } from '../../../bootstrap/spec/load.js'
import { Redactor } from '../../../bootstrap/tools/secrets.js'
import { specText } from '../support/context.js'

const SENTINEL = 'S3CR3Tsentinel0123456789'

function refusal(repository: string): { code: number; text: string } {
  return refusalOf(specText({ repository }))
}

/** The spec refused: its exit code and every line it printed. */
function refusalOf(text: string): { code: number; text: string } {
  try {
    parseClusterSpec(text, '/repo/clusters/lab/cluster.yaml', '/repo', 'lab')
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
    [`url: https://github.com/a/b.git\nbranch: ghp_${SENTINEL}`, 'repository.branch'],
    // Tokens with no digit in them: a known prefix, or letters of both cases mixed like random text.
    [`url: https://github.com/a/b.git\nauth:\n  type: https\n  tokenEnv: hf_AbCdEfGhIjKlMnOpQrStUvWxYzAbCdEfGh`, 'repository.auth.tokenEnv'],
    [`url: https://github.com/a/b.git\nauth:\n  type: https\n  tokenEnv: AbCdEfGhIjKlMnOpQrStUvWxYzAbCdEf`, 'repository.auth.tokenEnv'],
    [`url: https://github.com/a/b.git\nauth:\n  type: https\n  tokenEnv: npm_abcdefghijklmnopqrstuvwxyz0123456789`, 'repository.auth.tokenEnv'],
  ])('refuses %s with exit 2, says where credentials go, and never repeats them', (repository, path) => {
    const { code, text } = refusal(repository)
    expect(code).toBe(2)
    expect(text).toContain(path)
    expect(text).toMatch(/environment variable/)
    expect(text).not.toContain(SENTINEL)
    expect(text).not.toMatch(/AbCdEfGhIjKl|abcdefghijklmnop/)
  })

  it('refuses a token where the Grafana admin password variable is named, without repeating it', () => {
    const { code, text } = refusalOf(
      specText({ extra: 'components:\n  monitoring:\n    enabled: true\n    grafana: {adminPasswordEnv: QwErTyUiOpAsDfGhJkLzXcVbNmQwErTy}' }),
    )
    expect(code).toBe(2)
    expect(text).toMatch(/spec\.components\.monitoring\.grafana\.adminPasswordEnv: looks like a token, not the name of an environment variable/)
    expect(text).not.toContain('QwErTy')
  })

  it.each([
    [`url: https://github.com/a/b.git?access_token=${SENTINEL}`, 'repository.url'],
    [`url: https://user:p#${SENTINEL}@github.com/a/b.git`, 'repository.url'],
    [`url: https://github.com/a/b.git\nauth:\n  type: https\n  tokenEnv: abcdef0123456789abcdef0123456789abcdef01`, 'repository.auth.tokenEnv'],
    // A fragment, a percent-encoded query name or userinfo: where a URL parser or server still finds a credential.
    [`url: "https://h.example/x.git#access_token=${SENTINEL}"`, 'repository.url'],
    [`url: "https://h.example/x.git?%74oken=${SENTINEL}"`, 'repository.url'],
    [`url: "https://h.example/x.git?x=1&%61ccess_%74oken=${SENTINEL}"`, 'repository.url'],
    [`url: "ssh://git%3A${SENTINEL}@host/x.git"\nauth:\n  type: ssh`, 'repository.url'],
    [`url: "https://h.example/x.git#${SENTINEL}"`, 'repository.url'],
  ])('refuses %s too (a token in the query or fragment, a # in the password, a hex token)', (repository, path) => {
    const { code, text } = refusal(repository)
    expect(code).toBe(2)
    expect(text).toContain(path)
    expect(text).not.toContain(SENTINEL)
    expect(text).not.toContain('abcdef0123456789abcdef')
  })

  it('refuses any fragment in a repository URL, saying where a branch and credentials go instead', () => {
    const { code, text } = refusal('url: "https://github.com/a/b.git#main"')
    expect(code).toBe(2)
    expect(text).toMatch(
      /spec\.repository\.url: must not have a #fragment: Git remote URLs take none\. The branch goes in repository\.branch; a token goes in an environment variable named by auth\.tokenEnv/,
    )
    expect(text).not.toContain('#main')
  })

  it.each([
    ['url: "https://github.com/me/x.git?SENTINELabcdef0123456789abcdef01234567"', /spec\.repository\.url: must not hold credentials/],
    [
      'url: "https://github.com/me/x.git?ref=main"',
      /spec\.repository\.url: must not have a \?query: Git remote URLs take none\. A token goes in an environment variable named by auth\.tokenEnv/,
    ],
    ['url: "https://github.com/me/x.git?SENTINEL"', /must not have a \?query/],
  ])('refuses any query in a repository URL (%s), saying where credentials go, without echoing it', (repository, message) => {
    const { code, text } = refusal(repository)
    expect(code).toBe(2)
    expect(text).toMatch(message)
    expect(text).not.toMatch(/SENTINEL|ref=main/)
  })

  it('refuses user:password@ before the registry of an image reference, and takes a digest', () => {
    const nodeImage = (image: string): string => {
      try {
        parseClusterSpec(specText({ provider: `type: kind\nnodeImage: "${image}"` }), '/repo/clusters/lab/cluster.yaml', '/repo', 'lab')
        return 'accepted'
      } catch (error) {
        expect(exitCodeOf(error)).toBe(2)
        return formatError(error, (line) => line).join('\n')
      }
    }
    for (const image of [
      'u:SENTINELc@reg.example/kindest/node:v1',
      'SENTINELtoken@reg.example:5000/kindest/node:v1',
      'u:SENTINELc@reg.example/node@sha256:' + 'a'.repeat(64),
    ]) {
      const text = nodeImage(image)
      expect(text).toMatch(/spec\.provider\.nodeImage: must not hold credentials \(user:password@ before the registry\)/)
      expect(text).not.toContain('SENTINEL')
    }
    const digest = 'a1ed56cfb0e7b93589bdf97c8cd566405a265939e3620fc4f5de89adff580ae5'
    for (const image of [`kindest/node:v1.37.0@sha256:${digest}`, `reg.example:5000/kindest/node:v1.37.0@sha256:${digest}`, 'kindest/node:v1.37.0'])
      expect(nodeImage(image)).toBe('accepted')
  })

  it('refuses a URL with credentials in any field, not only the repository', () => {
    const { code, text } = refusalOf(specText({ provider: `type: existing\nkubeconfig: https://user:${SENTINEL}@example.com/config` }))
    expect(code).toBe(2)
    expect(text).toMatch(/spec\.provider\.kubeconfig: must not hold credentials/)
    expect(text).not.toContain(SENTINEL)
  })

  it('refuses a password after a colon in the HTTPS user name, without printing it', () => {
    const { code, text } = refusalOf(
      specText({ repository: `url: https://github.com/a/b.git\nauth: { type: https, tokenEnv: GITHUB_TOKEN, username: "me:${SENTINEL}" }` }),
    )
    expect(code).toBe(2)
    expect(text).toMatch(/spec\.repository\.auth\.username: must be a user name such as git/)
    expect(text).not.toContain(SENTINEL)
  })

  it('refuses and masks credentials whose @ is percent-encoded too, which Git would print as the host it cannot resolve', () => {
    const url = `https://me%3A${SENTINEL}%40github.com/a/b.git`
    expect(urlCredentials(url)).toBe('password')
    expect(urlCredentials(`https://${SENTINEL}%40github.com/a/b.git`)).toBe('user')
    const { code, text } = refusalOf(
      specText({
        repository: `url: ${url}
auth: { type: https, tokenEnv: GITHUB_TOKEN }`,
      }),
    )
    expect(code).toBe(2)
    expect(text).toMatch(/spec\.repository\.url: must not hold credentials/)
    expect(text).not.toContain(SENTINEL)
    expect(redactUrlCredentials(`fatal: unable to access '${url}'`)).toBe("fatal: unable to access 'https://***%40github.com/a/b.git'")
    // An address in the query is not the authority's.
    expect(urlCredentials('https://h.example/x?email=me%40example.com')).toBeUndefined()
  })

  it('refuses and masks a password typed with an unescaped @ or / in it, all of it', () => {
    for (const url of [`https://me:pa@${SENTINEL}@github.com/a/b.git`, `https://me:pa/${SENTINEL}@github.com/a/b.git`, `ssh://git:pa/${SENTINEL}@host/a/b.git`])
      expect([url, urlCredentials(url)]).toEqual([url, 'password'])
    expect(redactUrlCredentials(`fatal: unable to access 'https://me:pa@${SENTINEL}@github.com/a/b.git/'`)).toBe(
      "fatal: unable to access 'https://***@github.com/a/b.git/'",
    )
    expect(redactUrlCredentials(`https://x:pa/${SENTINEL}@github.com`)).toBe('https://***@github.com')
    expect(redactUrlCredentials(`ssh://git:pa@${SENTINEL}@host/x and ssh://git:pa/${SENTINEL}@host/y`)).toBe('ssh://git:***@host/x and ssh://git:***@host/y')
    const { code, text } = refusal(`url: https://me:pa/${SENTINEL}@github.com/a/b.git`)
    expect(code).toBe(2)
    expect(text).toMatch(/repository\.url: must not hold credentials/)
    expect(text).not.toContain(SENTINEL)
    // A port, or an @ in the path, is no password.
    expect(urlCredentials('https://git.example:8443/a/b@c.git')).toBeUndefined()
    expect(redactUrlCredentials('https://git.example:8443/team/@scope/x')).toBe('https://git.example:8443/team/@scope/x')
  })

  it('masks URL credentials in a coloured line, where the colour code runs into the scheme', () => {
    expect(redactUrlCredentials(`\x1b[31mhttps://me:${SENTINEL}@github.com/a\x1b[0m`)).toBe('\x1b[31mhttps://***@github.com/a\x1b[0m')
    expect(redactUrlCredentials(`\x1b[1mssh://git:${SENTINEL}@host/x`)).toBe('\x1b[1mssh://git:***@host/x')
  })

  it('accepts SSH users, token variable names and plain URLs', () => {
    expect(urlCredentials('ssh://git@github.com/a/b.git')).toBeUndefined()
    expect(urlCredentials('git@github.com:a/b.git')).toBeUndefined()
    expect(urlCredentials('https://github.com/a/b.git')).toBeUndefined()
    expect(urlCredentials('ssh://git%2Dbot@host/a/b.git')).toBeUndefined()
    expect(urlCredentials('https://grafana.example/d/abc?orgId=1#panel-2')).toBeUndefined()
    // Names as people write them, some starting like a host's tokens do (HF_TOKEN, npm_config_*).
    for (const name of [
      'GITHUB_TOKEN',
      'GITLAB_TOKEN',
      'LAB_TOKEN',
      'LAB_GIT_TOKEN',
      'my_token',
      'KINDLING_REPO_TOKEN_FOR_HOMELAB_2',
      'AZURE_CLIENT_SECRET',
      'GRAFANA_ADMIN_PASSWORD',
      'HF_TOKEN',
      'NPM_TOKEN',
      'npm_config_registry',
      'GITHUB_PAT_FOR_LAB',
      'SK_LIVE_KEY',
      'MyVeryLongGithubTokenName',
    ])
      expect([name, looksLikeToken(name)]).toEqual([name, false])
    for (const token of [
      'abcdef0123456789abcdef0123456789abcdef01',
      'ABCDEFGHJKLMNPQR23456789',
      'ghp_x',
      'Zq8vX2mN4pL6rT9wY1bC3dF5',
      'hf_AbCdEfGhIjKlMnOpQrStUvWxYzAbCdEfGh',
      'AbCdEfGhIjKlMnOpQrStUvWxYzAbCdEf',
      'npm_abcdefghijklmnopqrstuvwxyz0123456789',
      'github_pat_11ABCDEFG0abcdefghijklmnopqrstuvwxyz',
      'glpat-abcdefghijklmnopqrst',
      'xoxb-1234-abcdefghij',
      'sk-proj-AbC123dEf456gHi789jKl',
      'AKIAIOSFODNN7EXAMPLE',
      'ASIAIOSFODNN7EXAMPLE',
      'ya29.a0AfH6SMBxyz',
      'eyJhbGciOiJIUzI1NiJ9',
      'dckr_pat_abcdefghijklmnopqrstuvwx',
    ])
      expect([token, looksLikeToken(token)]).toEqual([token, true])
  })

  it('masks URL userinfo in any text, even when nobody registered it as a secret', () => {
    expect(redactUrlCredentials(`fatal: cannot read https://user:${SENTINEL}@github.com/a/b.git`)).toBe('fatal: cannot read https://***@github.com/a/b.git')
    expect(redactUrlCredentials(`https://${SENTINEL}@gitlab.com/x`)).toBe('https://***@gitlab.com/x')
    expect(redactUrlCredentials(`ssh://git:${SENTINEL}@host/x and ssh://git@host/y`)).toBe('ssh://git:***@host/x and ssh://git@host/y')
    expect(new Redactor().redact(`{"url":"https://u:${SENTINEL}@h/r"}`)).toBe('{"url":"https://***@h/r"}')
    expect(redactUrlCredentials(`https://h/r.git?x=1&access_token=${SENTINEL}&y=2`)).toBe('https://h/r.git?x=1&access_token=***&y=2')
    expect(redactUrlCredentials(`https://user:p#${SENTINEL}@github.com/a`)).toBe('https://***@github.com/a')
    expect(redactUrlCredentials(`open https:/user:${SENTINEL}@example.com/config`)).toBe('open https:/***@example.com/config')
    // Percent-encoded userinfo and parameter names, and parameters in the fragment, are credentials too.
    expect(redactUrlCredentials(`ssh://git%3A${SENTINEL}@host/x.git`)).toBe('ssh://git:***@host/x.git')
    expect(redactUrlCredentials(`https://h.example/x.git#access_token=${SENTINEL}`)).toBe('https://h.example/x.git#access_token=***')
    expect(redactUrlCredentials(`https://h.example/x.git#a=1&token=${SENTINEL}`)).toBe('https://h.example/x.git#a=1&token=***')
    expect(redactUrlCredentials(`https://h.example/x.git?%74oken=${SENTINEL}&ref=main`)).toBe('https://h.example/x.git?%74oken=***&ref=main')
    expect(new Redactor().redact(`cannot reach the Git host of https://h.example/x.git#access_token=${SENTINEL}`)).not.toContain(SENTINEL)
    expect(redactUrlCredentials('https://h.example/x?ref=main&depth=1#readme')).toBe('https://h.example/x?ref=main&depth=1#readme')
    // A token as any query or fragment value, named or bare, is masked; ordinary values are not.
    const hex = '0123456789abcdef0123456789abcdef01234567'
    expect(redactUrlCredentials(`note: origin, https://github.com/me/x.git#${hex}, holds credentials`)).toBe(
      'note: origin, https://github.com/me/x.git#***, holds credentials',
    )
    expect(redactUrlCredentials(`https://h/x.git?${SENTINEL}`)).toBe('https://h/x.git?***')
    expect(redactUrlCredentials(`https://h/x?state=${SENTINEL}&ref=main#${hex}`)).toBe('https://h/x?state=***&ref=main#***')
    expect(redactUrlCredentials(`git@github.com:me/x.git#${hex}`)).toBe('git@github.com:me/x.git#***')
    expect(new Redactor().redact(`cannot read https://github.com/me/x.git#${hex}.`)).toBe('cannot read https://github.com/me/x.git#***.')
    expect(redactUrlCredentials('https://grafana.example/d/abc?orgId=1#panel-2')).toBe('https://grafana.example/d/abc?orgId=1#panel-2')
    expect(urlCredentials(`https://h/x.git?${SENTINEL}`)).toBe('query')
    expect(urlCredentials(`https://h/x?state=${SENTINEL}`)).toBe('query')
    // A template's placeholders are shown as written (a Composition's printf of the connection URI); a value next to one is not.
    const template = 'uri: {{ printf "postgresql://%s:%s@%s:5432/%s" $user $password $host $db }}'
    expect(redactUrlCredentials(template)).toBe(template)
    expect(redactUrlCredentials('postgresql://${DB_USER}:$(DB_PASSWORD)@db')).toBe('postgresql://${DB_USER}:$(DB_PASSWORD)@db')
    expect(redactUrlCredentials(`postgresql://%s:${SENTINEL}@db`)).toBe('postgresql://%s:***@db')
  })

  it('masks tokens and keys known by their shape in any text, registered or not, and leaves commit SHAs and digests alone', () => {
    const redact = (text: string): string => new Redactor().redact(text)
    expect(redact('--timeout "ghp_S3CR3Tsentinel0123456789abcdefAB" is not a duration')).toBe('--timeout "***" is not a duration')
    expect(redact('has no context "glpat-S3CR3Tsentinel01234"')).toBe('has no context "***"')
    expect(redact('the age key /repo/AGE-SECRET-KEY-1QS3CR3TSENTINEL0123456789ABCDEFGHJKLMNPQRSTUVWXYZ is inside the repository')).toBe(
      'the age key /repo/*** is inside the repository',
    )
    const key = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\nS3CR3Tsentinel\n-----END OPENSSH PRIVATE KEY-----'
    expect(redact(`privateKeyFile: ${key} does not exist`)).toBe('privateKeyFile: *** does not exist')
    expect(redact('"b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAAB" is too long')).toBe('"***" is too long')
    // Tokens of more hosts, digits or not: Hugging Face, npm, OpenAI, AWS, Google, Slack, a JWT.
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U'
    for (const token of [
      'hf_AbCdEfGhIjKlMnOpQrStUvWxYzAbCdEfGh',
      'npm_abcdefghijklmnopqrstuvwxyz0123456789',
      'sk-proj-AbC123dEf456gHi789jKlMnO012pQr345',
      'ASIAIOSFODNN7EXAMPLE',
      'AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW',
      'ya29.a0AfH6SMBx1234567890abcdefghij',
      'xapp-1-A0123456789-abcdef',
      'glrt-abcdefghijklmnopqrst',
      jwt,
    ])
      expect(redact(`environment variable ${token} is not set`)).toBe('environment variable *** is not set')
    // Not a token: a word that ends like a prefix starts, a name, an SSH fingerprint, base64 text.
    const plain = 'task-AbC123dEf456gHi789jKlMnO012pQr345 HF_TOKEN SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1J'
    expect(redact(plain)).toBe(plain)
    const ordinary =
      'main@sha1:0123456789abcdef0123456789abcdef01234567 applied; image kindest/node:v1.37.0@sha256:a1ed56cfb0e7b93589bdf97c8cd566405a265939e3620fc4f5de89adff580ae5'
    expect(redact(ordinary)).toBe(ordinary)
  })

  it('quotes a typed value with its credentials masked and cut short, or not at all when it looks like a token', () => {
    expect(quoted('../etc')).toBe('"../etc"')
    expect(quoted('aZkPqLmWxRtYvBnCdEfGhJkL')).toBe('the value given (not printed: it looks like a token)')
    expect(quoted(`https://u:${SENTINEL}@h/x`)).toBe('"https://***@h/x"')
    expect(quoted(`https://h/x#access_token=${SENTINEL}`)).toBe('"https://h/x#access_token=***"')
    expect(quoted('my lab')).toBe('"my lab"')
    expect(quoted('x'.repeat(5000))).toBe(`"${'x'.repeat(60)}…" (5000 characters)`)
    expect(quoted('line\nbreak')).toBe('"line\\nbreak"')
    // Shown as escapes: a right-to-left mark would turn the rest of the line around, a C1 control start an escape sequence.
    expect(quoted('lab\u202eevil')).toBe('"lab\\u202eevil"')
    expect(quoted('lab\u009b31m')).toBe('"lab\\u009b31m"')
    expect(quoted('lab\u200b\ufeff')).toBe('"lab\\u200b\\ufeff"')
    // A soft hyphen, a variation selector and a tag character show as nothing too; a tag character is two units, as JSON writes it.
    expect(quoted('lab\u00ad\ufe0f\u{E0041}')).toBe('"lab\\u00ad\\ufe0f\\udb40\\udc41"')
    expect(typed(`/home/me/.kube/kindling-lab-2b8Xq1/${SENTINEL}`)).toBe('/home/me/.kube/kindling-lab-2b8Xq1/***')
    expect(typed(`/${'k'.repeat(100)}`)).toBe(`/${'k'.repeat(59)}… (101 characters)`)
  })

  it('shows names made of short runs, hyphenated or not, and still masks a long random run or a known prefix', () => {
    const digest = 'a1ed56cfb0e7b93589bdf97c8cd566405a265939e3620fc4f5de89adff580ae5'
    for (const name of [
      'homelab-production-2024',
      'staging-eu-west-1-lab',
      'arn:aws:eks:us-east-1:123456789012:cluster/prod',
      `kindest/node:v1.37.0@sha256:${digest}`,
      'clusters/homelab-production-2024/cluster.yaml',
    ]) {
      expect([name, looksLikeToken(name)]).toEqual([name, false])
      expect(quoted(name)).toContain(name.slice(0, 40))
      expect(maskTokens(`${name} is wrong`)).toBe(`${name} is wrong`)
    }
    expect(
      maskTokens(
        'clusters/homelab-production-2024/cluster.yaml:7 metadata.name: is "homelab-production-2025" but the folder is clusters/homelab-production-2024',
      ),
    ).toBe('clusters/homelab-production-2024/cluster.yaml:7 metadata.name: is "homelab-production-2025" but the folder is clusters/homelab-production-2024')
    for (const token of [
      'ghp_S3CR3Tsentinel0123456789abcdef',
      'glpat-S3CR3Tsentinel01234',
      'aZ3kP9qLmW2xR7tY5vB8nC1d',
      '0123456789abcdef0123456789abcdef01234567',
    ]) {
      expect([token, looksLikeToken(token)]).toEqual([token, true])
      expect(quoted(token)).toBe('the value given (not printed: it looks like a token)')
      expect(maskTokens(`is "${token}" here`)).toBe('is "***" here')
      // One random run among names is enough.
      expect(looksLikeToken(`lab-${token}`)).toBe(true)
    }
    // A hex run is a digest only right after its algorithm, at that algorithm's length.
    expect(maskTokens(`x@sha256:${digest.slice(0, 40)}`)).toBe('x@sha256:***')
  })

  it('masks secrets holding quotes and backslashes in --json, where JSON escapes them', () => {
    const redactor = new Redactor()
    const password = 'Pa"ss\\word-0123456789'
    redactor.add(password)
    const document = toJsonReport('status', 'lab', undefined, { note: `login with ${password}` }, (text) => redactor.redact(text))
    expect(JSON.stringify(document)).not.toContain(JSON.stringify(password).slice(1, -1))
    expect(document.note).toBe('login with ***')
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
