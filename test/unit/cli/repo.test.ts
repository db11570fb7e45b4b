import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { ExitCode, exitCodeOf } from '../../../bootstrap/engine/errors.js'
import { formatError } from '../../../bootstrap/ui/format.js'
import { findRepoRoot, resolveClusterName } from '../../../bootstrap/cli/repo.js'
import { loadClusterSpec } from '../../../bootstrap/spec/load.js'

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
  // A cluster folder named `sealed` this user may not look into, as after `chmod 000 clusters/sealed`.
  const statSync = ((at: string, ...rest: unknown[]) => {
    if (String(at).split(path.sep).slice(0, -1).includes('sealed')) {
      throw Object.assign(new Error(`EACCES: permission denied, stat '${String(at)}'`), { code: 'EACCES' })
    }
    return (fs.statSync as (...args: unknown[]) => unknown)(at, ...rest)
  }) as typeof fs.statSync
  return { ...fs, default: { ...fs, readdirSync, statSync }, readdirSync, statSync }
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

  /** A repository with the readable clusters given, and clusters/sealed/ this user may not read. */
  function withSealed(name: string, readable: string[]): string {
    const repo = path.join(dir, name)
    for (const cluster of [...readable, 'sealed']) {
      mkdirSync(path.join(repo, 'clusters', cluster), { recursive: true })
      writeFileSync(path.join(repo, 'clusters', cluster, 'cluster.yaml'), '')
    }
    return repo
  }

  function refusalOf(repo: string, requested?: string): { code: number; lines: string[] } {
    try {
      return { code: 0, lines: [resolveClusterName(repo, requested)] }
    } catch (error) {
      return { code: exitCodeOf(error), lines: formatError(error, (text) => text) }
    }
  }

  it('names a cluster folder it may not read, with the fix, when it is the only one: not "no cluster spec found"', () => {
    const repo = withSealed('only-sealed', [])
    const sealed = path.join(repo, 'clusters', 'sealed')
    expect(refusalOf(repo)).toEqual({
      code: ExitCode.badInput,
      lines: [
        'no cluster spec found under clusters/ that this user may read: clusters/sealed/ cannot be read (permission denied)',
        `  make it readable by you (\`ls -ld ${sealed}\` shows its owner and mode), or create another cluster with \`npx kindling wizard\``,
      ],
    })
  })

  it('does not take the only readable cluster for the one meant while another folder cannot be read', () => {
    const repo = withSealed('one-readable', ['lab'])
    const refusal = refusalOf(repo)
    expect(refusal.code).toBe(ExitCode.badInput)
    expect(refusal.lines).toContain('  pass --cluster lab to use it')
    expect(refusal.lines).toContain(
      `  clusters/sealed/ cannot be read (permission denied): make it readable by you (\`ls -ld ${path.join(repo, 'clusters', 'sealed')}\` shows its owner and mode)`,
    )
  })

  it('names a cluster folder it may not read beside the clusters to choose from', () => {
    const repo = withSealed('two-readable', ['edge', 'lab'])
    expect(refusalOf(repo)).toEqual({
      code: ExitCode.badInput,
      lines: [
        'several clusters here (edge, lab); say which one',
        '  pass --cluster NAME',
        `  clusters/sealed/ cannot be read (permission denied): make it readable by you (\`ls -ld ${path.join(repo, 'clusters', 'sealed')}\` shows its owner and mode)`,
      ],
    })
  })

  it('says of a spec it may not read that the folder or file needs reading rights, not that it should be YAML', async () => {
    const repo = withSealed('named-sealed', ['lab'])
    const folder = path.join(repo, 'clusters', 'sealed')
    const refusal = await loadClusterSpec(repo, 'sealed').catch((error: unknown) => error)
    expect(exitCodeOf(refusal)).toBe(ExitCode.badInput)
    const lines = formatError(refusal, (text) => text)
    expect(lines[0]).toMatch(/cluster\.yaml, cannot be read \(permission denied\)$/)
    expect(lines[1]).toBe(`  make it and its folder readable by you (\`ls -ld ${folder} ${path.join(folder, 'cluster.yaml')}\` shows their owners and modes)`)
  })
})
