import { spawn, type ChildProcess } from 'node:child_process'
import { createWriteStream, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'

/** A child process of the test control plane, with its log file for diagnostics. */
export interface Child {
  name: string
  process: ChildProcess
  logFile: string
  exited: Promise<number | null>
}

const RUN_ROOT = path.join(os.tmpdir(), 'kindling-controlplane')

/**
 * A folder for one group of processes (the control plane, or `name`d others such as Crossplane)
 * owned by this test process; its `pids` file lets a later run reap what a killed run left behind.
 */
export function runDir(name?: string): string {
  return path.join(RUN_ROOT, name ? `run-${process.pid}-${name}` : `run-${process.pid}`)
}

/** Kill processes left by earlier runs whose owning test process is gone (e.g. it was SIGKILLed). */
export function reapOrphans(): string[] {
  if (!existsSync(RUN_ROOT)) return []
  const reaped: string[] = []
  for (const entry of readdirSync(RUN_ROOT)) {
    const owner = Number(/^run-(\d+)(?:-[\w.-]+)?$/.exec(entry)?.[1])
    if (!owner || isAlive(owner)) continue
    const pidFile = path.join(RUN_ROOT, entry, 'pids')
    if (existsSync(pidFile)) {
      for (const line of readFileSync(pidFile, 'utf8').split('\n').filter(Boolean)) {
        const [pid, name] = line.split(' ')
        if (pid && isAlive(Number(pid))) {
          process.kill(Number(pid), 'SIGKILL')
          reaped.push(`${name} (${pid})`)
        }
      }
    }
    rmSync(path.join(RUN_ROOT, entry), { recursive: true, force: true })
  }
  return reaped
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Start a program with its output in a log file; records its pid for orphan reaping. */
export function startChild(dir: string, name: string, file: string, args: string[], options: { env?: NodeJS.ProcessEnv } = {}): Child {
  const logFile = path.join(dir, `${name}.log`)
  const log = createWriteStream(logFile)
  const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env })
  child.stdout?.pipe(log)
  child.stderr?.pipe(log)
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => resolve(code))
    child.on('error', () => resolve(-1))
  })
  if (child.pid) writeFileSync(path.join(dir, 'pids'), `${child.pid} ${name}\n`, { flag: 'a' })
  return { name, process: child, logFile, exited }
}

/** The last lines of a child's log, for error messages. */
export function logTail(child: Child, lines = 25): string {
  try {
    return readFileSync(child.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
  } catch {
    return '(no log)'
  }
}

/** SIGTERM, then SIGKILL after a grace period; resolves when the process is gone. */
export async function stopChild(child: Child, graceMs = 5000): Promise<void> {
  if (child.process.exitCode !== null || child.process.signalCode !== null) return
  child.process.kill('SIGTERM')
  const timer = setTimeout(() => child.process.kill('SIGKILL'), graceMs)
  await child.exited
  clearTimeout(timer)
}

/**
 * Last resort for an abrupt end of the test process (exit, Ctrl-C, SIGTERM): kill every child at
 * once, synchronously, so none outlives it. Returns the function that removes the handlers.
 */
export function killChildrenOnExit(children: readonly Child[]): () => void {
  const killAll = (): void => children.forEach((child) => child.process.exitCode === null && child.process.kill('SIGKILL'))
  const onSignal = (signal: NodeJS.Signals): void => {
    killAll()
    // Keep the signal's usual meaning when nobody else handles it.
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal)
  }
  process.once('exit', killAll)
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  return () => {
    process.removeListener('exit', killAll)
    process.removeListener('SIGINT', onSignal)
    process.removeListener('SIGTERM', onSignal)
  }
}

/**
 * Wait until something accepts connections on 127.0.0.1:`port` (a child that has no health
 * endpoint); fails early with its log when `child` exits first.
 */
export async function waitForPort(port: number, what: string, options: { timeoutMs?: number; child?: Child } = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 10_000
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1')
      socket.once('connect', () => (socket.destroy(), resolve(true)))
      socket.once('error', () => resolve(false))
    })
    if (open) return
    const { child } = options
    if (child && (child.process.exitCode !== null || child.process.signalCode !== null))
      throw new Error(`${what} exited with ${child.process.exitCode ?? child.process.signalCode}:\n${logTail(child)}`)
    if (Date.now() > deadline) throw new Error(`${what} did not listen on 127.0.0.1:${port} within ${timeoutMs / 1000} s${child ? `:\n${logTail(child)}` : ''}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** The HTTP status a local health endpoint answers with (a child's /readyz), within 2 s. */
export function httpStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { timeout: 2000 }, (response) => {
      response.resume()
      resolve(response.statusCode ?? 0)
    })
    request.on('error', reject)
    request.on('timeout', () => request.destroy(new Error('request timed out')))
  })
}
