import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest'
import { stringify } from 'yaml'
import { newFacts } from '../../../../bootstrap/engine/facts.js'
import { runSteps } from '../../../../bootstrap/engine/run.js'
import type { KubeClient, KubeObject } from '../../../../bootstrap/kube/client.js'
import { openTunnel } from '../../../../bootstrap/kube/tunnel.js'
import type { ClusterSpec } from '../../../../bootstrap/spec/load.js'
import { renderGitServer } from '../../../../bootstrap/render/git-server.js'
import { gitopsSteps } from '../../../../bootstrap/steps/gitops/index.js'
import { inClusterPushCommand, inClusterPushHowTo } from '../../../../bootstrap/steps/gitops/git-server.js'
import { requiredTools } from '../../../../bootstrap/steps/provider/preflight.js'
import { gitServerKeyFile } from '../../../../bootstrap/steps/spec-files.js'
import { summaryLines } from '../../../../bootstrap/steps/summary.js'
import { DryRunRunner } from '../../../../bootstrap/tools/dry-run-runner.js'
import { RecordingRunner } from '../../../../bootstrap/tools/recording-runner.js'
import { formatCommand } from '../../../../bootstrap/tools/runner.js'
import { formatPlan } from '../../../../bootstrap/ui/format.js'
import { testContext } from '../../support/context.js'
import { clusterStub, removeTempDirs, specYaml, tempRepo } from './support.js'

afterEach(() => vi.unstubAllEnvs())
afterAll(removeTempDirs)

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKindlingTestKeyOnlyForGoldenFiles0000000 kindling-lab-git-server'

function noRemote(engine: 'flux' | 'argocd' = 'flux') {
  const repo = tempRepo('lab', specYaml('lab', `engine: ${engine}`, 'branch: main'))
  vi.stubEnv('HOME', repo.home)
  return repo
}

/**
 * A dry run of the GitOps steps against a cluster that answers, has no ready Git server pod, and
 * would apply each rendered object as `state` says.
 */
async function dryRunWithServer(spec: ClusterSpec, state: (object: KubeObject) => 'create' | 'change' | 'up to date') {
  const kube = {
    list: async () => [],
    get: async () => undefined,
    planApply: async (objects: readonly KubeObject[]) => objects.map((object) => ({ ref: `${object.kind} ${object.metadata.name}`, state: state(object) })),
  } as unknown as KubeClient
  const ctx = testContext({ spec, kube, flags: { dryRun: true, yes: true } })
  const report = await runSteps([clusterStub, ...gitopsSteps(spec, { healthTimeoutMs: 1000, interactive: false })], {
    ...ctx,
    runner: new DryRunRunner(new RecordingRunner([{ match: /rev-parse/, stdout: `${'a'.repeat(40)}\n` }]), ctx.secrets),
  })
  return { report, plan: formatPlan(report, (text) => text) }
}

describe('the in-cluster Git server (a spec with no remote)', () => {
  it("renders Soft Serve with a volume, kindling's key as its only writer, HTTP for the engine and SSH for pushes", async () => {
    await expect(stringify(renderGitServer(KEY), { aliasDuplicateObjects: false, lineWidth: 0 })).toMatchFileSnapshot('__golden__/git-server.yaml')
  })

  it('runs the server before the engine, and pushes only once it is up', () => {
    const { spec } = noRemote()
    const steps = gitopsSteps(spec, { healthTimeoutMs: 1000, interactive: false })
    expect(steps[0]!.name).toBe('git-server')
    expect(steps[0]!.needs).toEqual(['cluster'])
    expect(steps.find((step) => step.name === 'push')!.needs).toContain('git-server')
    expect(requiredTools(spec)).toEqual(expect.arrayContaining(['ssh', 'ssh-keygen', 'git']))
    expect(requiredTools(spec, 'status')).toContain('ssh')
  })

  it('plans the key, the server, the engine pointed at it and a forced push of this checkout, in a dry run with no cluster', async () => {
    const { spec } = noRemote()
    const ctx = testContext({ spec, flags: { dryRun: true, yes: true } })
    const report = await runSteps([clusterStub, ...gitopsSteps(spec, { healthTimeoutMs: 1000, interactive: false })], {
      ...ctx,
      runner: new DryRunRunner(new RecordingRunner(), ctx.secrets),
    })
    const plan = formatPlan(report, (text) => text)
    expect(plan).toMatch(/ssh-keygen -q -t ed25519 -N '' -C kindling-lab-git-server -f \S+\/\.config\/kindling\/ssh\/lab-git-server_ed25519/)
    expect(plan).toContain(
      'Soft Serve (charmcli/soft-serve:v0.12.2) in kindling-git, serving http://git-server.kindling-git.svc.cluster.local/gitops.git to the engine',
    )
    expect(plan).toContain('Deployment kindling-git/git-server')
    expect(plan).toContain('sync http://git-server.kindling-git.svc.cluster.local/gitops.git main:clusters/lab')
    expect(plan).toMatch(
      /push to the in-cluster Git server through a port-forward \(the server mirrors this checkout, so the push is forced\): git -C \S+ push --quiet --force 'ssh:\/\/git@127\.0\.0\.1:<port>\/gitops\.git' HEAD:refs\/heads\/main/,
    )
  })

  it('plans the push and the health gate as to do on a reachable cluster where the server is still to be created, naming the step that creates it', async () => {
    const { spec } = noRemote()
    // A cluster that answers and holds nothing of kindling's yet: no pods, every object to create.
    const { report, plan } = await dryRunWithServer(spec, () => 'create')
    expect(plan).not.toContain('could not check')
    expect(plan).not.toContain('no ready pod')
    // The plan names the step that creates the server, by the number the plan gives it.
    expect(report.steps[1]!.name).toBe('git-server')
    expect(plan).toMatch(
      /\n\d+\. ○ push — [^\n]*: to do — \d+ rendered file\(s\) to commit, then push to the in-cluster Git server \(main\), which step 2 \(git-server\) creates first\n/,
    )
    expect(plan).toMatch(/\n\d+\. ○ health-gate — [^\n]*: to do — the in-cluster Git server is not there yet: step 2 \(git-server\) creates it first\n/)
    expect(report.steps.filter((step) => step.status === 'unknown')).toEqual([])
  })

  it('says a server whose pod is not ready and whose update is pending is not ready yet, and which step updates it first', async () => {
    const { spec } = noRemote()
    const keyFile = gitServerKeyFile(spec)
    mkdirSync(path.dirname(keyFile), { recursive: true })
    writeFileSync(`${keyFile}.pub`, `${KEY}\n`)
    // The server is there, its pod not ready, and its Deployment differs from what kindling renders.
    const { plan } = await dryRunWithServer(spec, (object) => (object.kind === 'Deployment' ? 'change' : 'up to date'))
    expect(plan).not.toContain('not there yet')
    expect(plan).toMatch(/\n\d+\. ○ push — [^\n]*: to do — [^\n]*push to the in-cluster Git server \(main\), which step 2 \(git-server\) updates first\n/)
    expect(plan).toMatch(/\n\d+\. ○ health-gate — [^\n]*: to do — the in-cluster Git server is not ready yet: step 2 \(git-server\) updates it first\n/)
  })

  it("pushes with kindling's key, records no host key anywhere, and tells a --no-push user the two commands", () => {
    const { spec } = noRemote()
    const command = inClusterPushCommand(spec, 40123)
    expect(command.args).toContain('ssh://git@127.0.0.1:40123/gitops.git')
    expect(String(command.env?.GIT_SSH_COMMAND)).toMatch(
      /-i '\S+lab-git-server_ed25519' -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=\/dev\/null/,
    )
    const howTo = inClusterPushHowTo(spec)
    expect(howTo[0]).toBe('kubectl --context kind-lab -n kindling-git port-forward svc/git-server 2222:22 &')
    expect(howTo[1]).toMatch(
      /^GIT_SSH_COMMAND='ssh -i .+lab-git-server_ed25519.* -o StrictHostKeyChecking=no .*' git -C \S+ push --force ssh:\/\/git@127\.0\.0\.1:2222\/gitops\.git HEAD:refs\/heads\/main$/,
    )
    expect(formatCommand(command)).not.toContain('PRIVATE KEY')
  })

  it('tells a --no-push user a push line that pastes as it is, even with spaces and quotes in the paths', () => {
    const { spec, home } = noRemote()
    const odd = path.join(home, "it's my lab")
    mkdirSync(odd)
    vi.stubEnv('HOME', odd)
    const oddSpec = { ...spec, repoRoot: path.join(odd, 'check out') }
    // The shell reads the line; a stand-in git prints what it was given.
    const seen = execFileSync('sh', ['-c', `git() { printf '%s\\n' "$GIT_SSH_COMMAND" "$@"; }; ${inClusterPushHowTo(oddSpec)[1]}`], { encoding: 'utf8' }).split(
      '\n',
    )
    expect(seen[0]).toBe(
      `ssh -i '${path.join(odd, '.config/kindling/ssh/lab-git-server_ed25519').replaceAll("'", `'\\''`)}' -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR`,
    )
    expect(seen.slice(1, 3)).toEqual(['-C', path.join(odd, 'check out')])
    // ssh itself reads GIT_SSH_COMMAND through a shell too: the key path comes back whole.
    expect(execFileSync('sh', ['-c', `set -- ${seen[0]}; printf '%s' "$3"`], { encoding: 'utf8' })).toBe(
      path.join(odd, '.config/kindling/ssh/lab-git-server_ed25519'),
    )
  })

  it('says in the run summary which remote the engine follows and how to move it', async () => {
    const { spec } = noRemote()
    const step = gitopsSteps(spec, { healthTimeoutMs: 1000, interactive: false })[0]!
    const ctx = { spec, facts: newFacts() } as Parameters<NonNullable<typeof step.verify>>[0]
    await step.verify!(ctx)
    expect(summaryLines(ctx).join('\n')).toMatch(
      /the engine reads http:\/\/git-server\.kindling-git\.svc\.cluster\.local\/gitops\.git[\s\S]*set repository\.url in \S*cluster\.yaml and run bootstrap again/,
    )
  })
})

describe('a tunnel to a pod', () => {
  it('joins each local connection to the target and stops listening when the run is stopped', async () => {
    const seen: string[] = []
    const stop = new AbortController()
    const tunnel = await openTunnel(
      { namespace: 'ns', pod: 'p', port: 22 },
      (target, socket) => {
        seen.push(`${target.namespace}/${target.pod}:${target.port}`)
        socket.end('hello from the pod\n')
      },
      stop.signal,
    )
    const reply = await new Promise<string>((resolve, reject) => {
      const client = net.connect(tunnel.port, '127.0.0.1')
      let data = ''
      client.on('data', (chunk) => (data += chunk.toString()))
      client.on('end', () => resolve(data))
      client.on('error', reject)
    })
    expect(reply).toBe('hello from the pod\n')
    expect(seen).toEqual(['ns/p:22'])
    stop.abort()
    await tunnel.close()
    await expect(new Promise((resolve, reject) => net.connect(tunnel.port, '127.0.0.1').on('connect', resolve).on('error', reject))).rejects.toThrow(
      /ECONNREFUSED/,
    )
  })
})
