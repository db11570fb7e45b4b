import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ExitCode, exitCodeOf } from '../../../bootstrap/engine/errors.js'
import { findRepoRoot } from '../../../bootstrap/cli/repo.js'

const dir = mkdtempSync(path.join(os.tmpdir(), 'kindling-root-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('the repository root', () => {
  it('is the nearest folder above holding a clusters/ folder; a file named clusters does not count', () => {
    mkdirSync(path.join(dir, 'repo', 'clusters', 'lab'), { recursive: true })
    mkdirSync(path.join(dir, 'repo', 'docs', 'deep'), { recursive: true })
    writeFileSync(path.join(dir, 'repo', 'docs', 'clusters'), 'a file, not the folder')
    expect(findRepoRoot(path.join(dir, 'repo', 'docs', 'deep'))).toBe(path.join(dir, 'repo'))
    let refusal: unknown
    try {
      findRepoRoot(path.join(dir, 'elsewhere'))
    } catch (error) {
      refusal = error
    }
    expect(exitCodeOf(refusal)).toBe(ExitCode.badInput)
    expect(String(refusal)).toContain(`no clusters/ folder in ${path.join(dir, 'elsewhere')} or above it`)
  })
})
