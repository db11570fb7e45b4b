import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { colorEnabled } from '../../../bootstrap/ui/color.js'

// bin/kindling.js as `npx kindling` runs it: commands, version and bad input without a stack trace.

const ROOT = path.resolve(import.meta.dirname, '../../..')
const BIN = path.join(ROOT, 'bin', 'kindling.js')
const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8' })

describe('the kindling launcher', () => {
  it('prints the package version', () => {
    const version = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version
    expect(execFileSync(process.execPath, [BIN, '--version'], { encoding: 'utf8' })).toBe(`${version}\n`)
  })

  it('lists the commands on --help and exits 0; with no command it exits 2', () => {
    const help = run('--help')
    expect(help.status).toBe(0)
    for (const command of ['bootstrap', 'status', 'destroy', 'wizard']) expect(help.stdout).toMatch(new RegExp(`^  ${command} `, 'm'))
    expect(run().status).toBe(2)
  })

  it('refuses an unknown command with exit 2, naming it and the known ones, without a stack trace', () => {
    const result = run('boostrap')
    expect(result.status).toBe(2)
    expect(result.stderr).toContain('unknown command "boostrap"')
    expect(result.stderr).toContain('bootstrap, status, destroy, wizard')
    expect(result.stderr).not.toMatch(/\n\s+at /)
  })

  it('exits only after a slow reader has taken all of a large --json document (a pipe holds 64 KiB)', async () => {
    const script = `import { exitAfterOutput } from './bootstrap/cli/entry.js'
process.stdout.write(JSON.stringify({ ok: true, plan: 'x'.repeat(300_000) }) + '\\n')
await exitAfterOutput(0)`
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] })
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
    // Nothing is read for a while: the process must wait for its reader, not exit and drop the rest.
    child.stdout.pause()
    await new Promise((resolve) => setTimeout(resolve, 1500))
    const chunks: Buffer[] = []
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk))
    child.stdout.resume()
    expect(await exited).toBe(0)
    expect(JSON.parse(Buffer.concat(chunks).toString('utf8'))).toMatchObject({ ok: true })
  }, 20_000)

  it("hands the command's flags through: a command's --help is its own", () => {
    const result = run('status', '--help')
    expect(result.status).toBe(0)
    expect(result.stdout).toContain('Usage: kindling status')
  })
})

describe('colours', () => {
  it('follow NO_COLOR and FORCE_COLOR, and otherwise only a terminal', () => {
    expect(colorEnabled({}, true)).toBe(true)
    expect(colorEnabled({}, false)).toBe(false)
    expect(colorEnabled({ NO_COLOR: '1' }, true)).toBe(false)
    expect(colorEnabled({ TERM: 'dumb' }, true)).toBe(false)
    expect(colorEnabled({ FORCE_COLOR: '1' }, false)).toBe(true)
    expect(colorEnabled({ FORCE_COLOR: '0' }, true)).toBe(false)
  })
})
