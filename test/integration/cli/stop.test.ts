import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { stringify } from 'yaml'

// The CLI as a user runs it (bin/kindling.js in a child process) against an API server and a Git
// host that accept connections and never answer: a wedged cluster must never hang the tool.

const ROOT = path.resolve(import.meta.dirname, '../../..')
const STOP_LIMIT_MS = 2000
let wedged: net.Server
const sockets = new Set<net.Socket>()
let repo: string

beforeAll(async () => {
  wedged = net.createServer((socket) => {
    sockets.add(socket)
    socket.on('error', () => {})
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => wedged.listen(0, '127.0.0.1', resolve))
  const { port } = wedged.address() as net.AddressInfo
  repo = mkdtempSync(path.join(os.tmpdir(), 'kindling-wedged-'))
  const kubeconfig = path.join(repo, 'kubeconfig')
  writeFileSync(
    kubeconfig,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'wedged', cluster: { server: `https://127.0.0.1:${port}`, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'user', user: { token: 'not-a-real-token' } }],
      contexts: [{ name: 'wedged', context: { cluster: 'wedged', user: 'user' } }],
      'current-context': 'wedged',
    }),
  )
  mkdirSync(path.join(repo, 'clusters', 'lab'), { recursive: true })
  writeFileSync(
    path.join(repo, 'clusters', 'lab', 'cluster.yaml'),
    stringify({
      apiVersion: 'kindling.dev/v1alpha1',
      kind: 'Cluster',
      metadata: { name: 'lab' },
      spec: {
        provider: { type: 'existing', kubeconfig, context: 'wedged' },
        gitops: { engine: 'flux' },
        repository: { url: `https://127.0.0.1:${port}/lab.git` },
      },
    }),
  )
})

afterAll(async () => {
  for (const socket of sockets) socket.destroy()
  await new Promise((resolve) => wedged?.close(resolve))
  rmSync(repo, { recursive: true, force: true })
})

interface Finished {
  code: number | null
  output: string
  /** From the signal (or, without one, from the first progress line) to the exit. */
  stopMs: number
}

/**
 * Start a command, wait until it shows progress (it is then talking to the wedged endpoints),
 * let it hang a moment, then stop it the way given: a signal, or Ctrl-C typed on a terminal.
 */
function runAndStop(command: string, stop: 'SIGINT' | 'SIGTERM' | 'ctrl-c' | 'none', extraArgs: string[] = []): Promise<Finished> {
  const cli = [process.execPath, path.join(ROOT, 'bin', 'kindling.js'), command, ...extraArgs]
  // `script` gives the command a real pseudo-terminal; a Ctrl-C typed into it becomes SIGINT.
  const child =
    stop === 'ctrl-c'
      ? spawn('script', ['-qfec', `stty cols 120 rows 40; exec ${cli.map((part) => `'${part}'`).join(' ')}`, '/dev/null'], { cwd: repo, env: terminalEnv() })
      : spawn(cli[0]!, cli.slice(1), { cwd: repo, env: { ...process.env, CI: 'true' } })
  let output = ''
  let progressAt: number | undefined
  let stoppedAt: number | undefined
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString()
      if (progressAt === undefined && output.includes('Check prerequisites')) {
        progressAt = performance.now()
        if (stop === 'none') return
        setTimeout(() => {
          stoppedAt = performance.now()
          if (stop === 'ctrl-c') child.stdin.write('\u0003')
          else child.kill(stop)
        }, 1000)
      }
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    const guard = setTimeout(() => child.kill('SIGKILL'), 90_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(guard)
      resolve({ code, output, stopMs: performance.now() - (stoppedAt ?? progressAt ?? performance.now()) })
    })
  })
}

/** The environment of a user at a terminal: not CI. */
function terminalEnv(): NodeJS.ProcessEnv {
  const { CI: _ci, ...env } = process.env
  return { ...env, TERM: 'xterm' }
}

describe('a wedged API server and Git host (accept, never answer) never hang the tool', () => {
  for (const command of ['status', 'bootstrap']) {
    for (const [signal, code] of [
      ['SIGINT', 130],
      ['SIGTERM', 143],
    ] as const) {
      it(`${command}: ${signal} off a terminal stops within 2 s, says what was left unfinished, exits ${code}`, async () => {
        const { code: exit, output, stopMs } = await runAndStop(command, signal, command === 'bootstrap' ? ['--yes'] : [])
        console.log(`[stop] ${command} stopped by ${signal} in ${Math.round(stopMs)} ms`)
        expect(exit, output).toBe(code)
        expect(stopMs).toBeLessThan(STOP_LIMIT_MS)
        expect(output).toContain(`Stopped (${signal}).`)
        // status only reads: what it did not get to is "not checked", and there is nothing to finish.
        expect(output).toMatch(command === 'status' ? /Not checked:\n {2}- Check prerequisites/ : /Left unfinished:\n {2}- Check prerequisites/)
        expect(output).toContain(command === 'status' ? 'status changed nothing; run it again to check everything.' : 'Run the same command again to finish')
        expect(output).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/)
      })
    }
  }

  it('status: Ctrl-C typed on a terminal stops within 2 s with exit 130, and says so on the terminal', async () => {
    const { code, output, stopMs } = await runAndStop('status', 'ctrl-c')
    console.log(`[stop] status on a terminal stopped by Ctrl-C in ${Math.round(stopMs)} ms`)
    expect(code, output).toBe(130)
    expect(stopMs).toBeLessThan(STOP_LIMIT_MS)
    expect(output).toContain('Ctrl-C: stopping')
    expect(output).toContain('Stopped (SIGINT).')
  })

  it('bootstrap: Ctrl-C typed on a terminal stops within 2 s with exit 130', async () => {
    const { code, output, stopMs } = await runAndStop('bootstrap', 'ctrl-c', ['--yes'])
    expect(code, output).toBe(130)
    expect(stopMs).toBeLessThan(STOP_LIMIT_MS)
    expect(output).toContain('Stopped (SIGINT).')
  })

  it('--timeout bounds the whole run: status ends at the deadline with exit 1 and names it', async () => {
    const { code, output, stopMs } = await runAndStop('status', 'none', ['--timeout', '3s'])
    console.log(`[stop] status --timeout 3s ended ${Math.round(stopMs)} ms after its first progress line`)
    expect(code, output).toBe(1)
    expect(stopMs).toBeLessThan(3000 + STOP_LIMIT_MS)
    expect(output).toContain('Stopped: the run did not finish within --timeout 3s.')
  })

  it('two bootstraps of one cluster: the second refuses at once naming the first (exit 3); a killed run leaves no stuck lock', async () => {
    const state = mkdtempSync(path.join(os.tmpdir(), 'kindling-state-'))
    const env = { ...process.env, CI: 'true', XDG_STATE_HOME: state }
    const start = () => spawn(process.execPath, [path.join(ROOT, 'bin', 'kindling.js'), 'bootstrap', '--yes'], { cwd: repo, env })
    const exited = (child: ReturnType<typeof spawn>) =>
      new Promise<{ code: number | null; output: string }>((resolve) => {
        let output = ''
        child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()))
        child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()))
        child.on('close', (code) => resolve({ code, output }))
      })
    const progress = (child: ReturnType<typeof spawn>) =>
      new Promise<void>((resolve) => child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('Check prerequisites') && resolve()))
    try {
      const first = start()
      const firstDone = exited(first)
      await progress(first)
      const second = await exited(start())
      expect(second.code, second.output).toBe(3)
      expect(second.output).toContain(`another kindling bootstrap of cluster lab is running (process ${first.pid}`)
      // Killed outright: no cleanup runs, the lock file stays, and the next run takes it over.
      first.kill('SIGKILL')
      await firstDone
      const third = start()
      const thirdDone = exited(third)
      await progress(third)
      third.kill('SIGINT')
      expect((await thirdDone).code).toBe(130)
    } finally {
      rmSync(state, { recursive: true, force: true })
    }
  })
})
