import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type AddressInfo, type Socket } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { ExitCode, exitCodeOf } from '../../../bootstrap/engine/errors.js'
import { runSteps } from '../../../bootstrap/engine/run.js'
import { KubeClient, type KubeObject } from '../../../bootstrap/kube/client.js'
import { FIRST_CONTACT_RETRY_MS } from '../../../bootstrap/kube/json-api.js'
import { preflightLookups, runPreflight } from '../../../bootstrap/steps/provider/preflight.js'
import { repositoryCheck } from '../../../bootstrap/steps/provider/spec-checks.js'
import { ExecRunner } from '../../../bootstrap/tools/exec-runner.js'
import { Redactor } from '../../../bootstrap/tools/secrets.js'
import { specText, testContext, testSpec } from '../../unit/support/context.js'
import { freePort, startControlPlane, type RunningControlPlane } from '../harness/control-plane.js'
import { startFluxLoop } from '../harness/flux-loop.js'
import { GitCheckout } from '../harness/git-checkout.js'
import { startGitServer, type GitServer } from '../harness/git-server.js'

// Faults a user meets, each against the real thing: a Git server on loopback (HTTPS, token) and a
// control plane whose API server is restarted mid-run. Each ends with the cause, the fix and the
// documented exit code; none leaves anything a re-run cannot finish.

const TOKEN = 'faults-token-0123456789abcdef'
let git: GitServer
let url: string
const dirs: string[] = []

beforeAll(async () => {
  git = await startGitServer({ username: 'git', token: TOKEN })
  url = git.createRepository('lab')
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kindling-faults-'))
  dirs.push(dir)
  const checkout = new GitCheckout(dir, url, { username: 'git', token: TOKEN, caFile: git.caFile }).init()
  checkout.write('clusters/lab/README.md', 'lab\n')
  await checkout.commitAndPush('first commit')
  vi.stubEnv('GIT_SSL_CAINFO', git.caFile)
  vi.stubEnv('LAB_TOKEN', TOKEN)
  vi.stubEnv('WRONG_TOKEN', 'expired-token-0000000000000')
}, 60_000)

afterAll(async () => {
  vi.unstubAllEnvs()
  await git?.stop()
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

/** The preflight's repository check for a spec's repository block, against the real Git server. */
async function repositoryProblems(repository: string): Promise<string[]> {
  const secrets = new Redactor()
  const ctx = { ...testContext({ spec: testSpec(specText({ repository })) }), runner: new ExecRunner(secrets), secrets }
  return (await runPreflight(ctx, [repositoryCheck])).map((failure) => failure.line)
}

describe('a Git host that is unreachable, refuses the token, or lacks the repository or branch', () => {
  it('reads a good repository with its token: no problem', async () => {
    expect(await repositoryProblems(`url: ${url}\nauth: {type: https, tokenEnv: LAB_TOKEN}`)).toEqual([])
  })

  it('a wrong or expired token: names the variable and how to get a token that works', async () => {
    const [problem] = await repositoryProblems(`url: ${url}\nauth: {type: https, tokenEnv: WRONG_TOKEN}`)
    expect(problem).toContain(`${url} refused the token in $WRONG_TOKEN`)
    expect(problem).toMatch(/fix: check that \$WRONG_TOKEN holds a token that has not expired and can read the repository/)
    expect(problem).not.toContain('expired-token-0000000000000')
  })

  it('a private repository read without credentials: says to set repository.auth', async () => {
    const [problem] = await repositoryProblems(`url: ${url}`)
    expect(problem).toMatch(/refused no credentials \(auth type none\)\n\s+fix: the repository is private: set repository.auth/)
  })

  it('a repository that does not exist', async () => {
    const [problem] = await repositoryProblems(`url: ${git.baseUrl}/nope.git\nauth: {type: https, tokenEnv: LAB_TOKEN}`)
    expect(problem).toMatch(/nope\.git does not exist, or is not visible with the token in \$LAB_TOKEN\n\s+fix: check repository.url/)
  })

  it('a branch that does not exist yet (an empty fork) is no problem: the push step creates it', async () => {
    expect(await repositoryProblems(`url: ${url}\nbranch: release\nauth: {type: https, tokenEnv: LAB_TOKEN}`)).toEqual([])
  })

  it('a host nobody answers on', async () => {
    const closed = await freePort()
    const [problem] = await repositoryProblems(`url: https://127.0.0.1:${closed}/lab.git\nauth: {type: https, tokenEnv: LAB_TOKEN}`)
    expect(problem).toMatch(/cannot reach the Git host of https:\/\/127\.0\.0\.1:\d+\/lab\.git\n\s+fix: check the network/)
  })

  it("the example's placeholder URL: found before anything is created, with where to set the fork", async () => {
    const [problem] = await repositoryProblems('url: https://github.com/example/homelab.git')
    expect(problem).toMatch(/repository.url is the example's placeholder/)
    expect(problem).toMatch(/fix: set repository.url in .*cluster.yaml to your own fork/)
  })

  it('each is a missing prerequisite: exit 3 from the preflight, before anything changes', async () => {
    const secrets = new Redactor()
    const spec = testSpec(specText({ repository: `url: ${url}\nauth: {type: https, tokenEnv: WRONG_TOKEN}` }))
    const ctx = { ...testContext({ spec }), runner: new ExecRunner(secrets), secrets }
    const error = await repositoryCheck.run(ctx, preflightLookups(ctx))
    expect(error?.problem).toContain('refused')
    const { remoteHead } = await import('../../../bootstrap/steps/gitops/repo.js')
    expect(exitCodeOf(await remoteHead(ctx).catch((caught: unknown) => caught))).toBe(ExitCode.missingPrerequisite)
  })
})

describe('an API server that restarts mid-run', () => {
  let plane: RunningControlPlane

  beforeAll(async () => {
    plane = await startControlPlane()
  }, 120_000)

  afterAll(async () => {
    await plane?.stop()
  }, 60_000)

  const configMaps = (namespace: string, count: number): KubeObject[] => [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
    ...Array.from({ length: count }, (_, index) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `item-${index}`, namespace, labels: { test: 'restart' } },
      data: { index: String(index) },
    })),
  ]

  it('applies and waits through a restart: requests are retried with backoff, the watch resumes', async () => {
    const kube = KubeClient.fromKubeconfig({ file: plane.kubeconfigFile, context: plane.context })
    await kube.applyAll(configMaps('before', 1))
    const late: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'late', namespace: 'before' }, data: { ready: 'yes' } }
    const waiting = kube.waitFor(
      { apiVersion: 'v1', kind: 'ConfigMap', name: 'late', namespace: 'before' },
      { description: 'exists', test: (object) => ({ done: object !== undefined }) },
      { timeoutMs: 90_000 },
    )
    const started = performance.now()
    const restart = plane.restartApiServer(3000)
    // Sent while the server is down: refused, retried, applied once it is back.
    await new Promise((resolve) => setTimeout(resolve, 500))
    const applied = await kube.applyAll(configMaps('during', 20))
    await restart
    console.log(`[faults] 21 objects applied across an API server restart in ${((performance.now() - started) / 1000).toFixed(1)}s`)
    expect(applied.every((result) => result.outcome === 'created')).toBe(true)
    await kube.apply(late)
    expect(await waiting).toBeDefined()
    expect(await kube.list('v1', 'ConfigMap', { namespace: 'during', labelSelector: 'test=restart' })).toHaveLength(20)
  }, 120_000)

  it('a bootstrap whose API server restarts mid-run finishes; one whose server stays down past the retries fails with exit 3, and a re-run finishes', async () => {
    const kube = KubeClient.fromKubeconfig({ file: plane.kubeconfigFile, context: plane.context })
    const loop = await startFluxLoop({
      kube,
      kubeconfigFile: plane.kubeconfigFile,
      context: plane.context,
      setEnv: (key, value) => vi.stubEnv(key, value),
      log: (line) => console.log(`[faults] ${line}`),
    })
    try {
      // The API server goes away as the root sync objects are about to be written, and comes back 3 s later.
      let restart: Promise<void> | undefined
      const started = performance.now()
      const report = await runSteps(loop.steps(), loop.context(), {
        stepStarted: (step) => void (step.name === 'root-sync' && (restart ??= plane.restartApiServer(3000))),
      })
      await restart
      expect(restart, 'the restart happened').toBeDefined()
      expect(report.steps.find((step) => step.error)?.error).toBeUndefined()
      expect(report.ok).toBe(true)
      console.log(`[faults] bootstrap through an API server restart (3 s down) converged in ${((performance.now() - started) / 1000).toFixed(1)}s`)

      // Down for longer than kindling retries (3 s here, 60 s by default): a clear error, exit 3.
      loop.checkout.write('NOTES.md', 'a change outside clusters/, for a new head\n')
      await loop.checkout.commitAndPush('another commit, for the run below to apply')
      const impatient = KubeClient.fromKubeconfig({ file: plane.kubeconfigFile, context: plane.context, bounds: { retryForMs: 3000 } })
      let outage: Promise<void> | undefined
      const failed = await runSteps(
        loop.steps(),
        { ...loop.context(), kube: async () => impatient },
        { stepStarted: (step) => void (step.name === 'root-sync' && (outage ??= plane.restartApiServer(10_000))) },
      )
      const error = failed.steps.find((step) => step.error)?.error
      expect(failed.ok).toBe(false)
      expect(exitCodeOf(error)).toBe(ExitCode.missingPrerequisite)
      expect(String(error)).toMatch(/cannot reach the API server/)
      await outage
      // The server is back: the same bootstrap finishes at the new head.
      const again = await runSteps(loop.steps(), loop.context())
      expect(again.steps.find((step) => step.error)?.error).toBeUndefined()
      expect(again.ok).toBe(true)
    } finally {
      // The objects stay on this control plane, which afterAll throws away: the processes go.
      await loop.stop({ discardPlane: true })
    }
  }, 400_000)

  it('an API server that stays down ends in a clear error after the retries (exit 3), not a hang', async () => {
    const kube = KubeClient.fromKubeconfig({
      yaml: plane.kubeconfig.replace(plane.server, `https://127.0.0.1:${await freePort()}`),
      context: plane.context,
      bounds: { retryForMs: 3000 },
    })
    const started = performance.now()
    const error = await kube.applyAll(configMaps('never', 1)).catch((caught: unknown) => caught)
    expect(exitCodeOf(error)).toBe(ExitCode.missingPrerequisite)
    expect(String(error)).toMatch(/cannot reach the API server of context "kindling-test"/)
    expect(performance.now() - started).toBeLessThan(20_000)
  })

  it('a new client meeting a server that is still starting (a kind node kindling just started) waits for it', async () => {
    const outage = plane.restartApiServer(6000)
    await new Promise((resolve) => setTimeout(resolve, 1000))
    // Default bounds, as a kind cluster is connected: refusals before the first answer get the full window.
    const fresh = KubeClient.fromKubeconfig({ file: plane.kubeconfigFile, context: plane.context })
    expect(await fresh.serverVersion()).toMatch(/^v1\./)
    await outage
  }, 120_000)

  it('an adopted cluster whose server never answered (a wrong address, a stopped machine) is reported in seconds, without the restart retries', async () => {
    // As an existing cluster is connected: a server that answered once gets a minute to come back; this one never did.
    const kube = KubeClient.fromKubeconfig({
      yaml: plane.kubeconfig.replace(plane.server, `https://127.0.0.1:${await freePort()}`),
      context: plane.context,
      bounds: { firstContactRetryMs: FIRST_CONTACT_RETRY_MS },
    })
    const started = performance.now()
    const error = await kube.serverVersion().catch((caught: unknown) => caught)
    expect(exitCodeOf(error)).toBe(ExitCode.missingPrerequisite)
    expect(String(error)).toMatch(/cannot reach the API server of context "kindling-test".*ECONNREFUSED/)
    expect(performance.now() - started).toBeLessThan(20_000)
    // The window is the run's, not each request's: the next step's call (the adopt step after the
    // preflight) is told at once rather than retried for another window.
    const again = performance.now()
    expect(exitCodeOf(await kube.list('v1', 'Namespace').catch((caught: unknown) => caught))).toBe(ExitCode.missingPrerequisite)
    expect(performance.now() - again).toBeLessThan(FIRST_CONTACT_RETRY_MS / 2)
  })

  it('an adopted cluster whose server accepts and never answers (a firewall, a machine gone) gets the same window, not 30 s a request', async () => {
    const sockets: Socket[] = []
    const silent = createServer((socket) => void sockets.push(socket))
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    try {
      const kube = KubeClient.fromKubeconfig({
        yaml: plane.kubeconfig.replace(plane.server, `https://127.0.0.1:${(silent.address() as AddressInfo).port}`),
        context: plane.context,
        bounds: { firstContactRetryMs: FIRST_CONTACT_RETRY_MS },
      })
      const started = performance.now()
      const error = await kube.serverVersion().catch((caught: unknown) => caught)
      expect(exitCodeOf(error)).toBe(ExitCode.missingPrerequisite)
      expect(String(error)).toMatch(/the API server of context "kindling-test" did not answer within \d+ s/)
      expect(performance.now() - started).toBeLessThan(20_000)
      const again = performance.now()
      expect(String(await kube.list('v1', 'Namespace').catch((caught: unknown) => caught))).toMatch(/did not answer within \d+ s/)
      expect(performance.now() - again).toBeLessThan(FIRST_CONTACT_RETRY_MS / 2)
    } finally {
      for (const socket of sockets) socket.destroy()
      await new Promise((resolve) => silent.close(resolve))
    }
  })
})
