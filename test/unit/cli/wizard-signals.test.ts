import { spawn } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, describe, expect, it } from 'vitest'

// The wizard stopped by a signal while it waits on a command (here a `git` that never answers):
// it says so, exits 130 or 143, and takes the command along instead of leaving it running.

const ROOT = path.resolve(import.meta.dirname, '../../..')
const BIN = path.join(ROOT, 'bin', 'kindling.js')
const dirs: string[] = []
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })))

/** Running, not a zombie its new parent has not reaped yet (where /proc tells). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  const stat = `/proc/${pid}/stat`
  return !existsSync(stat) || !/^\d+ \(.*\) Z/.test(readFileSync(stat, 'utf8'))
}

describe('the wizard stopped by a signal', () => {
  it.each([
    ['SIGTERM', 143, 'SIGTERM: stopped'],
    ['SIGINT', 130, 'Ctrl-C: stopped'],
  ] as const)(
    'on %s says what is left, exits %i at once, and leaves no command running',
    async (signal, code, said) => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'kindling-wizard-signal-'))
      dirs.push(dir)
      mkdirSync(path.join(dir, 'clusters'))
      mkdirSync(path.join(dir, 'bin'))
      const pidFile = path.join(dir, 'git.pid')
      writeFileSync(path.join(dir, 'bin', 'git'), `#!/bin/sh\necho $$ > '${pidFile}'\nexec sleep 600\n`)
      chmodSync(path.join(dir, 'bin', 'git'), 0o755)
      const child = spawn(process.execPath, [BIN, 'wizard', '-c', 'lab'], {
        cwd: dir,
        env: { ...process.env, PATH: `${path.join(dir, 'bin')}${path.delimiter}${process.env.PATH ?? ''}` },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let stderr = ''
      child.stderr.on('data', (chunk: Buffer) => (stderr += String(chunk)))
      // Ended by the signal itself: a shell reads 128 + its number (130, 143).
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_, by) => resolve(by)))
      while (!existsSync(pidFile) || readFileSync(pidFile, 'utf8').trim() === '') await sleep(50)
      const git = Number(readFileSync(pidFile, 'utf8'))
      const sent = performance.now()
      child.kill(signal)
      expect([await exited, code]).toEqual([signal, code])
      expect(performance.now() - sent).toBeLessThan(2000)
      expect(stderr).toContain(`${said}; nothing written beyond any "wrote" line above; run the wizard again`)
      await sleep(100)
      expect(alive(git)).toBe(false)
    },
    20_000,
  )
})
