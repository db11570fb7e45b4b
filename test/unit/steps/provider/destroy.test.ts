import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { failureSummary } from '../../../../bootstrap/cli/execute.js'
import { runCommand } from '../../../../bootstrap/cli/main.js'
import { describeAction, executeActions } from '../../../../bootstrap/engine/actions.js'
import { ExitCode, exitCodeOf } from '../../../../bootstrap/engine/errors.js'
import { runSteps } from '../../../../bootstrap/engine/run.js'
import { confirmDestroyStep, destroyQuestion, registryCachesDeleteStep } from '../../../../bootstrap/steps/provider/destroy.js'
import { providerDestroySteps } from '../../../../bootstrap/steps/provider/index.js'
import { RecordingRunner, type Reply } from '../../../../bootstrap/tools/recording-runner.js'
import { formatError, formatStepLine } from '../../../../bootstrap/ui/format.js'
import { comparison } from '../../../../bootstrap/ui/run-report.js'
import { specText, testContext } from '../../support/context.js'
import { clusterReplies, inspectJson, kindNode, kindSpec, noSuchContainer, toolsPresent } from './support.js'

const dirs: string[] = []
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })))

function repo(spec = specText()): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kindling-destroy-'))
  dirs.push(dir)
  mkdirSync(path.join(dir, 'clusters', 'lab'), { recursive: true })
  writeFileSync(path.join(dir, 'clusters', 'lab', 'cluster.yaml'), spec)
  return dir
}

const registryReplies: Reply[] = [
  { match: /^docker inspect --type container kindling-/, stdout: inspectJson([{ name: 'kindling-lab-cache-docker-io', image: 'registry' }]) },
  { match: /^docker volume inspect/, exitCode: 1, stdout: 'kindling-lab-cache-docker-io\n', stderr: 'Error: no such volume: kindling-lab-registry' },
]

async function destroy(
  args: string[],
  isTTY = false,
  replies = [...clusterReplies([kindNode('lab-control-plane', 'control-plane')]), ...registryReplies],
  spec = specText(),
  /** Replies that win over the tools' usual answers (a Docker daemon that is down). */
  first: Reply[] = [],
) {
  const runner = new RecordingRunner([...first, ...toolsPresent, ...replies])
  const out: string[] = []
  const err: string[] = []
  const code = await runCommand('destroy', ['--cluster', 'lab', ...args], {
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    isTTY,
    canAsk: isTTY,
    cwd: repo(spec),
    signal: new AbortController().signal,
    runner,
  })
  return { code, runner, stdout: out.join(''), stderr: err.join(''), changes: runner.commands.filter((command) => !command.readOnly) }
}

describe('destroy', () => {
  it('masks the token the spec names when a tool quotes it back, though destroy never reads it', async () => {
    // Random letters with no known prefix: only the run's knowing the value can mask it.
    const token = 'q8Zr/Kf3+Lw0Tn5Vb2Hy7Jm4Pc9Xs1Ed6Ga0Ru3W'
    vi.stubEnv('LAB_TOKEN', token)
    try {
      const kindFails: Reply = { match: 'kind delete cluster', exitCode: 1, stderr: `ERROR: environment: LAB_TOKEN=${token} token=${token}` }
      const spec = specText({ repository: 'url: https://example.com/lab.git\nauth: { type: https, tokenEnv: LAB_TOKEN }' })
      for (const json of [false, true]) {
        const { code, stdout, stderr } = await destroy(
          ['--yes', ...(json ? ['--json'] : [])],
          false,
          [kindFails, ...clusterReplies([kindNode('lab-control-plane', 'control-plane')])],
          spec,
        )
        expect(code).toBe(1)
        expect(stdout + stderr).toContain('LAB_TOKEN=***')
        expect(stdout + stderr).not.toContain(token)
      }
    } finally {
      vi.unstubAllEnvs()
    }
  })

  it('refuses without --yes in a non-interactive shell, exit 2, changing nothing', async () => {
    const { code, stderr, changes } = await destroy([])
    expect(code).toBe(2)
    expect(stderr).toMatch(/refusing to destroy without --yes in a non-interactive shell/)
    // The command to go ahead, in the README's form.
    expect(stderr).toContain('to go ahead: npx kindling destroy -c lab --yes\n')
    expect(changes).toEqual([])
  })

  it('off a terminal without --yes, names the missing --yes beside the missing prerequisites, so one run tells everything (exit 3)', async () => {
    // An existing cluster that cannot be reached: its kubeconfig file is not there.
    const spec = specText({ provider: 'type: existing\nkubeconfig: /nonexistent/kindling-test/admin.conf\ncontext: homelab' })
    const unreachable = await destroy([], false, [], spec)
    expect(unreachable.code).toBe(3)
    expect(unreachable.stderr).toContain('1 prerequisite missing, and destroy needs --yes')
    expect(unreachable.stderr).toMatch(/kubeconfig[^\n]*\/nonexistent\/kindling-test\/admin\.conf/)
    expect(unreachable.stderr).toContain(
      'confirmation: off a terminal destroy cannot ask before uninstalling what kindling installed from context homelab\n' +
        '      fix: pass --yes to go ahead without asking: npx kindling destroy -c lab --yes\n',
    )
    expect(unreachable.changes).toEqual([])
    // With --yes only the prerequisite is left to fix.
    const answered = await destroy(['--yes'], false, [], spec)
    expect(answered.code).toBe(3)
    expect(answered.stderr).not.toMatch(/confirmation|needs --yes/)

    // kind without its Docker daemon: the same list, with --purge kept in the command.
    const noDocker = await destroy(['--purge'], false, [], specText(), [{ match: 'docker info', exitCode: 1, stderr: 'Cannot connect to the Docker daemon' }])
    expect(noDocker.code).toBe(3)
    expect(noDocker.stderr).toContain('confirmation: off a terminal destroy cannot ask before deleting kind cluster lab\n')
    expect(noDocker.stderr).toContain('fix: pass --yes to go ahead without asking: npx kindling destroy -c lab --yes --purge\n')
  })

  it('on a terminal with --json: refused for --json, which asks nothing, not for a terminal that is there', async () => {
    const { code, stdout, changes } = await destroy(['--json'], true)
    expect(code).toBe(2)
    const document = JSON.parse(stdout) as { steps: { name: string; error?: string[] }[] }
    expect(document.steps.find((step) => step.name === 'confirm')?.error?.join('\n')).toContain('refusing to destroy without --yes under --json')
    expect(changes).toEqual([])
  })

  it('deletes the kind cluster with --yes and keeps the registry caches', async () => {
    const { code, changes, stdout } = await destroy(['--yes'])
    expect(code).toBe(0)
    expect(changes.map((command) => [command.file, ...command.args].join(' '))).toEqual(['kind delete cluster --name lab'])
    expect(stdout).toContain('registry caches kept for the next cluster: kindling-lab-cache-docker-io; destroy --purge removes them')
    // Steps that had nothing to do say so, and are not listed as work a re-run skipped.
    expect(stdout).toMatch(/✔ Check prerequisites: passed — \d+ checks/)
    expect(stdout).toContain('✔ Confirm: not asked — confirmed by --yes')
    expect(stdout).toContain('✔ Delete kind cluster lab: done — deleted kind cluster lab and its kubeconfig context kind-lab')
    expect(stdout).toContain('✔ Registry caches: kept — 1 container(s) and 1 volume(s) for the next cluster; destroy --purge removes them')
    expect(stdout).not.toContain('Already done, skipped')
    expect(stdout).toMatch(/^Report: \S+\.json — this destroy took \d+\.\ds/m)
  })

  it('removes the registry containers and their volumes too with --purge', async () => {
    const { code, changes } = await destroy(['--yes', '--purge'])
    expect(code).toBe(0)
    expect(changes.map((command) => [command.file, ...command.args].join(' ')).sort()).toEqual([
      'docker rm --force kindling-lab-cache-docker-io',
      'docker volume rm kindling-lab-cache-docker-io',
      'kind delete cluster --name lab',
    ])
  })

  it('prints the whole plan in a dry run on a terminal without asking or changing anything', async () => {
    const { code, stdout, changes } = await destroy(['--dry-run'], true)
    expect(code).toBe(0)
    expect(stdout).toMatch(/ask: Delete kind cluster "lab" and everything in it \(registry caches are kept\)\?/)
    expect(stdout).toMatch(/\$ kind delete cluster --name lab/)
    // The detail follows a dash, as on the progress line: no parentheses inside parentheses.
    expect(stdout).toMatch(
      /\d\. ✔ registry-caches — Registry caches: kept — 1 container\(s\) and 1 volume\(s\) for the next cluster; destroy --purge removes them\n/,
    )
    expect(changes).toEqual([])
  })

  it('a dry run off a terminal without --yes prints the plan, then reports the refusal the real run would make (exit 2)', async () => {
    const { code, stdout, stderr, changes } = await destroy(['--dry-run'])
    expect(code).toBe(2)
    expect(stdout).toMatch(/\$ kind delete cluster --name lab/)
    expect(stdout).toMatch(/refusing to destroy without --yes in a non-interactive shell/)
    expect(stderr).toContain('A real run would stop now: fix what step 2 (confirm) of the plan reports')
    expect(changes).toEqual([])

    const json = await destroy(['--dry-run', '--json'])
    expect(json.code).toBe(2)
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, dryRun: true, exitCode: 2 })
    expect(json.changes).toEqual([])
    // With --yes the dry run's verdict is the real run's too: it would go ahead.
    expect((await destroy(['--dry-run', '--yes'])).code).toBe(0)
  })

  it('asks a person in a terminal and stops at no', async () => {
    const spec = kindSpec()
    const questions: string[] = []
    const signals: (AbortSignal | undefined)[] = []
    const step = confirmDestroyStep(
      spec,
      { healthTimeoutMs: 1, interactive: true },
      async (question, signal) => (questions.push(question), signals.push(signal), false),
    )
    const ctx = testContext({ spec, runner: new RecordingRunner(clusterReplies([kindNode('lab-control-plane', 'control-plane')])) })
    const result = await step.check(ctx)
    expect(result).toMatchObject({ state: 'todo' })
    await expect(executeActions(ctx, await step.plan(ctx, result.found))).rejects.toThrow(/not confirmed: nothing was changed/)
    expect(questions).toEqual([destroyQuestion(spec, false)])
    // The question is the run's: SIGTERM or --timeout while nobody answers puts it away.
    expect(signals).toEqual([ctx.signal])
  })

  it('a "no" on a terminal is a refused confirmation: exit 2, saying how to go ahead, nothing deleted', async () => {
    const spec = kindSpec()
    const runner = new RecordingRunner([...toolsPresent, ...clusterReplies([kindNode('lab-control-plane', 'control-plane')])])
    const steps = [
      ...providerDestroySteps(spec, { healthTimeoutMs: 1, interactive: true }).filter((step) => step.name !== 'confirm'),
      confirmDestroyStep(spec, { healthTimeoutMs: 1, interactive: true }, async () => false),
    ]
    const report = await runSteps(steps, testContext({ spec, runner }))
    const confirm = report.steps.find((step) => step.name === 'confirm')!
    expect(exitCodeOf(confirm.error)).toBe(ExitCode.badInput)
    expect(formatError(confirm.error, (text) => text)).toEqual([
      'Confirm: not confirmed: nothing was changed',
      '  to go ahead: run again and agree, or pass --yes',
    ])
    expect(report.steps.find((step) => step.name === 'cluster')).toMatchObject({ status: 'cancelled', detail: 'you answered no at Confirm' })
    expect(runner.commands.filter((command) => !command.readOnly)).toEqual([])
    // A choice, not a fault: worded as one on the step's line and in the run report's verdict.
    expect(formatStepLine({ ...confirm, timings: { total: 0 } })).toBe('✖ Confirm: declined — asks before deleting')
    expect(comparison('destroy', { ...report, totalMs: 1500 }, undefined)).toBe('this destroy was declined after 1.5s')
    const summary = failureSummary('destroy', report, steps, new AbortController().signal, (text) => text)
    expect(summary.split('\n').at(-1)).toBe('Stopped where you answered no. Nothing was changed.')
    expect(summary).not.toContain('Fix what')
  })

  it('with --purge also finds caches by their cluster label after the spec turned caches off', async () => {
    const spec = kindSpec('registryCaches: {enabled: false}')
    const runner = new RecordingRunner([
      ...toolsPresent,
      ...clusterReplies([]),
      { match: /^docker ps --all --filter label=dev\.kindling\.cluster=lab/, stdout: 'kindling-lab-cache-quay-io\n' },
      {
        match: /^docker inspect --type container kindling-lab-cache-quay-io/,
        stdout: inspectJson([{ name: 'kindling-lab-cache-quay-io', image: 'registry' }]),
      },
      { match: /^docker volume inspect/, stdout: 'kindling-lab-cache-quay-io\n' },
    ])
    const report = await runSteps(
      providerDestroySteps(spec, { healthTimeoutMs: 1, interactive: false }),
      testContext({ spec, runner, flags: { yes: true, purge: true } }),
    )
    expect(report.ok).toBe(true)
    expect(runner.commands.filter((command) => !command.readOnly).map((command) => [command.file, ...command.args].join(' '))).toEqual([
      'docker rm --force kindling-lab-cache-quay-io',
      'docker volume rm kindling-lab-cache-quay-io',
    ])
  })

  it('with --purge, asks Docker again when planned without a check result', async () => {
    const spec = kindSpec('registryCaches: {mirrors: [quay.io], localRegistry: {enabled: false}}')
    const runner = new RecordingRunner([
      { match: /^docker ps --all --filter label=dev\.kindling\.cluster=lab/, stdout: '' },
      {
        match: /^docker inspect --type container kindling-lab-cache-quay-io/,
        exitCode: 1,
        stdout: '[]',
        stderr: 'Error: No such container: kindling-lab-cache-quay-io',
      },
      { match: /^docker volume inspect/, stdout: 'kindling-lab-cache-quay-io\n' },
    ])
    const actions = await registryCachesDeleteStep(spec).plan(testContext({ spec, runner, flags: { yes: true, purge: true } }))
    expect(actions.map((action) => describeAction(action, (text) => text))).toEqual(['$ docker volume rm kindling-lab-cache-quay-io'])
  })

  it('plans to delete no registry cache without --purge, also when Docker cannot list them (a dry run without the daemon)', async () => {
    const spec = kindSpec()
    const down: Reply[] = [{ match: /^docker /, exitCode: 1, stderr: 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock.' }]
    const step = registryCachesDeleteStep(spec)
    expect(await step.plan(testContext({ spec, runner: new RecordingRunner(down), flags: { yes: true } }))).toEqual([])
    // With --purge, what the spec makes is named, since nothing could be listed.
    const purged = await step.plan(testContext({ spec, runner: new RecordingRunner(down), flags: { yes: true, purge: true } }))
    expect(purged.map((action) => describeAction(action, (text) => text))).toContainEqual(expect.stringMatching(/^\$ docker rm --force kindling-lab-/))
  })

  it('with no kind cluster, says there is nothing to delete and asks nothing, on a terminal too (exit 0)', async () => {
    for (const isTTY of [true, false]) {
      const { code, runner, stdout, stderr } = await destroy([], isTTY, [...clusterReplies([]), noSuchContainer])
      expect(code, stderr).toBe(0)
      expect(stdout).not.toMatch(/Delete kind cluster "lab"|\?$/m)
      expect(stdout).toContain('✔ Confirm: not asked — nothing to delete: kind cluster lab does not exist')
      expect(stdout).toContain('✔ Delete kind cluster lab: nothing to delete — kind cluster lab does not exist')
      expect(stdout).toContain('✔ Registry caches: nothing to delete — no registry containers or volumes')
      expect(stdout).not.toMatch(/up to date|registry caches kept|Already done/)
      expect(runner.commands.filter((command) => !command.readOnly)).toEqual([])
    }
    // With --purge and caches left from that cluster, the question names only them.
    const spec = kindSpec()
    const runner = new RecordingRunner([...toolsPresent, ...clusterReplies([]), ...registryReplies])
    const ctx = testContext({ spec, runner, flags: { purge: true } })
    const confirm = confirmDestroyStep(spec, { healthTimeoutMs: 1, interactive: true }, async () => true)
    const result = await confirm.check(ctx)
    expect(result).toMatchObject({ state: 'todo' })
    expect((await confirm.plan(ctx, result.found)).map((action) => describeAction(action, (text) => text))).toEqual([
      'ask: Delete the registry caches of "lab" with every cached image (kind cluster "lab" does not exist)? (skip with --yes)',
    ])
  })

  it('deletes nothing when the cluster is already gone (a second destroy)', async () => {
    const spec = kindSpec()
    const runner = new RecordingRunner([
      ...toolsPresent,
      ...clusterReplies([]),
      { match: /^docker inspect/, exitCode: 1, stdout: '[]', stderr: 'Error: No such container: x' },
    ])
    const report = await runSteps(
      providerDestroySteps(spec, { healthTimeoutMs: 1, interactive: false }),
      testContext({ spec, runner, flags: { yes: true, purge: true } }),
    )
    expect(report.ok).toBe(true)
    expect(report.steps.map((step) => step.status)).toEqual(['done', 'done', 'done', 'done'])
    expect(runner.commands.filter((command) => !command.readOnly)).toEqual([])
  })
})
