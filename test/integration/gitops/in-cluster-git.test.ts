import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { runSteps, type RunReport } from '../../../bootstrap/engine/run.js'
import type { Step, StepContext } from '../../../bootstrap/engine/step.js'
import { fluxKustomizationRef, gitRepositoryRef } from '../../../bootstrap/engines/flux-health.js'
import { deleted, exists } from '../../../bootstrap/kube/conditions.js'
import type { PodConnector } from '../../../bootstrap/kube/tunnel.js'
import { IN_CLUSTER_GIT } from '../../../bootstrap/render/git-server.js'
import { parseClusterSpec, type ClusterSpec } from '../../../bootstrap/spec/load.js'
import { gitopsSteps } from '../../../bootstrap/steps/gitops/index.js'
import { readGitopsStatus } from '../../../bootstrap/steps/gitops/status.js'
import { ExecRunner } from '../../../bootstrap/tools/exec-runner.js'
import type { Command, Runner } from '../../../bootstrap/tools/runner.js'
import { Redactor } from '../../../bootstrap/tools/secrets.js'
import { testContext } from '../../unit/support/context.js'
import { clusterStub, removeTempDirs, specYaml, tempRepo } from '../../unit/steps/gitops/support.js'
import { startGitServer, type GitServer } from '../harness/git-server.js'
import { sshServerMissing, startSshGitServer, type SshGitServer } from '../harness/ssh-git-server.js'
import { everyStepDone, kindlingWritesDuring, testKube } from '../support.js'
import { ENGINE_CRDS, FakeToolsRunner, ready, setStatus, TEST_AGE_IDENTITY } from './fakes.js'

/**
 * A spec with no remote, on the real control plane: kindling runs the in-cluster Git server
 * (kwok plays its pod), pushes this checkout to it through a tunnel, and points the engine at it.
 * Debian's sshd on loopback plays Soft Serve's SSH side: the tunnel's connector joins the pod's
 * SSH port to it, and authorizes exactly the admin key the live Deployment names, as Soft Serve
 * does. The engine's controllers are played (their in-cluster HTTP URL cannot resolve here).
 */
const kube = testKube()
const missing = sshServerMissing()
const deploymentRef = { apiVersion: 'apps/v1', kind: 'Deployment', name: IN_CLUSTER_GIT.name, namespace: IN_CLUSTER_GIT.namespace }

let ssh: SshGitServer
let https: GitServer
const tunnels: string[] = []

/** Soft Serve's side of the tunnel: trust the Deployment's admin key, then join the socket to sshd. */
const connectPod: PodConnector = (target, socket) => {
  tunnels.push(`${target.namespace}/${target.pod.replace(/-[a-z0-9]+-[a-z0-9]+$/, '')}:${target.port}`)
  void kube.get(deploymentRef).then((deployment) => {
    const env = (deployment?.spec as { template: { spec: { containers: { env: { name: string; value: string }[] }[] } } }).template.spec.containers[0]!.env
    ssh.authorize([env.find((entry) => entry.name === 'SOFT_SERVE_INITIAL_ADMIN_KEYS')!.value])
    const upstream = net.connect(ssh.port, '127.0.0.1')
    socket.pipe(upstream).pipe(socket)
    upstream.on('error', () => socket.destroy())
  })
}

/** Real git and ssh-keygen; helm played (no chart registry is reachable here). */
class HelmPlayedRunner implements Runner {
  readonly commands: Command[] = []
  constructor(
    private readonly helm: FakeToolsRunner,
    private readonly real = new ExecRunner(new Redactor()),
  ) {}
  run(command: Command, options?: Parameters<Runner['run']>[1]): ReturnType<Runner['run']> {
    this.commands.push(command)
    return command.file === 'helm' ? this.helm.run(command) : this.real.run(command, options)
  }
}

function context(spec: ClusterSpec, runner: Runner): StepContext {
  return { ...testContext({ spec, runner, kube, flags: { yes: true }, signal: AbortSignal.timeout(120_000) }), connectPod }
}

// The served repositories belong to the git account: reading them as another user needs safe.directory.
const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', ['-c', 'safe.directory=*', '-C', cwd, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim()

/** The health gate annotates the same objects (a reconcile request): a status write may need another try. */
/** Play Flux at whatever reaches the branch: the commit kindling pushed. */
async function playFluxAt(head: () => string | undefined, url: string): Promise<string> {
  await kube.waitFor({ apiVersion: 'fluxcd.controlplane.io/v1', kind: 'FluxInstance', name: 'flux', namespace: 'flux-system' }, exists, { timeoutMs: 60_000 })
  await setStatus(
    { apiVersion: 'fluxcd.controlplane.io/v1', kind: 'FluxInstance', name: 'flux', namespace: 'flux-system' },
    { conditions: [ready('True', 'ReconciliationSucceeded', 'Reconciliation finished')] },
  )
  await kube.waitFor(
    gitRepositoryRef,
    { description: `url ${url}`, test: (object) => ({ done: (object?.spec as { url?: string } | undefined)?.url === url }) },
    { timeoutMs: 60_000 },
  )
  let sha: string | undefined
  for (const deadline = Date.now() + 60_000; !(sha = head());) {
    if (Date.now() > deadline) throw new Error('nothing was pushed')
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  await setStatus(gitRepositoryRef, {
    artifact: { revision: `main@sha1:${sha}` },
    conditions: [ready('True', 'Succeeded', `stored artifact for revision 'main@sha1:${sha}'`)],
  })
  await kube.waitFor(fluxKustomizationRef, exists, { timeoutMs: 60_000 })
  await setStatus(fluxKustomizationRef, {
    lastAppliedRevision: `main@sha1:${sha}`,
    lastAttemptedRevision: `main@sha1:${sha}`,
    inventory: { entries: [] },
    conditions: [ready('True', 'ReconciliationSucceeded', `Applied revision: main@sha1:${sha}`)],
  })
  return sha
}

const refAt = (repository: string) => (): string | undefined => {
  try {
    return git(repository, 'rev-parse', '--verify', '--quiet', 'refs/heads/main')
  } catch {
    return undefined
  }
}

beforeAll(async () => {
  if (missing) return
  await kube.applyAll(ENGINE_CRDS)
  // The test plays the storage provisioner kind ships: a volume the server's claim binds to.
  await kube.apply({
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name: 'kindling-git-test', labels: { test: 'in-cluster-git' } },
    spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: '', hostPath: { path: '/tmp/kindling-git-test-volume' } },
  })
  ssh = await startSshGitServer([IN_CLUSTER_GIT.repository])
  https = await startGitServer({ username: 'git', token: 'in-cluster-move-token-0123456789' })
})

afterAll(async () => {
  vi.unstubAllEnvs()
  await ssh?.stop()
  await https?.stop()
  if (!missing) {
    await Promise.all(
      ['flux-system', IN_CLUSTER_GIT.namespace].map(async (name) => {
        const ref = { apiVersion: 'v1', kind: 'Namespace', name }
        if ((await kube.delete(ref)) === 'deleted') await kube.waitFor(ref, deleted, { timeoutMs: 60_000 })
      }),
    )
    await kube.delete({ apiVersion: 'v1', kind: 'PersistentVolume', name: 'kindling-git-test' })
    await Promise.all(ENGINE_CRDS.map((crd) => kube.delete({ apiVersion: crd.apiVersion, kind: crd.kind, name: crd.metadata.name })))
  }
  removeTempDirs()
})

describe.skipIf(missing)('no remote: bootstrap runs a Git server in the cluster and the engine follows it', () => {
  let spec: ClusterSpec
  let root: string
  let home: string
  const steps = (): Step[] => [clusterStub, ...gitopsSteps(spec, { healthTimeoutMs: 60_000, interactive: false })]
  const statuses = (report: RunReport): string[] => report.steps.map((step) => `${step.name}:${step.status}${step.error ? ` (${String(step.error)})` : ''}`)

  it("runs the server, pushes this checkout with kindling's own key, and the engine reaches that commit", async () => {
    ;({ spec, root, home } = tempRepo('lab', specYaml('lab', 'engine: flux', 'branch: main', true, false)))
    mkdirSync(path.dirname(spec.secrets.sops.ageKeyFile), { recursive: true, mode: 0o700 })
    writeFileSync(spec.secrets.sops.ageKeyFile, TEST_AGE_IDENTITY, { mode: 0o600 })
    vi.stubEnv('HOME', home)
    for (const [key, value] of Object.entries({
      GIT_AUTHOR_NAME: 'Lab',
      GIT_AUTHOR_EMAIL: 'lab@example.com',
      GIT_COMMITTER_NAME: 'Lab',
      GIT_COMMITTER_EMAIL: 'lab@example.com',
    }))
      vi.stubEnv(key, value)
    git(root, 'init', '--quiet', '--initial-branch=main')
    writeFileSync(path.join(root, 'README.md'), '# my lab\n')
    git(root, 'add', '-A')
    git(root, 'commit', '--quiet', '-m', 'my lab')
    const mine = git(root, 'rev-parse', 'HEAD')

    const runner = new HelmPlayedRunner(new FakeToolsRunner(kube, 'unused'))
    const served = refAt(ssh.repository(IN_CLUSTER_GIT.repository))
    const run = runSteps(steps(), context(spec, runner))
    const [report, head] = await Promise.all([
      run,
      playFluxAt(served, IN_CLUSTER_GIT.url).catch(async (error: unknown) => {
        throw new Error(`${String(error)}; the run: ${statuses(await run).join(', ')}`)
      }),
    ])
    expect(statuses(report)).toEqual([
      'cluster:done',
      'git-server:applied',
      'engine:applied',
      'components:done',
      'component-secrets:done',
      'repo-credentials:done',
      'sops-key:applied',
      'root-sync:applied',
      'push:applied',
      expect.stringMatching(/^health-gate:(applied|done)$/),
      'hooks:done',
    ])

    // The server: kindling's key is its only admin; the Deployment became Available (kwok ran the pod).
    const key = readFileSync(path.join(home, '.config/kindling/ssh/lab-git-server_ed25519.pub'), 'utf8').trim()
    const deployment = await kube.get(deploymentRef)
    expect(JSON.stringify(deployment?.spec)).toContain(JSON.stringify(key))
    expect((deployment?.status as { availableReplicas?: number }).availableReplicas).toBe(1)
    // What the engine reads: this checkout, with kindling's one commit of what it rendered on top.
    expect(head).toBe(git(root, 'rev-parse', 'HEAD'))
    expect(git(root, 'rev-parse', 'HEAD~1')).toBe(mine)
    expect(git(root, 'log', '-1', '--format=%s')).toBe('kindling: render clusters/lab/')
    expect(
      git(root, 'show', '--name-only', '--format=', 'HEAD')
        .split('\n')
        .every((file) => file.startsWith('clusters/lab/') || file === '.sops.yaml'),
    ).toBe(true)
    expect(git(ssh.repository(IN_CLUSTER_GIT.repository), 'show', 'main:clusters/lab/flux-system/sync.yaml')).toContain(`url: ${IN_CLUSTER_GIT.url}`)
    expect((await kube.get(gitRepositoryRef))?.spec).toMatchObject({ url: IN_CLUSTER_GIT.url, ref: { branch: 'main' } })
    expect((await kube.get(gitRepositoryRef))?.spec).not.toHaveProperty('secretRef')
    // Every push and read went through a tunnel to the server pod's SSH port; no host key was recorded.
    expect(new Set(tunnels)).toEqual(new Set([`${IN_CLUSTER_GIT.namespace}/${IN_CLUSTER_GIT.name}:${IN_CLUSTER_GIT.sshPort}`]))
    expect(existsSync(path.join(home, '.ssh/known_hosts'))).toBe(false)
    expect(runner.commands.filter((command) => command.args.includes('push')).map((command) => command.args.slice(-3).join(' '))).toEqual([
      expect.stringMatching(/^--force ssh:\/\/git@127\.0\.0\.1:\d+\/gitops\.git HEAD:refs\/heads\/main$/),
    ])

    // status says which remote the engine follows, and that the head is applied.
    const status = await readGitopsStatus(context(spec, new ExecRunner(new Redactor())))
    expect(status.remote).toMatchObject({ url: IN_CLUSTER_GIT.url, inCluster: true, head })
    expect(status.summary).toContain(`follows the in-cluster Git server ${IN_CLUSTER_GIT.url} main; head ${head.slice(0, 7)} applied`)
  })

  it('a second bootstrap pushes nothing and writes nothing to the cluster', async () => {
    const before = refAt(ssh.repository(IN_CLUSTER_GIT.repository))()
    const runner = new HelmPlayedRunner(new FakeToolsRunner(kube, 'unused'))
    let report: RunReport | undefined
    const writes = await kindlingWritesDuring(async () => (report = await runSteps(steps(), context(spec, runner))))
    expect(statuses(report!)).toEqual(everyStepDone({ gitServer: true }))
    expect(writes).toEqual([])
    expect(runner.commands.every((command) => command.readOnly)).toBe(true)
    expect(refAt(ssh.repository(IN_CLUSTER_GIT.repository))()).toBe(before)
  })

  it('setting repository.url moves the engine to that remote with the same command, and changes nothing else', async () => {
    const url = https.createRepository('lab.git')
    vi.stubEnv('LAB_TOKEN', 'in-cluster-move-token-0123456789')
    vi.stubEnv('GIT_SSL_CAINFO', https.caFile)
    const file = spec.file
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace('    branch: main', `    url: ${url}\n    branch: main\n    auth:\n      type: https\n      tokenEnv: LAB_TOKEN`),
    )
    spec = parseClusterSpec(readFileSync(file, 'utf8'), file, root, 'lab')
    expect(spec.repository.inCluster).toBe(false)
    git(root, 'commit', '--quiet', '-am', 'lab: my own remote')
    // The user's own Git credentials, which bootstrap pushes with (a credential store, as many have).
    const store = path.join(home, '.git-credentials')
    writeFileSync(store, `${new URL(url).origin.replace('https://', 'https://git:in-cluster-move-token-0123456789@')}\n`, { mode: 0o600 })
    git(root, 'config', 'credential.helper', `store --file ${store}`)
    const serverBefore = (await kube.get(deploymentRef))?.metadata.resourceVersion
    const runner = new HelmPlayedRunner(new FakeToolsRunner(kube, 'unused'))
    const bare = path.join(https.root, 'lab.git')
    const run = runSteps(steps(), context(spec, runner))
    const [report, head] = await Promise.all([
      run,
      playFluxAt(refAt(bare), url).catch(async (error: unknown) => {
        throw new Error(`${String(error)}; the run: ${statuses(await run).join(', ')}`)
      }),
    ])
    expect(statuses(report)).toEqual([
      'cluster:done',
      'engine:done',
      'components:done',
      'component-secrets:done',
      'repo-credentials:applied',
      'sops-key:done',
      'root-sync:applied',
      'push:applied',
      expect.stringMatching(/^health-gate:(applied|done)$/),
      'hooks:done',
    ])
    expect(head).toBe(git(root, 'rev-parse', 'HEAD'))
    // Only the sync file changed in Git; the engine follows the new remote with its token.
    expect(git(root, 'show', '--name-only', '--format=', 'HEAD')).toBe('clusters/lab/flux-system/sync.yaml')
    expect((await kube.get(gitRepositoryRef))?.spec).toMatchObject({ url, secretRef: { name: 'flux-system' } })
    // The in-cluster server is left as it was (its history stays reachable); nothing else was touched.
    expect((await kube.get(deploymentRef))?.metadata.resourceVersion).toBe(serverBefore)
  })
})
