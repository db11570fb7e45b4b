#!/usr/bin/env -S npx tsx
// Benchmark (not a test): prints figures, asserts nothing. Run with `npx tsx test/bench/cli.bench.ts`.
// Start-up of the command line as users run it (bin/kindling.js over the compiled dist/), each as a
// ratio to `node -e 0` measured in the same run on the same machine:
//   1. --version, --help, a command's --help, a spec error (exit 2)
//   2. the first progress line of a bootstrap (a dry run, so nothing changes)
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const ROOT = path.resolve(import.meta.dirname, '../..')
const BIN = path.join(ROOT, 'bin', 'kindling.js')
const RUNS = 15
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
const ms = (value: number): string => `${value.toFixed(0)} ms`

// The launcher runs dist/ only when it is current; build it so the figures are the shipped start-up.
execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'inherit' })

// A repository whose spec is invalid (`workers: yes`): the error is found by parsing and validating it.
const broken = mkdtempSync(path.join(os.tmpdir(), 'kindling-bench-spec-'))
mkdirSync(path.join(broken, 'clusters', 'broken'), { recursive: true })
const example = readFileSync(path.join(ROOT, 'clusters', 'homelab', 'cluster.yaml'), 'utf8')
writeFileSync(path.join(broken, 'clusters', 'broken', 'cluster.yaml'), example.replace('name: homelab', 'name: broken').replace('workers: 0', 'workers: yes'))
process.on('exit', () => rmSync(broken, { recursive: true, force: true }))

function timeRun(args: string[], cwd = ROOT): number {
  const times: number[] = []
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now()
    spawnSync(process.execPath, args, { cwd, stdio: 'ignore' })
    times.push(performance.now() - started)
  }
  return median(times)
}

function firstLine(args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, CI: 'true' } })
    const guard = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`no progress line within 30 s from ${args.join(' ')}`))
    }, 30_000)
    child.stdout.once('data', () => {
      clearTimeout(guard)
      resolve(performance.now() - started)
      child.kill('SIGTERM')
    })
    // Keep reading both pipes: a child whose pipe fills up blocks writing its plan and never ends.
    child.stdout.on('data', () => {})
    child.stderr.on('data', () => {})
    child.on('error', reject)
  })
}

const baseline = timeRun(['-e', '0'])
console.log(`node -e 0: ${ms(baseline)} (median of ${RUNS}; ${process.version})`)
for (const [label, args, cwd] of [
  ['kindling --version', [BIN, '--version'], ROOT],
  ['kindling --help', [BIN, '--help'], ROOT],
  ['kindling bootstrap --help', [BIN, 'bootstrap', '--help'], ROOT],
  ['kindling status -c no-such-cluster (no spec file, exit 2)', [BIN, 'status', '-c', 'no-such-cluster'], ROOT],
  ['kindling bootstrap -c broken (an invalid spec, parsed and validated, exit 2)', [BIN, 'bootstrap', '-c', 'broken'], broken],
] as const) {
  const value = timeRun([...args], cwd)
  console.log(`${label}: ${ms(value)}, ${(value / baseline).toFixed(1)}x node -e 0`)
}
const firsts: number[] = []
for (let i = 0; i < 5; i++) firsts.push(await firstLine([BIN, 'bootstrap', '--dry-run', '-c', 'homelab']))
const first = median(firsts)
console.log(`first progress line of a bootstrap (dry run, clusters/homelab): ${ms(first)}, ${(first / baseline).toFixed(1)}x node -e 0 (median of 5)`)
