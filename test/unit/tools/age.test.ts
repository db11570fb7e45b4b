import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ageKeygenCommand, assertOutsideRepo, isKeyFileExposed, parseAgeKey, readAgeKey } from '../../../bootstrap/tools/age.js'
import { formatCommand } from '../../../bootstrap/tools/runner.js'

// A key made for this test only; it protects nothing.
const IDENTITY = `# created: 2026-01-01T00:00:00Z
# public key: age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p
AGE-SECRET-KEY-1QQPQSMLQ6HZFSN9X4MW4KPPQDE3N6ZXA8GSKPT9RJ6R0HMU6JQSQPCKHG
`
const dir = mkdtempSync(path.join(os.tmpdir(), 'kindling-age-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('age tool', () => {
  it('reads the recipient and keeps the secret key masked', () => {
    const key = parseAgeKey('/k', IDENTITY)
    expect(key.recipient).toBe('age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p')
    expect(String(key.secretKey)).toBe('<secret age key>')
    expect(JSON.stringify(key)).not.toContain('AGE-SECRET-KEY')
    expect(() => parseAgeKey('/k', 'nonsense')).toThrow(/not an age identity file/)
  })

  it('refuses a key file inside the repository', () => {
    expect(() => assertOutsideRepo('/repo/clusters/lab/key.agekey', '/repo')).toThrow(/inside the repository/)
    expect(() => assertOutsideRepo('/home/me/.config/kindling/age/lab.agekey', '/repo')).not.toThrow()
  })

  it('tells a missing key from an exposed one', async () => {
    const file = path.join(dir, 'lab.agekey')
    expect(await readAgeKey(file)).toBeUndefined()
    writeFileSync(file, IDENTITY, { mode: 0o644 })
    chmodSync(file, 0o644)
    expect(await isKeyFileExposed(file)).toBe(true)
    chmodSync(file, 0o600)
    expect(await isKeyFileExposed(file)).toBe(false)
    expect((await readAgeKey(file))?.recipient).toMatch(/^age1/)
  })

  it('generates keys with age-keygen -o', () => {
    expect(formatCommand(ageKeygenCommand('/k/lab.agekey'))).toBe('age-keygen -o /k/lab.agekey')
  })
})
