import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import type { KubeClient } from '../../../../bootstrap/kube/client.js'
import { createServer, type Server } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { runCommand } from '../../../../bootstrap/cli/main.js'
import { type BadInputError, exitCodeOf, PrerequisiteError } from '../../../../bootstrap/engine/errors.js'
import { connectKube } from '../../../../bootstrap/steps/connect.js'
import { pushRefusal } from '../../../../bootstrap/steps/gitops/push-state.js'
import { requireHttpsToken } from '../../../../bootstrap/steps/gitops/repo.js'
import { probePort } from '../../../../bootstrap/steps/provider/host-ports.js'
import {
  dockerDaemonCheck,
  hooksKubectlCheck,
  hooksReadableCheck,
  inotifyCheck,
  kindKubeconfigCheck,
  toolCheck,
} from '../../../../bootstrap/steps/provider/machine-checks.js'
import { kubeconfigKindWrites } from '../../../../bootstrap/tools/kind.js'
import { preflightChecks, preflightLookups, preflightStep } from '../../../../bootstrap/steps/provider/preflight.js'
import { kubeContextCheck, repositoryCheck, secretVariablesCheck } from '../../../../bootstrap/steps/provider/spec-checks.js'
import { ExecRunner } from '../../../../bootstrap/tools/exec-runner.js'
import { RecordingRunner } from '../../../../bootstrap/tools/recording-runner.js'
import { Redactor } from '../../../../bootstrap/tools/secrets.js'
import { reportsDir } from '../../../../bootstrap/ui/run-report.js'
import { repoRoot, specText, testContext, testSpec } from '../../support/context.js'
import { makeFifo, releaseFifo } from '../../support/fifo.js'
import { clusterReplies, inspectJson, kindNode, kindSpec, noSuchContainer, toolsPresent } from './support.js'

const servers: Server[] = []
const dirs: string[] = []
afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))))
  dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true }))
})

/** A real socket listening on 127.0.0.1, on a port the kernel picks. */
/** A kubeconfig file with this text, in a folder removed after the tests. */
function kubeconfigFile(text: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kindling-preflight-'))
  dirs.push(dir)
  const file = path.join(dir, 'kubeconfig')
  writeFileSync(file, text)
  return file
}

async function listening(): Promise<number> {
  const server = createServer()
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as { port: number }).port
}

describe('preflight', () => {
  it('sees a port another process listens on, and a free one as free', async () => {
    const busy = await listening()
    expect(await probePort(busy, '127.0.0.1', 'TCP')).toBe('in use')
    const free = await listening()
    await new Promise((resolve) => servers.pop()!.close(resolve))
    expect(await probePort(free, '127.0.0.1', 'TCP')).toBe('free')
  })

  it('fails with exit 3 naming a host port that something else listens on', async () => {
    const busy = await listening()
    const spec = kindSpec(`portMappings: [{containerPort: 30080, hostPort: ${busy}}]`)
    const ctx = testContext({ spec, runner: new RecordingRunner([...toolsPresent, ...clusterReplies([]), noSuchContainer]) })
    const error = await preflightStep(spec)
      .check(ctx)
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(PrerequisiteError)
    expect((error as PrerequisiteError).details.join('\n')).toMatch(
      new RegExp(`host port ${busy}/TCP free: host port ${busy} \\(portMappings\\[0\\] \\(→ 30080/TCP\\)\\) on 127.0.0.1 is already in use`),
    )
  })

  it('off a terminal, asks for --yes or --no-push before anything is created: exit 2, or beside missing tools exit 3', async () => {
    const spec = kindSpec('registryCaches: {enabled: false}')
    const node = kindNode('lab-control-plane', 'control-plane', { ports: ['127.0.0.1:41234->6443/tcp'] })
    const ready = (flags = {}) => testContext({ spec, flags, runner: new RecordingRunner([...toolsPresent, ...clusterReplies([node])]) })
    const unanswered = await preflightStep(spec, { pushAnswerNeeded: true })
      .check(ready())
      .catch((caught: unknown) => caught)
    expect(exitCodeOf(unanswered)).toBe(2)
    expect((unanswered as BadInputError).details).toEqual([expect.stringMatching(/^pass --yes .* or --no-push/)])
    expect(await preflightStep(spec, { pushAnswerNeeded: true }).check(ready({ yes: true }))).toMatchObject({ state: 'done' })
    expect(await preflightStep(spec, { pushAnswerNeeded: true }).check(ready({ noPush: true }))).toMatchObject({ state: 'done' })
    const noDocker = testContext({
      spec,
      runner: new RecordingRunner([
        { match: 'docker info', exitCode: 1, stderr: 'Cannot connect to the Docker daemon' },
        ...toolsPresent,
        ...clusterReplies([node]),
      ]),
    })
    const both = await preflightStep(spec, { pushAnswerNeeded: true })
      .check(noDocker)
      .catch((caught: unknown) => caught)
    expect(exitCodeOf(both)).toBe(3)
    expect((both as PrerequisiteError).details.join('\n')).toMatch(/push answer: off a terminal[\s\S]*--no-push/)
  })

  it("tries the push with the user's own credentials before anything is created", async () => {
    const spec = testSpec()
    const check = async (push: { exitCode?: number; stderr?: string }, flags = {}) => {
      const runner = new RecordingRunner([
        { match: /rev-parse/, stdout: 'c0ffee' },
        { match: /push .*--dry-run/, ...push },
      ])
      const problem = await pushRefusal(testContext({ spec, runner, flags }))
      return { problem, lines: runner.lines }
    }
    const accepted = await check({})
    expect(accepted.problem).toBeUndefined()
    expect(accepted.lines).toContain('GIT_TERMINAL_PROMPT=0 git -C /repo push https://example.com/lab.git HEAD:refs/heads/main --dry-run')
    expect((await check({ exitCode: 1, stderr: ' ! [rejected]        HEAD -> main (fetch first)' })).problem).toMatchObject({
      problem: 'https://example.com/lab.git main has commits this checkout does not: the push would be refused',
      fix: expect.stringContaining('pull --rebase'),
    })
    expect(
      (
        await check({
          exitCode: 128,
          stderr: 'remote: Permission to someone/lab.git denied to me.\nfatal: unable to access: The requested URL returned error: 403',
        })
      ).problem,
    ).toMatchObject({
      problem: expect.stringMatching(/^your Git credentials cannot push to https:\/\/example.com\/lab.git main: fatal: unable to access/),
      fix: expect.stringContaining('--no-push'),
    })
    // Credentials that would have to be typed in cannot be tried without asking: nothing is said.
    expect(
      (await check({ exitCode: 128, stderr: "fatal: could not read Username for 'https://example.com': terminal prompts disabled" })).problem,
    ).toBeUndefined()
    // --no-push: nothing to try.
    expect((await check({ exitCode: 1, stderr: '[rejected]' }, { noPush: true })).lines.filter((line) => line.includes('--dry-run'))).toEqual([])
  })

  it("names a repository URL copied from the README or an example spec as the example's placeholder, without asking the Git host", async () => {
    const read = (file: string): string => readFileSync(path.join(repoRoot, file), 'utf8')
    const shown = [
      /^\s+url: (\S+)/m.exec(read('README.md'))![1]!,
      ...['homelab', 'homelab-argocd'].map((name) => /# url: (\S+)/.exec(read(`clusters/${name}/cluster.yaml`))![1]!),
      'https://github.com/example/homelab.git',
      'git@github.com:you/homelab.git',
      'https://www.github.com/you/homelab.git',
    ]
    expect(shown).toContain('https://github.com/you/homelab.git')
    expect(shown).toContain('https://github.com/<you>/<your-fork>.git')
    for (const url of shown) {
      const runner = new RecordingRunner()
      const auth = url.startsWith('git@') ? '\nauth: {type: ssh}' : ''
      const ctx = testContext({ spec: testSpec(specText({ repository: `url: ${url}${auth}` })), runner })
      expect(await repositoryCheck.run(ctx, preflightLookups(ctx)), url).toMatchObject({
        problem: `repository.url is the example's placeholder, ${url}`,
        fix: expect.stringMatching(/^set repository.url in .*cluster.yaml to your own fork of this repository/),
      })
      expect(runner.commands).toEqual([])
    }
    // A fork of someone else's is a real repository: its host is asked.
    const runner = new RecordingRunner()
    const ctx = testContext({ spec: testSpec(specText({ repository: 'url: https://github.com/youngsters/homelab.git' })), runner })
    expect(await repositoryCheck.run(ctx, preflightLookups(ctx))).toBeUndefined()
    expect(runner.lines.some((line) => line.includes('ls-remote'))).toBe(true)
  })

  it("names a file:// repository that is not there by its folder, without asking Git, with the wizard's words", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kindling-preflight-'))
    dirs.push(dir)
    const missing = path.join(dir, 'lab.git')
    const check = async (url: string) => {
      const runner = new RecordingRunner()
      const ctx = testContext({ spec: testSpec(specText({ repository: `url: ${url}` })), runner })
      return { found: await repositoryCheck.run(ctx, preflightLookups(ctx)), runner }
    }
    const gone = await check(`file://${missing}`)
    expect(gone.found).toEqual({
      problem: `repository.url file://${missing} names ${missing}, which does not exist`,
      fix: expect.stringMatching(
        new RegExp(`^create it \\(git init --bare ${missing}\\) and push this checkout to it, or set repository.url in .*cluster.yaml to another repository$`),
      ),
    })
    expect(gone.runner.commands).toEqual([])
    // Once it is a repository, Git is asked as for any remote.
    mkdirSync(path.join(missing, '.git'), { recursive: true })
    const there = await check(`file://${missing}`)
    expect(there.found).toBeUndefined()
    expect(there.runner.lines.some((line) => line.includes('ls-remote'))).toBe(true)
  })

  it('accepts a port held by its own kind cluster (a re-run)', async () => {
    const busy = await listening()
    const spec = kindSpec(`portMappings: [{containerPort: 30080, hostPort: ${busy}}]\nregistryCaches: {enabled: false}`)
    const node = kindNode('lab-control-plane', 'control-plane', { ports: ['127.0.0.1:41234->6443/tcp', `127.0.0.1:${busy}->30080/tcp`] })
    const ctx = testContext({ spec, runner: new RecordingRunner([...toolsPresent, ...clusterReplies([node])]) })
    expect(await preflightStep(spec).check(ctx)).toMatchObject({ state: 'done' })
  })

  it('lists every failed check at once, with how to fix each', async () => {
    const busy = await listening()
    const spec = kindSpec(`nodes: {workers: 1}\nportMappings: [{containerPort: 30080, hostPort: ${busy}}]`)
    const runner = new RecordingRunner([
      { match: 'kind version', stdout: 'kind v0.29.0 go1.24 linux/amd64' },
      { match: 'docker info', exitCode: 1, stderr: 'Cannot connect to the Docker daemon' },
      { match: 'docker', stdout: '28.2.2' },
      ...toolsPresent.filter((reply) => !/docker|kind/.test(String(reply.match))),
    ])
    const checks = preflightChecks(spec).map((check) => (check.name === 'inotify limits sufficient' ? inotifyCheck(async () => 128) : check))
    const error = (await preflightStep(spec, { extra: [] })
      .check({ ...testContext({ spec, runner }) })
      .catch((caught: unknown) => caught)) as PrerequisiteError
    expect(error.exitCode).toBe(3)
    const text = error.details.join('\n')
    expect(text).toMatch(
      /kind installed: kind 0\.29\.0 is installed, but kindling pins 0\.33\.0: an older kind may not run the node image the pinned release names\n\s+fix: run inside `devbox shell`/,
    )
    expect(text).toMatch(/Docker daemon reachable: the Docker daemon is not reachable/)
    expect(text).toMatch(new RegExp(`host port ${busy}/TCP free`))
    expect(checks.map((check) => check.name)).toContain('inotify limits sufficient')
  })

  it('names a tool on PATH that is not executable (a download never given chmod +x) with that fix, not as a failed check', async () => {
    const bin = mkdtempSync(path.join(os.tmpdir(), 'kindling-bin-'))
    dirs.push(bin)
    const kind = path.join(bin, 'kind')
    writeFileSync(kind, '#!/bin/sh\necho kind v0.33.0\n', { mode: 0o644 })
    vi.stubEnv('PATH', bin)
    try {
      const ctx = testContext({ runner: new ExecRunner(new Redactor()) })
      expect(await toolCheck('kind').run(ctx, preflightLookups(ctx))).toEqual({
        problem: `kind cannot be run: ${kind} is not executable`,
        fix: `make it executable: chmod +x ${kind}`,
      })
    } finally {
      vi.unstubAllEnvs()
    }
  })

  it('names a tool at another minor version than the pin without stopping; another major version, or an older kind, stops', async () => {
    const check = async (binary: string, version: string) => {
      const ctx = testContext({ runner: new RecordingRunner([{ match: binary, stdout: version }]) })
      return toolCheck(binary).run(ctx, preflightLookups(ctx))
    }
    expect(await check('helm', 'v3.18.2+g1234567')).toEqual({
      problem: 'helm 3.18.2 is installed, but kindling pins 3.20 (tested with the pin; it may well work)',
      fix: expect.stringContaining('devbox shell'),
      warning: true,
    })
    expect(await check('helm', 'v4.0.1+g1234567')).toMatchObject({ problem: expect.stringContaining('another major version') })
    expect(await check('helm', 'v4.0.1+g1234567')).not.toHaveProperty('warning')
    expect(await check('kind', 'kind v0.34.0 go1.25 linux/amd64')).toMatchObject({ warning: true })
    expect(await check('kind', 'kind v0.32.0 go1.25 linux/amd64')).not.toHaveProperty('warning')
    // The step passes and says so in its line.
    const spec = kindSpec()
    const runner = new RecordingRunner([{ match: 'helm version', stdout: 'v3.18.2+g1234567' }, ...toolsPresent])
    const done = await preflightStep(spec, { extra: [] }).check(testContext({ spec, runner }))
    expect(done).toMatchObject({
      state: 'done',
      detail: expect.stringMatching(/^\d+ checks; note: helm installed: helm 3\.18\.2 is installed, but kindling pins 3\.20/),
    })
  })

  it('leaves a missing docker command to "docker installed" instead of asking to start its daemon', async () => {
    const ctx = testContext({
      runner: {
        run: async () => {
          throw new PrerequisiteError('docker is not installed or not on PATH')
        },
      },
    })
    expect(await dockerDaemonCheck.run(ctx, preflightLookups(ctx))).toBeUndefined()
  })

  it('needs kubectl only when a hook calls it, and then any version', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kindling-hooks-'))
    dirs.push(dir)
    const spec = { ...testSpec(), repoRoot: dir }
    const hooks = path.join(dir, spec.repository.path, 'hooks')
    mkdirSync(hooks, { recursive: true })
    const recording = new RecordingRunner([{ match: 'kubectl version', stdout: 'Client Version: v1.30.2' }])
    const withKubectl = testContext({ spec, runner: recording })
    const noKubectl = testContext({
      spec,
      runner: {
        run: async (command) => {
          if (command.file === 'kubectl') throw new PrerequisiteError('kubectl is not installed or not on PATH')
          return recording.run(command)
        },
      },
    })
    writeFileSync(path.join(hooks, '10-notify.mjs'), 'await fetch("https://chat.example/hook")\n')
    expect(await hooksKubectlCheck.run(noKubectl, preflightLookups(noKubectl))).toBeUndefined()
    writeFileSync(path.join(hooks, '20-smoke.mjs'), 'await $`kubectl --context ${process.env.KINDLING_CONTEXT} get pods -A`\n')
    expect(await hooksKubectlCheck.run(noKubectl, preflightLookups(noKubectl))).toMatchObject({
      problem: 'kubectl is not installed',
      fix: expect.stringContaining('devbox shell'),
    })
    // An older kubectl than devbox.json pins still runs a hook: no reason to stop a bootstrap.
    expect(await hooksKubectlCheck.run(withKubectl, preflightLookups(withKubectl))).toBeUndefined()
    expect(preflightChecks(spec).map((check) => check.name)).toContain('kubectl installed (a hook calls it)')
    expect(preflightChecks(spec, 'status').map((check) => check.name)).not.toContain('kubectl installed (a hook calls it)')
  })

  it('names a hook that is a named pipe or a folder as bad input, without waiting on the pipe', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kindling-hooks-'))
    dirs.push(dir)
    const spec = { ...testSpec(), repoRoot: dir }
    const hooks = path.join(dir, spec.repository.path, 'hooks')
    mkdirSync(path.join(hooks, '30-folder.mjs'), { recursive: true })
    const fifo = makeFifo(path.join(hooks, '20-pipe.mjs'))
    writeFileSync(path.join(hooks, '10-smoke.mjs'), 'await $`kubectl get pods -A`\n')
    try {
      const runner = new RecordingRunner([{ match: 'kubectl version', stdout: 'Client Version: v1.30.2' }])
      const ctx = testContext({ spec, runner })
      expect(await hooksReadableCheck.run(ctx, preflightLookups(ctx))).toEqual({
        problem: `hook ${spec.repository.path}/hooks/20-pipe.mjs is a named pipe, not a file: reading it could wait forever; hook ${spec.repository.path}/hooks/30-folder.mjs is a folder, not a file`,
        fix: `make each *.mjs in ${spec.repository.path}/hooks/ a zx script file, or remove it`,
        input: true,
      })
      // The readable hook still tells whether kubectl is needed.
      expect(await hooksKubectlCheck.run(ctx, preflightLookups(ctx))).toBeUndefined()
      expect(runner.lines).toContain('kubectl version --client')
      const error = await preflightStep(spec, { extra: [] })
        .check({ ...ctx, runner: new RecordingRunner(toolsPresent) })
        .catch((caught: unknown) => caught)
      expect(exitCodeOf(error)).toBe(2)
      expect((error as BadInputError).message).toMatch(/^1 file cannot be used/)
    } finally {
      releaseFifo(fifo)
    }
  })

  it('names a kubeconfig kind would write into that is garbage, a device or a folder, and lets a missing or empty one be', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kindling-kind-kubeconfig-'))
    dirs.push(dir)
    const file = (name: string, text: string): string => {
      writeFileSync(path.join(dir, name), text)
      return path.join(dir, name)
    }
    const garbage = file('garbage', 'hello: [1\n')
    const empty = file('empty', '')
    const good = file('good', 'apiVersion: v1\nkind: Config\nclusters: []\n')
    const missing = path.join(dir, 'missing')
    const run = (env: NodeJS.ProcessEnv) => {
      const ctx = testContext({ spec: kindSpec(), env })
      return kindKubeconfigCheck().run(ctx, preflightLookups(ctx))
    }
    expect(await run({ KUBECONFIG: garbage })).toEqual({
      problem: `${garbage} (from $KUBECONFIG) is not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ] (line 2)`,
      fix: `correct or move ${garbage} (\`kubectl --kubeconfig ${garbage} config view\` shows what is wrong), or set KUBECONFIG to kubeconfig files only (unset, it is ~/.kube/config); kind adds the kind-lab context to ${garbage}, and helm reads it there`,
      input: true,
    })
    // kubectl would never end on /dev/zero either: no command is offered for it.
    expect(await run({ KUBECONFIG: '/dev/zero' })).toMatchObject({
      problem: '/dev/zero (from $KUBECONFIG) is a device, not a file',
      fix: expect.not.stringContaining('kubectl'),
    })
    expect(await run({ KUBECONFIG: dir })).toMatchObject({ problem: `${dir} (from $KUBECONFIG) is a folder, not a file` })
    // Without $KUBECONFIG: ~/.kube/config of the HOME kind uses.
    mkdirSync(path.join(dir, '.kube'))
    writeFileSync(path.join(dir, '.kube', 'config'), '- a list\n')
    expect(await run({ HOME: dir })).toMatchObject({
      problem: `${path.join(dir, '.kube', 'config')} (the default kubeconfig: $KUBECONFIG is not set) is not a kubeconfig (a mapping with clusters, contexts and users)`,
      fix: expect.stringMatching(/, or move it away for kind to write a new one;/),
    })
    for (const fine of [missing, empty, good, `${missing}${path.delimiter}${good}`]) expect(await run({ KUBECONFIG: fine })).toBeUndefined()
    // kind's own rule: of several, the first that exists, else the last.
    expect(kubeconfigKindWrites({ KUBECONFIG: `${missing}${path.delimiter}${good}${path.delimiter}${empty}` })).toBe(good)
    expect(kubeconfigKindWrites({ KUBECONFIG: `${missing}${path.delimiter}${path.join(dir, 'other')}` })).toBe(path.join(dir, 'other'))
    expect(preflightChecks(kindSpec()).map((check) => check.name)).toContain('kubeconfig kind writes to')
    expect(preflightChecks(kindSpec(), 'status').map((check) => check.name)).not.toContain('kubeconfig kind writes to')
  })

  it('a garbage $KUBECONFIG stops a kind bootstrap before anything is created, with exit 2, and its dry run too', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kindling-cli-'))
    dirs.push(dir)
    mkdirSync(path.join(dir, 'clusters', 'lab'), { recursive: true })
    writeFileSync(path.join(dir, 'clusters', 'lab', 'cluster.yaml'), specText({ provider: 'type: kind\nregistryCaches: {enabled: false}' }))
    writeFileSync(path.join(dir, 'kubeconfig'), 'not: [a kubeconfig\n')
    vi.stubEnv('KUBECONFIG', path.join(dir, 'kubeconfig'))
    try {
      for (const args of [['--yes'], ['--yes', '--dry-run']]) {
        const runner = new RecordingRunner([...toolsPresent, ...clusterReplies([]), noSuchContainer])
        const out: string[] = []
        const code = await runCommand('bootstrap', ['--cluster', 'lab', ...args], {
          stdout: (text) => out.push(text),
          stderr: (text) => out.push(text),
          isTTY: false,
          canAsk: false,
          cwd: dir,
          signal: new AbortController().signal,
          runner,
        })
        expect(code, out.join('')).toBe(2)
        expect(out.join('')).toContain(`kubeconfig kind writes to: ${path.join(dir, 'kubeconfig')} (from $KUBECONFIG) is not valid YAML`)
        expect(runner.commands.filter((command) => !command.readOnly)).toEqual([])
      }
    } finally {
      vi.unstubAllEnvs()
    }
  })

  it('names a variable the spec gives for a component password that is not set, before the cluster is made', async () => {
    const spec = testSpec(specText({ extra: 'components:\n  monitoring:\n    grafana:\n      adminPasswordEnv: LAB_GRAFANA_PW' }))
    const ctx = testContext({ spec })
    vi.stubEnv('LAB_GRAFANA_PW', '')
    expect(await secretVariablesCheck.run(ctx, preflightLookups(ctx))).toEqual({
      problem: 'LAB_GRAFANA_PW is not set (it holds admin-password of Secret monitoring/grafana-admin)',
      fix: expect.stringMatching(/^set it in this shell, or remove the variable's name from .*cluster\.yaml to have a password generated$/),
    })
    vi.stubEnv('LAB_GRAFANA_PW', 'set-by-the-user')
    expect(await secretVariablesCheck.run(ctx, preflightLookups(ctx))).toBeUndefined()
    vi.unstubAllEnvs()
    expect(preflightChecks(spec).map((check) => check.name)).toContain('environment variables the spec names')
    expect(preflightChecks(spec, 'status').map((check) => check.name)).not.toContain('environment variables the spec names')
  })

  it('does not print a variable name that may be a short password typed where the name belongs', async () => {
    // Too short to look like a token, so the spec takes it; unset, it is named by its field instead.
    const spec = testSpec(specText({ extra: 'components:\n  monitoring:\n    grafana:\n      adminPasswordEnv: hunter2pw' }))
    const ctx = testContext({ spec })
    const found = await secretVariablesCheck.run(ctx, preflightLookups(ctx))
    expect(found?.problem).toBe(
      'named by components.monitoring.grafana.adminPasswordEnv (its name is not printed: one with lowercase letters may be a password typed by mistake) is not set (it holds admin-password of Secret monitoring/grafana-admin)',
    )
    const https = testContext({
      spec: testSpec(specText({ repository: 'url: https://github.com/example/lab.git\nauth:\n  type: https\n  tokenEnv: s3cretpw' })),
    })
    expect(() => requireHttpsToken(https)).toThrow(
      'environment variable named by repository.auth.tokenEnv (its name is not printed: one with lowercase letters may be a password typed by mistake) is not set',
    )
    expect(JSON.stringify(found)).not.toContain('hunter2pw')
  })

  it('checks inotify limits only for multi-node clusters, and names the sysctl to raise', async () => {
    expect(preflightChecks(kindSpec()).map((check) => check.name)).not.toContain('inotify limits sufficient')
    expect(preflightChecks(kindSpec('nodes: {workers: 2}')).map((check) => check.name)).toContain('inotify limits sufficient')
    const ctx = testContext()
    const low = await inotifyCheck(async (name) => (name === 'max_user_watches' ? 8192 : 128)).run(ctx, preflightLookups(ctx))
    expect(low?.problem).toMatch(/fs\.inotify\.max_user_watches is 8192 \(need 524288\), fs\.inotify\.max_user_instances is 128 \(need 512\)/)
    expect(low?.fix).toMatch(/sudo sysctl fs\.inotify\.max_user_watches=524288 fs\.inotify\.max_user_instances=512/)
    expect(await inotifyCheck(async () => undefined).run(ctx, preflightLookups(ctx))).toBeUndefined()
  })

  it('refuses a context the kubeconfig does not have, listing the ones it has', async () => {
    const kubeconfig = kubeconfigFile(
      `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: 'https://127.0.0.1:1'}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: other, context: {cluster: c, user: u}}]\ncurrent-context: other\n`,
    )
    const spec = testSpec(specText({ provider: `type: existing\nkubeconfig: ${kubeconfig}\ncontext: homelab` }))
    const runner = new RecordingRunner(toolsPresent)
    const ctx = { ...testContext({ spec, runner }), kube: () => connectKube(spec, runner) }
    const error = (await preflightStep(spec)
      .check(ctx)
      .catch((caught: unknown) => caught)) as PrerequisiteError
    expect(error.details.join('\n')).toMatch(
      /kube context reachable: kubeconfig .* has no context named "homelab" \(contexts there: other; kindling only uses the context the spec names\)/,
    )
    // Not `kubectl --context homelab get nodes`, which fails the same way: a name the file has, or another file.
    const found = await kubeContextCheck.run(ctx, preflightLookups(ctx))
    expect(found?.fix).toBe(
      'set provider.context in clusters/lab/cluster.yaml to "other" (the only context there), or point provider.kubeconfig at the file that holds "homelab"',
    )
  })

  it('sends a context that is there but whose cluster does not answer to kubectl, not to a different context', async () => {
    const spec = testSpec(specText({ provider: 'type: existing\nkubeconfig: /etc/lab/admin.conf\ncontext: homelab' }))
    const refused = { serverVersion: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6443')) } as unknown as KubeClient
    const ctx = testContext({ spec, kube: refused })
    const found = await kubeContextCheck.run(ctx, preflightLookups(ctx))
    expect(found?.problem).toContain('ECONNREFUSED')
    expect(found?.fix).toBe(
      "check `kubectl --kubeconfig /etc/lab/admin.conf --context homelab get nodes`: the cluster must be up, reachable from this machine, and accept the context's credentials",
    )
  })

  it('a kubeconfig that is not there: the fix names the file to point at by the context it must hold, not "the one kubectl reads", which may be the missing one', async () => {
    const gone = path.join(os.tmpdir(), 'kindling-no-such-dir', 'kubeconfig')
    const spec = testSpec(specText({ provider: `type: existing\nkubeconfig: ${gone}\ncontext: homelab` }))
    const runner = new RecordingRunner(toolsPresent)
    const ctx = { ...testContext({ spec, runner, env: { ...process.env, KUBECONFIG: '' } }), kube: () => connectKube(spec, runner) }
    const found = await kubeContextCheck.run(ctx, preflightLookups(ctx))
    expect(found?.problem).toMatch(/does not exist/)
    expect(found?.fix).toBe(
      'point provider.kubeconfig in clusters/lab/cluster.yaml at the kubeconfig file that holds context "homelab" (a spec that names none reads the first file in $KUBECONFIG, else ~/.kube/config)',
    )
  })

  it('names the file in $KUBECONFIG that holds the context, when the one kindling reads lacks it or is not there (kubectl merges them)', async () => {
    const cluster = "clusters: [{name: c, cluster: {server: 'https://127.0.0.1:1'}}]\nusers: [{name: u, user: {token: t}}]"
    const first = kubeconfigFile(`apiVersion: v1\nkind: Config\n${cluster}\ncontexts: [{name: other, context: {cluster: c, user: u}}]\n`)
    const second = kubeconfigFile(`apiVersion: v1\nkind: Config\n${cluster}\ncontexts: [{name: homelab, context: {cluster: c, user: u}}]\n`)
    const gone = path.join(path.dirname(first), 'not-there')
    for (const [listed, problem] of [
      [[first, second], /has no context named "homelab"/],
      [[gone, second], /does not exist/],
    ] as const) {
      const env = { ...process.env, KUBECONFIG: listed.join(path.delimiter) }
      // The spec names no kubeconfig: the first file in $KUBECONFIG is the one kindling reads.
      const previous = process.env.KUBECONFIG
      process.env.KUBECONFIG = env.KUBECONFIG
      const spec = testSpec(specText({ provider: 'type: existing\ncontext: homelab' }))
      if (previous === undefined) delete process.env.KUBECONFIG
      else process.env.KUBECONFIG = previous
      const runner = new RecordingRunner(toolsPresent)
      const ctx = { ...testContext({ spec, runner, env }), kube: () => connectKube(spec, runner) }
      const found = await kubeContextCheck.run(ctx, preflightLookups(ctx))
      expect(found?.problem).toMatch(problem)
      expect(found?.fix).toBe(
        `context "homelab" is in ${second}, which $KUBECONFIG lists (kubectl merges those files; kindling reads only ${listed[0]}): set provider.kubeconfig in clusters/lab/cluster.yaml to ${second}`,
      )
    }
  })

  it('names a broken kubeconfig by its file, line and fix, and neither prints nor saves its lines', async () => {
    const kubeconfig = kubeconfigFile(
      `apiVersion: v1\nkind: Config\nusers:\n- name: x\n  user:\n    password: Hunter2Secret9\n    token: Hunter2Token9\n   username: bad\ncontexts: [{name: x, context: {cluster: x, user: x}}]\n`,
    )
    // The repository is the kubeconfig's folder.
    const dir = path.dirname(kubeconfig)
    mkdirSync(path.join(dir, 'clusters', 'kcleak'), { recursive: true })
    writeFileSync(
      path.join(dir, 'clusters', 'kcleak', 'cluster.yaml'),
      specText({ name: 'kcleak', provider: `type: existing\nkubeconfig: ${kubeconfig}\ncontext: x` }),
    )
    const reports = reportsDir('kcleak')
    rmSync(reports, { recursive: true, force: true })
    const err: string[] = []
    const out: string[] = []
    const code = await runCommand('bootstrap', ['--cluster', 'kcleak', '--yes'], {
      stdout: (text) => out.push(text),
      stderr: (text) => err.push(text),
      isTTY: false,
      canAsk: false,
      cwd: dir,
      signal: new AbortController().signal,
      runner: new RecordingRunner(toolsPresent),
    })
    // The spec's own file is no kubeconfig: bad input, not a missing prerequisite.
    expect(code).toBe(2)
    const said = out.join('') + err.join('')
    expect(said).toContain(`kube context reachable: cannot read kubeconfig ${kubeconfig}: is not valid YAML: bad indentation of a mapping entry (line 8)`)
    expect(said).toContain(`fix: check it with \`kubectl --kubeconfig ${kubeconfig} config view\` and correct it, or point provider.kubeconfig in`)
    const saved = readdirSync(reports).map((name) => readFileSync(path.join(reports, name), 'utf8'))
    expect(saved).toHaveLength(1)
    for (const text of [said, ...saved]) {
      expect(text).not.toContain('Hunter2')
      expect(text).not.toContain('username: bad')
    }
  })

  it('fails the CLI with exit 3 naming the clashing port, having run only read-only commands', async () => {
    const busy = await listening()
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kindling-cli-'))
    dirs.push(dir)
    mkdirSync(path.join(dir, 'clusters', 'lab'), { recursive: true })
    writeFileSync(
      path.join(dir, 'clusters', 'lab', 'cluster.yaml'),
      specText({ provider: `type: kind\nportMappings: [{containerPort: 30080, hostPort: ${busy}}]` }),
    )
    const runner = new RecordingRunner([...toolsPresent, ...clusterReplies([]), noSuchContainer, { match: /^docker inspect/, stdout: inspectJson([]) }])
    const err: string[] = []
    const code = await runCommand('bootstrap', ['--cluster', 'lab'], {
      stdout: () => {},
      stderr: (text) => err.push(text),
      isTTY: false,
      canAsk: false,
      cwd: dir,
      signal: new AbortController().signal,
      runner,
    })
    expect(code).toBe(3)
    expect(err.join('')).toContain(`host port ${busy}`)
    expect(runner.commands.every((command) => command.readOnly)).toBe(true)
  })
})
