import { readFileSync } from 'node:fs'
import path from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parse, stringify } from 'yaml'
import { BadInputError, ExitCode, exitCodeOf } from '../../../bootstrap/engine/errors.js'
import { parseClusterSpec } from '../../../bootstrap/spec/load.js'
import { formatError } from '../../../bootstrap/ui/format.js'

// Generated bad input: the example spec, mutated every way a hand or a paste can break it. Each
// ends as a valid spec or as a list of `file:line path: message` problems, exit 2: never a crash,
// a stack trace, or a secret repeated back.

const ROOT = path.resolve(import.meta.dirname, '../../..')
const FILE = path.join(ROOT, 'clusters', 'homelab', 'cluster.yaml')
const BASE_TEXT = readFileSync(FILE, 'utf8')
const BASE = parse(BASE_TEXT) as Record<string, unknown>
/** Sentinel secrets: if one of these appears in any message, a secret leaked. */
const SECRETS = ['ghp_S3ntinelT0kenS3ntinelT0ken0000', 'glpat-S3ntinelGitLabT0ken1234', 'Zq8vX2mN4pL6rT9wY1bC3dF5gH7jK0sE']
/** `file:line path: message`, one line each. */
const PROBLEM_LINE = /^[^\s:]+:\d+ [^\n]+: [^\n]+$/

/** Every path to a value in the example spec, so mutations reach every field. */
function pathsOf(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const here = prefix.length ? [prefix] : []
  if (Array.isArray(value)) return [...here, ...value.flatMap((item, index) => pathsOf(item, [...prefix, index]))]
  if (value && typeof value === 'object') return [...here, ...Object.entries(value).flatMap(([key, inner]) => pathsOf(inner, [...prefix, key]))]
  return here
}
const PATHS = pathsOf(BASE)

const oddText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom('yes', 'no', 'on', 'off', '1.34', 'v1.34', '~', '', ' ', '\t', '\u0000', '\u202e', '\ufeff', 'null', '0x1F', '1e9', '-1'),
  fc.constantFrom(...SECRETS),
  fc.constantFrom(...SECRETS.map((secret) => `https://user:${secret}@github.com/a/b.git`), `https://${SECRETS[0]}@github.com/a/b.git`),
)
const oddValue = fc.oneof(
  fc.anything({ maxDepth: 2 }),
  oddText,
  fc.constant('x'.repeat(200_000)),
  fc.constant(Array.from({ length: 5000 }, (_, index) => index)),
  fc.constant({ [SECRETS[2]!]: SECRETS[0] }),
)

type Edit =
  | { type: 'set'; at: (string | number)[]; value: unknown }
  | { type: 'delete'; at: (string | number)[] }
  | { type: 'add'; at: (string | number)[]; key: string; value: unknown }

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ type: fc.constant('set' as const), at: fc.constantFrom(...PATHS), value: oddValue }),
  fc.record({ type: fc.constant('delete' as const), at: fc.constantFrom(...PATHS) }),
  fc.record({ type: fc.constant('add' as const), at: fc.constantFrom([], ...PATHS), key: oddText.filter((key) => key.length > 0), value: oddValue }),
)

function applyEdits(edits: Edit[]): string {
  const document = structuredClone(BASE)
  for (const change of edits) {
    const parentPath = change.type === 'add' ? change.at : change.at.slice(0, -1)
    let parent: unknown = document
    for (const key of parentPath) parent = parent && typeof parent === 'object' ? (parent as Record<string | number, unknown>)[key] : undefined
    if (!parent || typeof parent !== 'object') continue
    const container = parent as Record<string | number, unknown>
    if (change.type === 'add') container[change.key] = change.value
    else if (change.type === 'delete') delete container[change.at.at(-1)!]
    else container[change.at.at(-1)!] = change.value
  }
  return stringify(document, { lineWidth: 0 })
}

/** Breakage that never passes through a YAML writer: cut files, several documents, anchors and aliases, stray bytes. */
const rawText: fc.Arbitrary<string> = fc.oneof(
  fc.nat({ max: BASE_TEXT.length }).map((at) => BASE_TEXT.slice(0, at)),
  fc.tuple(fc.nat({ max: BASE_TEXT.length }), oddText).map(([at, text]) => BASE_TEXT.slice(0, at) + text + BASE_TEXT.slice(at)),
  fc.anything({ maxDepth: 2 }).map((value) => `${BASE_TEXT}---\n${stringify(value)}`),
  fc.constantFrom(
    '',
    '# only a comment\n',
    '---\n---\n',
    'a: &a [1, 2]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c]\ne: [*d, *d, *d, *d, *d, *d, *d, *d]\n',
    BASE_TEXT.replace('spec:', 'spec: &spec').concat('extra: *spec\n'),
    BASE_TEXT.replace('metadata:', 'metadata: *nowhere\nx:'),
    BASE_TEXT.replace('spec:', 'spec: &spec').concat('  again: [*spec, *spec, *spec, *spec, *spec, *spec, *spec, *spec]\n'),
    BASE_TEXT.replace('  components:', '  components: !!omap\n  old:'),
    BASE_TEXT.replace('engine: flux', 'engine: !!set {flux}'),
    BASE_TEXT.replace(/ {4}engine: flux/, '    <<: {engine: flux}'),
    BASE_TEXT.replace(/ {4}engine: flux/, '    <<: [{engine: flux}, 5, *nowhere]'),
    `a: &a {k: [1, 2, 3]}\nb: &b {<<: [*a, *a, *a, *a, *a, *a, *a, *a]}\nc: &c {<<: [*b, *b, *b, *b, *b, *b, *b, *b]}\nd: {<<: [*c, *c, *c, *c, *c, *c, *c, *c]}\n`,
    `\ufeff${BASE_TEXT}`,
    BASE_TEXT.replaceAll('  ', '\t'),
    `${BASE_TEXT}\n${'k'.repeat(2000)}: 1\n`,
    `[${'['.repeat(5000)}`,
    Buffer.from([0xff, 0xfe, 0x00, 0x41]).toString('utf8'),
  ),
  fc.string({ unit: 'binary', maxLength: 300 }),
)

/** Every text in an accepted spec: what later steps print, write to files and pass to commands. */
function textsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value]
  if (Array.isArray(value)) return value.flatMap(textsOf)
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([key, inner]) => [key, ...textsOf(inner)])
  return []
}

function check(text: string): void {
  let error: unknown
  try {
    const spec = parseClusterSpec(text, FILE, ROOT, 'homelab')
    // Accepted: then nothing in it is huge, unprintable or a secret that later output would repeat.
    for (const value of textsOf(spec)) {
      expect(value.length).toBeLessThanOrEqual(4096)
      // eslint-disable-next-line no-control-regex -- finding control characters is the point
      expect(value).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f\u202e\ufeff]/)
      // Tokens in a known format are refused wherever they are pasted (the third sentinel is only
      // recognisable where a variable name belongs, which the schema checks).
      for (const secret of SECRETS.slice(0, 2)) expect(value).not.toContain(secret)
    }
    return
  } catch (caught) {
    error = caught
  }
  expect(error, String(error)).toBeInstanceOf(BadInputError)
  expect(exitCodeOf(error)).toBe(ExitCode.badInput)
  const lines = formatError(error, (line) => line)
  const problems = (error as BadInputError).details
  expect(problems.length).toBeGreaterThan(0)
  expect(problems.length).toBeLessThanOrEqual(20)
  for (const problem of problems) expect(problem).toMatch(PROBLEM_LINE)
  const shown = lines.join('\n')
  expect(shown).not.toMatch(/\n\s+at .+:\d+:\d+/)
  for (const secret of SECRETS) expect(shown).not.toContain(secret)
}

describe('generated bad specs', () => {
  it('edited fields (wrong types, unknown keys, huge and odd values, pasted secrets) end as listed problems, exit 2', () => {
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 4 }), (edits) => check(applyEdits(edits))),
      { numRuns: 300 },
    )
  }, 120_000)

  it('broken text (cut, multi-document, aliases, stray bytes) ends as listed problems, exit 2', () => {
    fc.assert(
      fc.property(rawText, (text) => check(text)),
      { numRuns: 300 },
    )
  }, 120_000)
})

describe('messages say how to fix the common slips', () => {
  const problemsOf = (text: string): string => {
    try {
      parseClusterSpec(text, FILE, ROOT, 'homelab')
    } catch (error) {
      return (error as BadInputError).details.join('\n')
    }
    return ''
  }

  it('yes where true belongs', () => {
    expect(problemsOf(BASE_TEXT.replace(/enabled: true/, 'enabled: yes'))).toMatch(/must be true or false, not "yes"/)
  })

  it('1.36 where a version belongs names the exact release kindling pins, not one it would refuse', () => {
    expect(problemsOf(BASE_TEXT.replace(/kubernetesVersion: v[\d.]+/, 'kubernetesVersion: 1.36'))).toMatch(
      /kubernetesVersion: must be text, not the number 1\.36: write the version in full, with its v, as kindling pins 1\.36: v1\.36\.4$/,
    )
  })

  it('a minor the kind release ships no image for names the ones it ships', () => {
    const problems = problemsOf(BASE_TEXT.replace(/kubernetesVersion: v[\d.]+/, 'kubernetesVersion: 1.30'))
    expect(problems).toMatch(
      /kubernetesVersion: must be text, not the number 1\.30: kindling's kind release ships node images for v1\.37\.0, v1\.36\.4, v1\.35\.8, v1\.34\.11 only: write one of them, or set nodeImage to a node image built for 1\.30$/,
    )
    expect(problems).not.toContain('v1.30.0')
  })

  it('a version not written like one is one problem, not a guess about the engine or the node image', () => {
    for (const version of ['v1.34', '"1.34"', 'latest', '1.37.0']) {
      const problems = problemsOf(BASE_TEXT.replace(/kubernetesVersion: v[\d.]+/, `kubernetesVersion: ${version}`)).split('\n')
      expect(problems, version).toEqual([
        expect.stringMatching(/kubernetesVersion: must be a Kubernetes version in full, with its v: one of v1\.37\.0, .*v1\.34\.11/),
      ])
    }
    const flux = problemsOf(BASE_TEXT.replace(/ version: 2[\d.]+/, ' version: latest')).split('\n')
    expect(flux).toEqual([expect.stringMatching(/gitops\.version: must be an exact version such as 1\.2\.3$/)])
  })

  it('a number in quotes, too big, infinite or binary is one problem with its fix', () => {
    const at = (from: string, to: string): string[] => problemsOf(BASE_TEXT.replace(from, to)).split('\n')
    expect(at('hostPort: 8080', 'hostPort: "8080"')).toEqual([expect.stringMatching(/hostPort: must be a number without quotes \("8080" in quotes is text\)$/)])
    expect(at('workers: 0', 'workers: "2"')).toEqual([expect.stringMatching(/workers: must be a (whole )?number without quotes/)])
    for (const huge of ['99999999999999999999999999', '1.5', '-1', '11'])
      expect(at('workers: 0', `workers: ${huge}`), huge).toEqual([expect.stringMatching(/nodes\.workers: must be a whole number( from 0 to 10|, not 1.5)$/)])
    expect(at('hostPort: 8080', 'hostPort: 1e99')).toEqual([expect.stringMatching(/hostPort: must be a port between 1 and 65535$/)])
    for (const infinite of ['.inf', '-.INF', '.nan'])
      expect(at('workers: 0', `workers: ${infinite}`), infinite).toEqual([
        expect.stringMatching(new RegExp(`workers: must be a (whole )?number, not \\${infinite}$`)),
      ])
    expect(at('workers: 0', 'workers: !!binary aGVsbG8=')).toEqual([
      expect.stringMatching(/workers: has the tag !!binary, which kindling does not read: remove it \(a cluster spec is plain YAML\)$/),
    ])
  })

  it('a mapping with a key named toString where a value belongs is one problem, not a crash', () => {
    for (const [from, to] of [
      ['workers: 0', 'workers: {toString: 1}'],
      ['hostPort: 8080', 'hostPort: {toString: ""}'],
      ['kubernetesVersion: v1.37.0', 'kubernetesVersion: {toString: v1.37.0}'],
      ['enabled: true', 'enabled: {toString: null}'],
    ]) {
      expect(() => check(BASE_TEXT.replace(from!, to!)), to).not.toThrow()
      expect(problemsOf(BASE_TEXT.replace(from!, to!)).split('\n'), to).toEqual([expect.stringMatching(/: must be .*, not a mapping of fields$/)])
    }
  })

  it('an empty file', () => {
    expect(problemsOf('')).toContain('is empty: start from `npx kindling wizard`')
  })

  it('a branch name Git refuses, before anything is made', () => {
    for (const branch of ['main.lock', 'main/', '/main', 'a//b', '.hidden', 'release/.next', 'v1.']) {
      expect(problemsOf(BASE_TEXT.replace('branch: main', `branch: ${branch}`)), branch).toMatch(/repository\.branch: must be a branch name Git accepts/)
    }
    for (const branch of ['feature/x', 'release-1.2', 'a.b/c_d']) expect(problemsOf(BASE_TEXT.replace('branch: main', `branch: ${branch}`)), branch).toBe('')
  })

  it('a branch name says what is wrong with it: the characters it may hold, or a full ref given for a branch', () => {
    for (const branch of ['"feature x"', 'bad..branch', '"-x"']) {
      expect(problemsOf(BASE_TEXT.replace('branch: main', `branch: ${branch}`)), branch).toMatch(
        /repository\.branch: must be a branch name such as main: letters, digits and "_", "\.", "\/", "-", with no space or "\.\.", not starting with "-"$/,
      )
    }
    expect(problemsOf(BASE_TEXT.replace('branch: main', 'branch: refs/heads/main'))).toMatch(
      /repository\.branch: is a full ref name: give the branch name alone \(main, not refs\/heads\/main\)$/,
    )
  })

  it('an environment variable name or a Google Cloud project ID says which characters it may hold', () => {
    const remote = 'branch: main\n    url: https://git.example.org/me/lab.git\n    auth: { type: https, tokenEnv: MY-TOKEN }'
    expect(problemsOf(BASE_TEXT.replace('branch: main', remote))).toMatch(/tokenEnv: must be the name of an environment variable \(letters, digits and "_"/)
    expect(problemsOf(BASE_TEXT.replace('version: 2.4.2', 'version: 2.4.2\n      clouds: { gcp: { enabled: true, projectID: abc } }'))).toMatch(
      /projectID: must be a Google Cloud project ID such as my-project-123: 6 to 30 lowercase letters/,
    )
  })

  it('a private key pasted where its file belongs, not printed', () => {
    const key = 'AGE-SECRET-KEY-1QZ8VX2MN4PL6RT9WY1BC3DF5GH7JK0SEQZ8VX2MN4PL6RT9WY1BC3DF5GH'
    const problems = problemsOf(`${BASE_TEXT.trimEnd()}\n      ageKeyFile: ${key}\n`)
    expect(problems).toMatch(/secrets\.sops\.ageKeyFile: the value holds what looks like a private key/)
    expect(problems).not.toContain(key)
  })

  it('a tab, a non-breaking space or a full-width colon is named once, not as the parser errors it sets off', () => {
    const at = (replacement: string): string[] => problemsOf(BASE_TEXT.replace('    type: kind', replacement)).split('\n')
    expect(at('\ttype: kind')).toEqual([expect.stringMatching(/:10 \(document\): is indented with a tab: YAML indents with spaces only$/)])
    expect(at('\u00a0\u00a0\u00a0\u00a0type: kind')).toEqual([expect.stringMatching(/:10 \(document\): is indented with a non-breaking space \(U\+00A0\)/)])
    expect(at('    type\uff1a kind')).toEqual([
      expect.stringMatching(/:10 \(document\): has a full-width colon "：" \(U\+FF1A\) after a key: type the plain colon ":"$/),
    ])
    // Under a key, the line becomes text that continues the key above it (the parser finds
    // nothing wrong), or sets off errors on the lines after it: either way, one problem at its line.
    const nested = problemsOf(BASE_TEXT.replace(/ {2}gitops:\n(.*\n)*(?= {2}repository:)/, '  gitops:\n    engine\uff1a flux\n')).split('\n')
    expect(nested).toEqual([expect.stringMatching(/:24 spec\.gitops: has a full-width colon "：" \(U\+FF1A\) after a key: type the plain colon ":"$/)])
    expect(problemsOf(BASE_TEXT.replace('    engine: flux', '    engine\uff1a flux')).split('\n')).toEqual([
      expect.stringMatching(/:24 \(document\): has a full-width colon "：" \(U\+FF1A\) after a key: type the plain colon ":"$/),
    ])
    // A full-width or non-breaking space after the colon makes the line text, nested or not.
    expect(problemsOf(BASE_TEXT.replace('    engine: flux', '    engine:\u3000flux')).split('\n')).toEqual([
      expect.stringMatching(/:24 \(document\): has an ideographic space \(U\+3000\) after the colon of a key, so YAML reads no key there: type a plain space$/),
    ])
    expect(problemsOf(BASE_TEXT.replace('    branch: main', '    branch:\u00a0main')).split('\n')).toEqual([
      expect.stringMatching(/:34 spec\.repository: has a non-breaking space \(U\+00A0\) after the colon of a key/),
    ])
    // A slip above the tab does not follow from it: both are listed, the earlier first.
    const both = problemsOf(BASE_TEXT.replace('kind: Cluster', 'kind: Cluster\nlabels: [a, b').replace('    type: kind', '\ttype: kind')).split('\n')
    expect(both.length, both.join('\n')).toBeGreaterThan(1)
    expect(both.at(-1)).toMatch(/is indented with a tab/)
    expect(both.slice(0, -1).join('\n')).not.toMatch(/tab/)
  })

  it('line endings of a carriage return alone are named once, with the fix', () => {
    expect(problemsOf(BASE_TEXT.replaceAll('\n', '\r')).split('\n')).toEqual([
      expect.stringMatching(
        /:1 \(document\): has lines that end in a carriage return alone \(\\r, as classic Mac OS saved text\): save the file with LF line endings$/,
      ),
    ])
    // One stray one is named at its line; Windows line endings (CR LF) are fine.
    expect(problemsOf(BASE_TEXT.replace('kind: Cluster\n', 'kind: Cluster\r'))).toMatch(/:5 \(document\): has lines that end in a carriage return alone/)
    expect(problemsOf(BASE_TEXT.replaceAll('\n', '\r\n'))).toBe('')
  })

  it('a NUL or other control character in a comment is named at its line, though no value holds it', () => {
    expect(problemsOf(BASE_TEXT.replace('kind: Cluster\n', 'kind: Cluster # a\u0000b\n'))).toMatch(
      /:5 \(document\): has the control character U\+0000 in a comment, which YAML allows nowhere: delete it$/,
    )
    // A # inside a value is no comment: the value's own check names it with its path.
    expect(problemsOf(BASE_TEXT.replace('branch: main', 'branch: "ma\u0001in"'))).not.toMatch(/in a comment/)
  })

  it('a TOML or INI file is told it is not YAML, with how to start one, at its first line of that kind', () => {
    expect(problemsOf('# my cluster\n[metadata]\nname = "lab"\n').split('\n')).toEqual([
      expect.stringMatching(/:2 \(document\): reads as TOML or INI \(`\[section\]`, `key = value`\), not YAML: write `key: value` lines.*wizard/),
    ])
    // YAML that fails for another reason keeps the parser's own problems.
    expect(problemsOf(BASE_TEXT.replace('engine: flux', 'engine: "flux'))).not.toMatch(/TOML/)
  })

  it('a quote never closed is named at the line it opens, not at the end of the file the parser ran to', () => {
    expect(problemsOf(BASE_TEXT.replace('engine: flux', 'engine: "flux')).split('\n')).toEqual([
      expect.stringMatching(/:24 \(document\): opens a quoted value with " that is never closed: end the value with ", or remove the " before it$/),
    ])
    expect(problemsOf(BASE_TEXT.replace('name: homelab', 'name: "homelab"').replace('branch: main', "branch: 'main"))).toMatch(
      /:34 \(document\): opens a quoted value with ' that is never closed/,
    )
  })

  it('keys out of line say how keys line up', () => {
    expect(problemsOf(BASE_TEXT.replace('spec:\n  provider', 'spec:\n  - provider'))).toContain('is not lined up with the keys above it')
  })

  it('a path a shell would expand (~name/, $HOME/) is named as such, not read as a folder in the repository', () => {
    const withKey = (file: string): string =>
      problemsOf(
        BASE_TEXT.replace('    branch: main', `    branch: main\n    url: ssh://git@github.com/me/lab.git\n    auth: {type: ssh, privateKeyFile: ${file}}`),
      )
    expect(withKey('~root/.ssh/deploy')).toMatch(/auth\.privateKeyFile: names another user's home \(~name\/\): only ~\/ \(your own home\) is expanded/)
    expect(withKey('$HOME/.ssh/deploy')).toMatch(/auth\.privateKeyFile: starts with an environment variable, which is not expanded/)
    expect(withKey('~/.ssh/deploy')).toBe('')
  })

  it('a file of plain text, however long, is no mapping', () => {
    expect(problemsOf(`${'some log line '.repeat(200)}\n`)).toMatch(/:1 \(document\): must be a mapping of fields, not a string$/)
  })

  it('two documents in one file', () => {
    expect(problemsOf(`${BASE_TEXT}---\nfoo: 1\n`)).toContain('holds more than one YAML document')
  })
})
