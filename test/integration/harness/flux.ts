import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { FLUX_REQUEUE_DEPENDENCY } from '../../../bootstrap/render/flux.js'
import { freePort } from './control-plane.js'
import { httpStatus, killChildrenOnExit, logTail, reapOrphans, runDir, startChild, stopChild, type Child } from './processes.js'

const CONTROLPLANE_DIR = fileURLToPath(new URL('../../controlplane/', import.meta.url))
const BUILD_SCRIPT = path.join(CONTROLPLANE_DIR, 'flux.sh')
const READY_TIMEOUT_MS = 60_000
// Resolved once, at import: tests stub HOME for kindling's own files, which must not move the build cache.
const KINDLING_CACHE = process.env.KINDLING_CACHE || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'kindling')

const FLUX_CONTROLLERS = ['source-controller', 'kustomize-controller'] as const
type FluxController = (typeof FLUX_CONTROLLERS)[number]
const MODULES: Record<FluxController, string> = {
  'source-controller': 'github.com/fluxcd/source-controller',
  'kustomize-controller': 'github.com/fluxcd/kustomize-controller',
}

/** One KEY=value of test/controlplane/versions.env, the only place the versions are set. */
export function pinnedVersion(key: string): string {
  const line = readFileSync(path.join(CONTROLPLANE_DIR, 'versions.env'), 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith(`${key}=`))
  if (!line) throw new Error(`test/controlplane/versions.env has no ${key}`)
  return line.slice(key.length + 1).trim()
}

/** Build Flux's controllers (once; cached outside the repo by test/controlplane/flux.sh); returns their bin folder. */
function buildFlux(env: NodeJS.ProcessEnv = process.env): string {
  const out = execFileSync('bash', [BUILD_SCRIPT], { encoding: 'utf8', env: { KINDLING_CACHE, ...env }, stdio: ['ignore', 'pipe', 'inherit'] })
  return out.trim().split('\n').at(-1)!
}

/**
 * Encrypt a YAML document for an age recipient with the sops CLI flux.sh builds (the sops module
 * kustomize-controller decrypts with), as a user does before committing a Secret.
 */
export function sopsEncrypt(yaml: string, recipient: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kindling-sops-'))
  try {
    const file = path.join(dir, 'secret.yaml')
    writeFileSync(file, yaml)
    // Run outside the checkout: the file is encrypted for the recipient given, not by a .sops.yaml found on the way.
    return execFileSync(path.join(buildFlux(), 'sops'), ['--encrypt', '--age', recipient, '--encrypted-regex', '^(data|stringData)$', file], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, SOPS_DISABLE_VERSION_CHECK: 'true' },
    })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * The module version a controller binary was built from, read from the binary itself (`go version
 * -m`: the controllers have no version flag), e.g. "v1.9.5".
 */
function builtVersion(binary: string, controller: FluxController): string {
  const info = execFileSync('go', ['version', '-m', binary], { encoding: 'utf8' })
  // `mod` when the main package is the controller's own module (as flux.sh builds it), else `dep`.
  const fields = info.split('\n').map((entry) => entry.trim().split(/\s+/))
  const line = fields.find(([kind, module]) => (kind === 'mod' || kind === 'dep') && module === MODULES[controller])
  if (!line?.[2]) throw new Error(`${binary} was not built from ${MODULES[controller]}`)
  return line[2]
}

export interface RunningFlux {
  /** What each binary was built from, e.g. { 'source-controller': 'v1.9.5', ... }. */
  versions: Record<FluxController, string>
  /** Where source-controller serves artifacts (kustomize-controller fetches from here). */
  storageAddr: string
  children: Child[]
  logFiles: Record<FluxController, string>
  stop(): Promise<void>
}

export interface FluxOptions {
  kubeconfigFile: string
  log?: (line: string) => void
  /** Extra environment, e.g. SSL_CERT_FILE for a Git server with a private CA. */
  env?: NodeJS.ProcessEnv
  /**
   * source-controller reconciles only sources with these labels (its --watch-label-selector);
   * others keep no status. Empty: all.
   */
  sourceLabelSelector?: string
  /** Folder name for logs and artifact storage, so two sets of controllers (two control planes) can run side by side. */
  name?: string
}

/** Poll a controller's /readyz (controller-runtime's health endpoint) until 200; fail if it exits. */
async function waitReady(child: Child, healthPort: number): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS
  let last = 'no answer yet'
  for (;;) {
    if (child.process.exitCode !== null || child.process.signalCode !== null) {
      throw new Error(`${child.name} exited with ${child.process.exitCode ?? child.process.signalCode}:\n${logTail(child)}`)
    }
    try {
      const status = await httpStatus(`http://127.0.0.1:${healthPort}/readyz`)
      if (status === 200) return
      last = `HTTP ${status}`
    } catch (error) {
      last = (error as Error).message
    }
    if (Date.now() > deadline) throw new Error(`${child.name} was not ready after ${READY_TIMEOUT_MS / 1000}s (${last}):\n${logTail(child)}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

/**
 * Run Flux's source-controller and kustomize-controller as local processes against a cluster whose
 * Flux CRDs are installed: leader election off, every port a free loopback one (source-controller's
 * artifact server too, advertised on loopback so kustomize-controller can fetch from it). Resolves
 * when both answer /readyz. They are killed if the test process exits or is interrupted first, and
 * reaped by the next start if it was killed outright.
 */
export async function startFlux(options: FluxOptions): Promise<RunningFlux> {
  const log = options.log ?? (() => {})
  const reaped = reapOrphans()
  if (reaped.length) log(`stopped processes left by an earlier run: ${reaped.join(', ')}`)
  const bin = buildFlux()
  const versions = Object.fromEntries(FLUX_CONTROLLERS.map((name) => [name, builtVersion(path.join(bin, name), name)])) as Record<FluxController, string>

  const dir = runDir(options.name ?? 'flux')
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(path.join(dir, 'storage'), { recursive: true })
  mkdirSync(path.join(dir, 'tmp'))
  const children: Child[] = []
  const forget = killChildrenOnExit(children)
  let stopped = false
  const stop = async (): Promise<void> => {
    if (stopped) return
    stopped = true
    for (const child of [...children].reverse()) await stopChild(child)
    forget()
    rmSync(dir, { recursive: true, force: true })
  }

  try {
    const [storagePort, sourceMetrics, sourceHealth, kustomizeMetrics, kustomizeHealth] = (await Promise.all(Array.from({ length: 5 }, freePort))) as [
      number,
      number,
      number,
      number,
      number,
    ]
    const storageAddr = `127.0.0.1:${storagePort}`
    // Their own TMPDIR (kustomize-controller builds in temp folders): nothing else on the machine
    // that tidies /tmp can pull a folder from under a build, and stop() removes them all.
    const env = { ...process.env, ...options.env, KUBECONFIG: options.kubeconfigFile, RUNTIME_NAMESPACE: 'flux-system', TMPDIR: path.join(dir, 'tmp') }
    const common = ['--enable-leader-election=false', '--watch-all-namespaces=true', '--log-level=info', '--log-encoding=console']
    const source = startChild(
      dir,
      'source-controller',
      path.join(bin, 'source-controller'),
      [
        `--storage-path=${path.join(dir, 'storage')}`,
        `--storage-addr=${storageAddr}`,
        `--storage-adv-addr=${storageAddr}`,
        `--metrics-addr=127.0.0.1:${sourceMetrics}`,
        `--health-addr=127.0.0.1:${sourceHealth}`,
        ...(options.sourceLabelSelector ? [`--watch-label-selector=${options.sourceLabelSelector}`] : []),
        ...common,
      ],
      { env },
    )
    const kustomize = startChild(
      dir,
      'kustomize-controller',
      path.join(bin, 'kustomize-controller'),
      [
        `--metrics-addr=127.0.0.1:${kustomizeMetrics}`,
        `--health-addr=127.0.0.1:${kustomizeHealth}`,
        // As kindling's FluxInstance patches it.
        `--requeue-dependency=${FLUX_REQUEUE_DEPENDENCY}`,
        ...common,
      ],
      { env },
    )
    children.push(source, kustomize)
    const started = performance.now()
    await Promise.all([waitReady(source, sourceHealth), waitReady(kustomize, kustomizeHealth)])
    log(
      `Flux source-controller ${versions['source-controller']} and kustomize-controller ${versions['kustomize-controller']} ready in ${((performance.now() - started) / 1000).toFixed(1)}s (logs: ${dir})`,
    )
    return { versions, storageAddr, children, logFiles: { 'source-controller': source.logFile, 'kustomize-controller': kustomize.logFile }, stop }
  } catch (error) {
    await stop().catch(() => {})
    throw error
  }
}
