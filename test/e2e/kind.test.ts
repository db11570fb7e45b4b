import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

/**
 * End to end on a real kind cluster: bootstrap, status, destroy through the real CLI. It needs a
 * Docker engine, kind and helm (devbox shell), and a remote the cluster can read: the branch under
 * test, from KINDLING_E2E_REPO_URL / KINDLING_E2E_BRANCH (set by .github/workflows/e2e.yml), else
 * this checkout's origin and branch. The engine syncs test/e2e/gitops/ from that remote.
 */
const projectRoot = fileURLToPath(new URL('../../', import.meta.url))
const CLUSTER = 'kindling-e2e'

function succeeds(file: string, args: string[]): boolean {
  return spawnSync(file, args, { stdio: 'ignore' }).status === 0
}

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: projectRoot, encoding: 'utf8' }).trim()
}

const dockerAvailable = succeeds('docker', ['info'])
const toolsAvailable = succeeds('kind', ['version']) && succeeds('helm', ['version', '--short'])
const reason = !dockerAvailable
  ? 'no Docker engine answers `docker info` here'
  : !toolsAvailable
    ? 'kind or helm is not on PATH (run inside `devbox shell`)'
    : ''
if (reason) console.warn(`[e2e] skipped: ${reason}`)

function remote(): { url: string; branch: string } {
  const url = process.env.KINDLING_E2E_REPO_URL ?? git('remote', 'get-url', 'origin')
  const branch = process.env.KINDLING_E2E_BRANCH ?? git('rev-parse', '--abbrev-ref', 'HEAD')
  return { url, branch }
}

describe.skipIf(Boolean(reason))('kind end to end', () => {
  const workdir = mkdtempSync(path.join(os.tmpdir(), 'kindling-e2e-'))
  const home = path.join(workdir, 'home')

  /** Run the CLI as a user would, from a GitOps checkout holding only the e2e cluster's spec. */
  function cli(command: 'bootstrap' | 'status' | 'destroy', ...args: string[]): { status: number | null; output: string } {
    const result = spawnSync(
      path.join(projectRoot, 'node_modules', '.bin', 'tsx'),
      [path.join(projectRoot, 'scripts', `${command}.ts`), '--cluster', CLUSTER, ...args],
      {
        cwd: workdir,
        encoding: 'utf8',
        // A Git identity for the commit of rendered files (the user's own, in real use).
        env: {
          ...process.env,
          HOME: home,
          CI: 'true',
          GIT_AUTHOR_NAME: 'e2e',
          GIT_AUTHOR_EMAIL: 'e2e@example.com',
          GIT_COMMITTER_NAME: 'e2e',
          GIT_COMMITTER_EMAIL: 'e2e@example.com',
        },
        timeout: 25 * 60_000,
      },
    )
    const output = `${result.stdout}\n${result.stderr}`
    console.log(`$ ${command} ${args.join(' ')} → exit ${result.status}\n${output}`)
    return { status: result.status, output }
  }

  /** The e2e cluster's spec: kind on other host ports, Flux, no components that need the internet's charts. */
  function writeSpec(repository: string, extraComponents = ''): void {
    writeFileSync(
      path.join(workdir, 'clusters', CLUSTER, 'cluster.yaml'),
      `apiVersion: kindling.dev/v1alpha1
kind: Cluster
metadata:
  name: ${CLUSTER}
spec:
  provider:
    type: kind
    portMappings:
      - containerPort: 30080
        hostPort: 18080
    registryCaches:
      localRegistry:
        hostPort: 15001
  gitops:
    engine: flux
  repository:
    ${repository}
  components:
    crossplane: {enabled: false}
    monitoring: {enabled: false}
${extraComponents ? `    ${extraComponents}\n` : ''}  secrets:
    sops: {enabled: false}
`,
    )
  }

  afterAll(() => {
    // Leave no cluster or cache behind, whatever happened above.
    cli('destroy', '--yes', '--purge')
    rmSync(workdir, { recursive: true, force: true })
  })

  it('bootstraps a kind cluster with registry caches, reports it healthy, and destroys it', () => {
    const { url, branch } = remote()
    mkdirSync(path.join(workdir, 'clusters', CLUSTER), { recursive: true })
    mkdirSync(home, { recursive: true })
    writeSpec(`url: ${url}\n    branch: ${branch}\n    path: test/e2e/gitops`)

    const bootstrap = cli('bootstrap', '--yes', '--no-push', '--timeout', '10m')
    expect(bootstrap.status).toBe(0)
    expect(succeeds('docker', ['inspect', '--type', 'container', `kindling-${CLUSTER}-cache-docker-io`])).toBe(true)

    const again = cli('bootstrap', '--yes', '--no-push', '--timeout', '10m')
    expect(again.status).toBe(0)
    expect(again.output).toMatch(/exists with the same config/)

    const status = cli('status')
    expect(status.status).toBe(0)

    const destroy = cli('destroy', '--yes')
    expect(destroy.status).toBe(0)
    expect(succeeds('kind', ['get', 'kubeconfig', '--name', CLUSTER])).toBe(false)
    // The caches outlive the cluster, so the next cluster pulls nothing twice.
    expect(succeeds('docker', ['inspect', '--type', 'container', `kindling-${CLUSTER}-cache-docker-io`])).toBe(true)
  })

  it('with no remote in the spec: runs Soft Serve in the cluster, pushes this checkout to it, and Flux follows it', () => {
    mkdirSync(path.join(workdir, 'clusters', CLUSTER), { recursive: true })
    mkdirSync(home, { recursive: true })
    writeSpec('branch: main', 'apps: {enabled: false}')
    // A newcomer's checkout: committed, with no remote of its own.
    const identity = ['-c', 'user.name=e2e', '-c', 'user.email=e2e@example.com']
    execFileSync('git', ['init', '--quiet', '--initial-branch=main'], { cwd: workdir })
    execFileSync('git', ['add', '-A'], { cwd: workdir })
    execFileSync('git', [...identity, 'commit', '--quiet', '-m', 'my lab'], { cwd: workdir })

    const bootstrap = cli('bootstrap', '--yes', '--timeout', '15m')
    expect(bootstrap.status).toBe(0)
    expect(bootstrap.output).toContain('Git: the engine reads http://git-server.kindling-git.svc.cluster.local/gitops.git')
    const status = cli('status')
    expect(status.status).toBe(0)
    expect(status.output).toContain('follows the in-cluster Git server')
    // Nothing new: the server has this checkout's head, so the second run pushes nothing.
    const again = cli('bootstrap', '--yes', '--timeout', '10m')
    expect(again.status).toBe(0)
    expect(again.output).toMatch(/clusters\/kindling-e2e\/ is on main at [0-9a-f]{7}/)
    expect(cli('destroy', '--yes').status).toBe(0)
  })
})
