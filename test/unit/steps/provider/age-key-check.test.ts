import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { preflightChecks, preflightLookups } from '../../../../bootstrap/steps/provider/preflight.js'
import { ageKeyCheck } from '../../../../bootstrap/steps/provider/spec-checks.js'
import { parseClusterSpec } from '../../../../bootstrap/spec/load.js'
import { specText, testContext } from '../../support/context.js'

const RECIPIENT = 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p'
const OTHER = 'age1lggyhqrw2nlhcxprm67z43rta597azn8gknawjehu9d9dl0jq3yqqvfafg'
const SECRET = 'AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX'

const dirs: string[] = []
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })))

/** A repository whose .sops.yaml (if any) encrypts clusters/lab/ for `encryptedFor`, and a key file outside it holding `held` (if any). */
function setUp(encryptedFor: string | undefined, held: string | undefined) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kindling-age-key-'))
  dirs.push(dir)
  const repo = path.join(dir, 'repo')
  mkdirSync(path.join(repo, 'clusters', 'lab'), { recursive: true })
  const keyFile = path.join(dir, 'keys', 'lab.agekey')
  if (encryptedFor)
    writeFileSync(
      path.join(repo, '.sops.yaml'),
      `creation_rules:\n  - path_regex: clusters/lab/.*\\.sops\\.ya?ml$\n    encrypted_regex: ^(data|stringData)$\n    age: ${encryptedFor}\n`,
    )
  if (held) {
    mkdirSync(path.dirname(keyFile), { recursive: true })
    writeFileSync(keyFile, `# public key: ${held}\n${SECRET}\n`, { mode: 0o600 })
  }
  const text = specText({ extra: `secrets:\n  sops:\n    ageKeyFile: ${keyFile}` })
  const spec = parseClusterSpec(text, path.join(repo, 'clusters/lab/cluster.yaml'), repo, 'lab')
  const ctx = testContext({ spec })
  return { spec, check: () => ageKeyCheck.run(ctx, preflightLookups(ctx)), keyFile }
}

describe('preflight: the age key of .sops.yaml', () => {
  it('stops a bootstrap before anything is made when the key Git is encrypted for is not there, saying how to put it back', async () => {
    const { spec, check, keyFile } = setUp(RECIPIENT, undefined)
    expect(preflightChecks(spec).map((one) => one.name)).toContain('age key of .sops.yaml present')
    const failure = await check()
    expect(failure).toEqual({
      problem: `no age key at ${keyFile}, but .sops.yaml encrypts clusters/lab/ for ${RECIPIENT}`,
      fix: expect.stringContaining(`restore the key for ${RECIPIENT} from your backup to ${keyFile} (mode 600), then run again`),
    })
    expect(JSON.stringify(failure)).not.toContain(SECRET)
  })

  it('names a key file that holds another key than the one Git is encrypted for, without printing the key', async () => {
    const { check, keyFile } = setUp(RECIPIENT, OTHER)
    const failure = await check()
    expect(failure?.problem).toBe(`${keyFile} holds a different age key than the one .sops.yaml encrypts clusters/lab/ for`)
    expect(JSON.stringify(failure)).not.toContain(SECRET)
  })

  it('passes a first run (no .sops.yaml yet, a key to generate) and a run with the right key', async () => {
    expect(await setUp(undefined, undefined).check()).toBeUndefined()
    expect(await setUp(RECIPIENT, RECIPIENT).check()).toBeUndefined()
  })
})
