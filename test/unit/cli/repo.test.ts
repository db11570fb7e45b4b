import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { ExitCode, exitCodeOf } from '../../../bootstrap/engine/errors.js'
import { formatError } from '../../../bootstrap/ui/format.js'
import { findRepoRoot, resolveClusterName } from '../../../bootstrap/cli/repo.js'

// A clusters/ folder this user may not list. Tests run as root too, where no mode keeps a folder
// from being read, so the refusal the kernel gives anyone else is played here.
vi.mock('node:fs', async (original) => {
  const fs = await original<typeof import('node:fs')>()
  const readdirSync = ((folder: string, ...rest: unknown[]) => {
    if (String(folder).includes(`${path.sep}locked${path.sep}`)) {
      throw Object.assign(new Error(`EACCES: permission denied, scandir '${String(folder)}'`), { code: 'EACCES' })
    }
    return (fs.readdirSync as (...args: unknown[]) => unknown)(folder, ...rest)
  }) as typeof fs.readdirSync
  return { ...fs, default: { ...fs, readdirSync }, readdirSync }
})

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

  it('names a clusters/ folder that cannot be listed, with the fix, as bad input (exit 2), not a bare EACCES (exit 1)', () => {
    const repo = path.join(dir, 'locked')
    mkdirSync(path.join(repo, 'clusters', 'lab'), { recursive: true })
    writeFileSync(path.join(repo, 'clusters', 'lab', 'cluster.yaml'), '')
    let refusal: unknown
    try {
      resolveClusterName(repo, undefined)
    } catch (error) {
      refusal = error
    }
    expect(exitCodeOf(refusal)).toBe(ExitCode.badInput)
    const clusters = path.join(repo, 'clusters')
    expect(formatError(refusal, (text) => text)).toEqual([
      `cannot list the cluster folders in ${clusters} (permission denied)`,
      `  make it readable by you (\`ls -ld ${clusters}\` shows its owner and mode)`,
    ])
  })
})
