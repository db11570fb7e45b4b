import { execFileSync } from 'node:child_process'
import { accessSync, constants, existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const PROGRAMS = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok', 'kubectl'] as const
export type Program = (typeof PROGRAMS)[number]
/** Paths of the control-plane programs, plus kwok's Stages (kwok alone has none built in). */
export type Binaries = Record<Program, string> & { kwokStages: string }

const BUILD_SCRIPT = fileURLToPath(new URL('../../controlplane/build.sh', import.meta.url))

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK)
    return true
  } catch {
    return false
  }
}

function onPath(program: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const file = path.join(dir, program)
    if (executable(file)) return file
  }
  return undefined
}

/** etcd older than 3.5 (Debian's 3.4) lacks flags the API server needs; don't adopt it. */
function usableEtcd(file: string): boolean {
  const out = execFileSync(file, ['--version'], { encoding: 'utf8' })
  const [major, minor] = (/etcd Version: (\d+)\.(\d+)/.exec(out) ?? []).slice(1).map(Number)
  return major !== undefined && (major > 3 || (major === 3 && (minor ?? 0) >= 5))
}

/** kwok's Stages: KWOK_STAGES, else the file build.sh keeps beside its bin folder. */
function kwokStagesFor(kwok: string): string | undefined {
  const candidates = [process.env.KWOK_STAGES, path.join(path.dirname(kwok), '..', 'etc', 'kwok-stages.yaml')]
  return candidates.find((file): file is string => Boolean(file) && existsSync(file!))
}

/**
 * Find the control-plane programs: KUBEBUILDER_ASSETS first (envtest's folder of binaries), then
 * PATH (e.g. Nix's kubernetes and etcd packages), and build from upstream Go modules whatever is
 * still missing (cached outside the repo by test/controlplane/build.sh).
 */
export function locateBinaries(log: (line: string) => void = () => {}): Binaries {
  const assets = process.env.KUBEBUILDER_ASSETS
  const found: Partial<Record<Program, string>> = {}
  for (const program of PROGRAMS) {
    const fromAssets = assets ? path.join(assets, program) : undefined
    const candidate = fromAssets && executable(fromAssets) ? fromAssets : onPath(program)
    if (candidate && (program !== 'etcd' || usableEtcd(candidate))) found[program] = candidate
  }
  let kwokStages = found.kwok ? kwokStagesFor(found.kwok) : undefined
  if (!kwokStages) delete found.kwok
  const missing = PROGRAMS.filter((program) => !found[program])
  if (missing.length > 0) {
    log(`${missing.join(', ')}: from upstream Go modules via test/controlplane/build.sh (built once, then cached)`)
    const binDir = buildControlPlane()
    for (const program of missing) found[program] = path.join(binDir, program)
    kwokStages = path.join(binDir, '..', 'etc', 'kwok-stages.yaml')
  }
  return { ...(found as Record<Program, string>), kwokStages: kwokStages! }
}

/** Run build.sh (a no-op when the cache is good); returns its bin folder. */
export function buildControlPlane(env: NodeJS.ProcessEnv = process.env): string {
  const out = execFileSync('bash', [BUILD_SCRIPT], { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'inherit'] })
  return out.trim().split('\n').at(-1)!
}
