import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { runSteps, type RunReport } from '../../../bootstrap/engine/run.js'
import type { Step, StepContext } from '../../../bootstrap/engine/step.js'
import { runWaits } from '../../../bootstrap/engine/waits.js'
import { engineOf } from '../../../bootstrap/engines/index.js'
import { gitRepositoryRef } from '../../../bootstrap/engines/flux-health.js'
import { deleted } from '../../../bootstrap/kube/conditions.js'
import { MANAGED_BY } from '../../../bootstrap/render/labels.js'
import type { ClusterSpec } from '../../../bootstrap/spec/load.js'
import { gitopsSteps } from '../../../bootstrap/steps/gitops/index.js'
import { engineFiles } from '../../../bootstrap/steps/gitops/engine.js'
import { fileWrites } from '../../../bootstrap/steps/gitops/repo.js'
import { deployKeyFile } from '../../../bootstrap/steps/spec-files.js'
import { ExecRunner } from '../../../bootstrap/tools/exec-runner.js'
import { Redactor } from '../../../bootstrap/tools/secrets.js'
import { testContext } from '../../unit/support/context.js'
import { clusterStub, removeTempDirs, specYaml, tempRepo } from '../../unit/steps/gitops/support.js'
import { installFluxCrds } from '../harness/flux-loop.js'
import { startFlux, type RunningFlux } from '../harness/flux.js'
import { sshServerMissing, startSshGitServer, type SshGitServer } from '../harness/ssh-git-server.js'
import { controlPlane, testKube } from '../support.js'

/**
 * The SSH path for real: a repository served by Debian's sshd on loopback, the deploy key and
 * known_hosts kindling's repo-credentials step makes (ssh-keygen, ssh-keyscan), the GitRepository
 * its root sync applies, and Flux's own source-controller fetching with them.
 */
const kube = testKube()
const missing = sshServerMissing()
const cleanups: (() => Promise<void>)[] = []

afterAll(async () => {
  vi.unstubAllEnvs()
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  removeTempDirs()
})

describe.skipIf(missing)('Flux over SSH with the deploy key kindling generates', () => {
  let ssh: SshGitServer
  let flux: RunningFlux
  let spec: ClusterSpec

  /** The engine step without its install (the harness started the controllers): it writes the engine's files. */
  const engineStandIn: Step = {
    name: 'engine',
    title: 'Flux (controllers started by the test harness)',
    needs: ['cluster'],
    check: async () => ({ state: (await fileWrites(spec, engineFiles(spec))).length ? 'todo' : 'done' }),
    plan: async () => fileWrites(spec, engineFiles(spec)),
  }
  const steps = (): Step[] => [
    clusterStub,
    engineStandIn,
    ...gitopsSteps(spec, { healthTimeoutMs: 60_000, interactive: false }).filter((step) =>
      ['components', 'component-secrets', 'repo-credentials', 'root-sync', 'push'].includes(step.name),
    ),
  ]
  const context = (): StepContext =>
    testContext({ spec, runner: new ExecRunner(new Redactor()), kube, flags: { yes: true }, signal: AbortSignal.timeout(120_000) })
  const statuses = (report: RunReport): string[] => report.steps.map((step) => `${step.name}:${step.status}`)

  it('refuses until the deploy key is added, then source-controller reads the pushed commit over SSH', async () => {
    ssh = await startSshGitServer(['lab'])
    cleanups.push(() => ssh.stop())
    const url = `ssh://git@127.0.0.1:${ssh.port}/lab.git`
    const repo = tempRepo('lab', specYaml('lab', 'engine: flux', `url: ${url}\nauth:\n  type: ssh`, false, false))
    spec = repo.spec
    vi.stubEnv('HOME', repo.home)
    for (const [key, value] of Object.entries({
      GIT_AUTHOR_NAME: 'Lab',
      GIT_AUTHOR_EMAIL: 'lab@example.com',
      GIT_COMMITTER_NAME: 'Lab',
      GIT_COMMITTER_EMAIL: 'lab@example.com',
    }))
      vi.stubEnv(key, value)
    execFileSync('git', ['-C', repo.root, 'init', '--quiet', '--initial-branch=main'])
    execFileSync('git', ['-C', repo.root, 'add', '-A'])
    execFileSync('git', ['-C', repo.root, 'commit', '--quiet', '-m', 'my lab'])

    cleanups.push(await installFluxCrds(kube))
    await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'flux-system' } })
    flux = await startFlux({
      kubeconfigFile: controlPlane().kubeconfigFile,
      name: 'flux-ssh',
      sourceLabelSelector: Object.entries(MANAGED_BY)
        .map(([key, value]) => `${key}=${value}`)
        .join(','),
    })
    cleanups.push(async () => {
      // The namespace goes while the controllers still run, so they release its objects' finalizers.
      const ref = { apiVersion: 'v1', kind: 'Namespace', name: 'flux-system' }
      if ((await kube.delete(ref)) === 'deleted') await kube.waitFor(ref, deleted, { timeoutMs: 90_000 })
      await flux.stop()
    })
    console.log(`[ssh] source-controller ${flux.versions['source-controller']} reads ${url} (Debian sshd, public-key only)`)

    // First run: the key is generated and printed, the host key scanned; the host refuses the key
    // until the user adds it, and the run says so before anything waits.
    const first = await runSteps(steps(), context())
    expect(statuses(first)).toEqual([
      'cluster:done',
      'engine:applied',
      'components:done',
      'component-secrets:done',
      'repo-credentials:applied',
      'root-sync:failed',
      'push:cancelled',
    ])
    const refused = first.steps.find((step) => step.name === 'root-sync')!.error as Error & { details?: string[] }
    expect(String(refused)).toContain(`${url} refused the SSH key`)
    const secret = await kube.get({ apiVersion: 'v1', kind: 'Secret', name: 'flux-system', namespace: 'flux-system' })
    const data = Object.fromEntries(
      Object.entries(secret?.data as Record<string, string>).map(([key, value]) => [key, Buffer.from(value, 'base64').toString()]),
    )
    expect(data.identity).toBe(readFileSync(deployKeyFile(spec), 'utf8'))
    expect(data.known_hosts).toMatch(new RegExp(`^\\[127\\.0\\.0\\.1\\]:${ssh.port} ssh-ed25519 `, 'm'))

    // The user adds the deploy key; their own SSH setup pushes (here: the same key).
    ssh.authorize([readFileSync(`${deployKeyFile(spec)}.pub`, 'utf8')])
    vi.stubEnv(
      'GIT_SSH_COMMAND',
      `ssh -i ${deployKeyFile(spec)} -o IdentitiesOnly=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR`,
    )
    const second = await runSteps(steps(), context())
    expect(statuses(second), JSON.stringify((second.steps.find((step) => step.error)?.error as { details?: string[] } | undefined)?.details)).toEqual([
      'cluster:done',
      'engine:done',
      'components:done',
      'component-secrets:done',
      'repo-credentials:done',
      'root-sync:applied',
      'push:applied',
    ])
    const head = execFileSync('git', ['-C', repo.root, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim()
    expect(execFileSync('git', ['-c', 'safe.directory=*', '-C', ssh.repository('lab'), 'rev-parse', 'main'], { encoding: 'utf8' }).trim()).toBe(head)

    // Flux's own source-controller fetches that commit over SSH with kindling's Secret.
    const started = performance.now()
    const ctx = context()
    ctx.facts.syncRequestedAt = await engineOf(spec).requestSync(kube)
    await runWaits(
      ctx,
      engineOf(spec)
        .revisionWaits(spec, head, ctx.facts, 60_000)
        .filter((wait) => wait.ref.kind === 'GitRepository'),
    )
    console.log(`[ssh] GitRepository Ready at ${head.slice(0, 7)} ${((performance.now() - started) / 1000).toFixed(1)}s after the reconcile request`)
    expect((await kube.get(gitRepositoryRef))?.spec).toMatchObject({ url, secretRef: { name: 'flux-system' } })
  }, 240_000)
})
