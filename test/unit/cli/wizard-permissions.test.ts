import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { runWizard } from '../../../bootstrap/cli/wizard.js'
import { RecordingRunner } from '../../../bootstrap/tools/recording-runner.js'

// Folders this user may not write: a checkout of another user's, a clusters/ folder left to root.
// Tests run as root too, where no mode keeps a folder from being written, so the refusal the
// kernel gives anyone else is played here for every path under a folder named `locked`.
const lockedPath = (at: unknown): boolean => String(at).split(path.sep).includes('locked')
const denied = (call: string, at: unknown) => Object.assign(new Error(`EACCES: permission denied, ${call} '${String(at)}'`), { code: 'EACCES' })

vi.mock('node:fs', async (original) => {
  const fs = await original<typeof import('node:fs')>()
  const accessSync = ((at: string, mode?: number) => {
    if (lockedPath(at) && mode !== undefined && (mode & fs.constants.W_OK) !== 0) throw denied('access', at)
    return fs.accessSync(at, mode)
  }) as typeof fs.accessSync
  return { ...fs, default: { ...fs, accessSync }, accessSync }
})
vi.mock('node:fs/promises', async (original) => {
  const fs = await original<typeof import('node:fs/promises')>()
  const mkdir = (async (at: string, ...rest: unknown[]) => {
    if (lockedPath(at) && !existsSync(at)) throw denied('mkdir', at)
    return (fs.mkdir as (...args: unknown[]) => unknown)(at, ...rest)
  }) as typeof fs.mkdir
  const writeFile = (async (at: string, ...rest: unknown[]) => {
    if (lockedPath(at)) throw denied('open', at)
    return (fs.writeFile as (...args: unknown[]) => unknown)(at, ...rest)
  }) as typeof fs.writeFile
  return { ...fs, default: { ...fs, mkdir, writeFile }, mkdir, writeFile }
})

let dir = ''
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const FLAGS = [
  '--provider',
  'kind',
  '--workers',
  '0',
  '--engine',
  'flux',
  '--repo',
  '',
  '--branch',
  'main',
  '--no-crossplane',
  '--no-monitoring',
  '--no-apps',
  '--no-sops',
]

async function wizard(cwd: string, args: string[]) {
  const out: string[] = []
  const err: string[] = []
  const runner = new RecordingRunner([{ match: /remote get-url origin/, stdout: '', exitCode: 2 }])
  const code = await runWizard([...args, ...FLAGS], { stdout: (t) => out.push(t), stderr: (t) => err.push(t), cwd, runner })
  return { code, out: out.join(''), err: err.join('') }
}

describe('the wizard in folders it may not write', () => {
  it('names a clusters/ folder it may not write, with the fix, exit 2, and writes nothing (not a bare EACCES, exit 1)', async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kindling-wizard-perm-'))
    const repo = path.join(dir, 'locked')
    mkdirSync(path.join(repo, 'clusters'), { recursive: true })
    const run = await wizard(repo, ['-c', 'lab'])
    expect(run.code).toBe(2)
    expect(run.err).not.toContain('EACCES')
    expect(run.err).toContain(
      `the folder clusters/ is not writable by you (permission denied), so clusters/lab/ cannot be written: make it writable by you (\`ls -ld ${path.join(repo, 'clusters')}\` shows its owner and mode), or run the wizard in a checkout of your own`,
    )
    expect(run.out).not.toContain('wrote')
    expect(readdirSync(path.join(repo, 'clusters'))).toEqual([])
  })

  it("names the folder inside an existing cluster's folder that bootstrap's files cannot go in, before the spec is replaced", async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kindling-wizard-perm-'))
    const lab = path.join(dir, 'clusters', 'lab')
    mkdirSync(path.join(lab, 'apps', 'locked'), { recursive: true })
    writeFileSync(path.join(lab, 'cluster.yaml'), 'old spec\n')
    const run = await wizard(dir, ['-c', 'lab', '--yes'])
    expect(run.code).toBe(2)
    expect(run.err).toContain('the folder clusters/lab/apps/locked/ is not writable by you (permission denied)')
    expect(run.err).toContain('or pick another name')
    expect(readFileSync(path.join(lab, 'cluster.yaml'), 'utf8')).toBe('old spec\n')
    expect(run.out).not.toContain('wrote')
  })
})
