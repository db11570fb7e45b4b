import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { helpText } from '../../../bootstrap/cli/help.js'
import { unusedKindFlags } from '../../../bootstrap/cli/execute.js'
import { runCommand, type CliIo } from '../../../bootstrap/cli/main.js'
import { InterruptedError } from '../../../bootstrap/engine/errors.js'
import { confirmDestroyStep } from '../../../bootstrap/steps/provider/destroy.js'
import { requiredTools } from '../../../bootstrap/steps/provider/preflight.js'
import { RecordingRunner, type Reply } from '../../../bootstrap/tools/recording-runner.js'
import { clusterReplies, kindNode, noSuchContainer, toolsPresent } from '../steps/provider/support.js'
import { repoRoot, specText, testContext, testSpec } from '../support/context.js'

function io(options: { cwd?: string; replies?: Reply[] } = {}) {
  const out: string[] = []
  const err: string[] = []
  const runner = new RecordingRunner(options.replies ?? [])
  const value: CliIo = {
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    isTTY: false,
    canAsk: false,
    cwd: options.cwd ?? repoRoot,
    signal: new AbortController().signal,
    runner,
  }
  return { io: value, runner, stdout: () => out.join(''), stderr: () => err.join('') }
}

const tempDirs: string[] = []
afterAll(() => tempDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })))

function repoWith(name: string, text: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kindling-cli-'))
  tempDirs.push(dir)
  mkdirSync(path.join(dir, 'clusters', name), { recursive: true })
  writeFileSync(path.join(dir, 'clusters', name, 'cluster.yaml'), text)
  return dir
}

const noDocker: Reply[] = [{ match: /^docker info/, exitCode: 1, stderr: 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock' }]

describe('CLI', () => {
  it('prints help with the exit codes and exits 0', async () => {
    const t = io()
    expect(await runCommand('bootstrap', ['--help'], t.io)).toBe(0)
    expect(t.stdout()).toContain('Usage: kindling bootstrap')
    expect(t.stdout()).toMatch(/143\s+stopped by SIGTERM/)
    expect(t.stdout()).toMatch(/130\s+interrupted/)
  })

  it('in a folder that was deleted: --help still answers, the rest is refused with exit 2, as JSON under --json', async () => {
    const gone = io()
    gone.io.cwd = undefined
    expect(await runCommand('destroy', ['--help'], gone.io)).toBe(0)
    expect(gone.stdout()).toContain('Usage: kindling destroy')
    expect(await runCommand('destroy', ['-c', 'lab', '--yes'], gone.io)).toBe(2)
    expect(gone.stderr()).toContain('the current folder no longer exists (deleted or moved)')
    const json = io()
    json.io.cwd = undefined
    expect(await runCommand('status', ['--json'], json.io)).toBe(2)
    expect(json.stderr()).toBe('')
    expect(JSON.parse(json.stdout())).toMatchObject({ command: 'status', ok: false, exitCode: 2 })
    expect(json.stdout()).toContain('the current folder no longer exists')
  })

  it('status offers no flag that only means something for a change (--dry-run, --yes), and needs no helm or age', async () => {
    const t = io()
    expect(await runCommand('status', ['--dry-run'], t.io)).toBe(2)
    expect(t.stderr()).toContain('status only reads and changes nothing, so it takes no --dry-run (a flag of bootstrap and destroy)')
    const purge = io()
    expect(await runCommand('bootstrap', ['--purge'], purge.io)).toBe(2)
    expect(purge.stderr()).toContain('bootstrap takes no --purge: it is a flag of destroy')
    expect(helpText('status')).not.toMatch(/--dry-run|--yes/)
    expect(requiredTools(testSpec(), 'status')).toEqual(['docker', 'kind', 'git'])
    expect(requiredTools(testSpec(specText({ provider: 'type: existing\nkubeconfig: ~/.kube/config\ncontext: lab' })), 'status')).toEqual(['git'])
  })

  it('status --help lists only the exit codes status can end with: it never asks, so it never refuses', () => {
    const help = helpText('status')
    expect(help).not.toMatch(/refused confirmation|free port|to finish/)
    expect(help).toMatch(/\n {2}2 {4}bad input: invalid spec, unknown flag\n/)
    expect(help).toMatch(/130 {2}interrupted \(Ctrl-C\)\n/)
    expect(helpText('destroy')).toMatch(/refused confirmation/)
    expect(helpText('destroy')).not.toMatch(/free port/)
    expect(helpText('bootstrap')).toMatch(/refused confirmation/)
  })

  it('status without a cluster says so in one line with the command that creates it, as the README says; --json reads every part', async () => {
    const dir = repoWith('lab', specText({ name: 'lab' }))
    const noCluster: Reply[] = [
      ...toolsPresent,
      ...clusterReplies([]),
      noSuchContainer,
      { match: /^docker volume inspect/, exitCode: 1, stderr: 'Error: no such volume' },
    ]
    const human = io({ cwd: dir, replies: noCluster })
    expect(await runCommand('status', ['--cluster', 'lab'], human.io)).toBe(1)
    // A cluster never created: one problem, one way to create it, no part that could not be read.
    expect(human.stderr()).toBe(
      ['✖ kind cluster lab does not exist: it has not been created yet, or was deleted', '    create it: npx kindling bootstrap -c lab', ''].join('\n'),
    )
    expect(human.stdout()).toBe('')
    // Asked once, of kind: nothing else is read.
    expect(human.runner.lines).toEqual(['kind get clusters'])

    const json = io({ cwd: dir, replies: noCluster })
    expect(await runCommand('status', ['--cluster', 'lab', '--json'], json.io)).toBe(1)
    const report = JSON.parse(json.stdout()) as { skipped?: string[]; steps: { name: string; status: string; detail?: string }[] }
    // status only reads: the registry caches failing hides nothing else; the sync status needs the cluster.
    expect(report.steps.find((step) => step.name === 'gitops')).toMatchObject({ status: 'blocked', detail: 'needs kind cluster lab, which has a problem' })
    expect(report.skipped).toBeUndefined()
    expect(report).toMatchObject({ status: { cluster: { name: 'lab', exists: false } } })

    // Where kind cannot answer (the Docker daemon is down), the parts are read and preflight says why.
    const down = io({
      cwd: dir,
      replies: [...noDocker, { match: 'kind get clusters', exitCode: 1, stderr: 'ERROR: failed to list clusters' }, ...noCluster],
    })
    expect(await runCommand('status', ['--cluster', 'lab'], down.io)).toBe(3)
    expect(down.stdout()).toMatch(/✖ Check prerequisites: problem found/)
    expect(down.stderr()).toMatch(/Docker daemon reachable/)
    // The closing block names the step once, on the line that says what is wrong with it.
    expect(down.stderr()).toMatch(/^✖ Check prerequisites: \d prerequisites? missing\n {4}Docker daemon reachable: /m)
    expect(down.stderr().match(/Check prerequisites/g)).toHaveLength(1)
  })

  it('rejects an unknown flag with exit 2', async () => {
    const t = io()
    expect(await runCommand('status', ['--colour'], t.io)).toBe(2)
    expect(t.stderr()).toMatch(/Unknown option '--colour'/)
    expect(t.stderr()).not.toMatch(/\n\s+at /)
  })

  it('says --recreate and --purge are ignored for an existing cluster, and never passes them on in a command it suggests', async () => {
    const existing = testSpec(specText({ provider: 'type: existing\nkubeconfig: ~/.kube/config\ncontext: lab' }))
    expect(unusedKindFlags(existing, { recreate: true, purge: true })).toEqual([
      '--recreate is for kind clusters; kindling never re-creates an existing cluster (lab): ignored',
      "--purge deletes a kind cluster's registry caches; an existing cluster (lab) has none: ignored",
    ])
    expect(unusedKindFlags(testSpec(), { recreate: true, purge: true })).toEqual([])
    const refused = confirmDestroyStep(existing, { healthTimeoutMs: 1, interactive: false }).check(testContext({ spec: existing, flags: { purge: true } }))
    await expect(refused).rejects.toMatchObject({ details: ['nothing was changed', expect.stringMatching(/destroy -c lab --yes$/)] })
  })

  it('a cluster named without -c is answered with the flag that takes it (exit 2)', async () => {
    const t = io()
    expect(await runCommand('bootstrap', ['homelab'], t.io)).toBe(2)
    expect(t.stderr()).toBe('unexpected argument "homelab"\n  to name the cluster, pass -c homelab\n  see: kindling bootstrap --help\n')
    expect(t.runner.commands).toEqual([])
    const help = io()
    expect(await runCommand('bootstrap', ['help'], help.io)).toBe(2)
    expect(help.stderr()).toBe('unexpected argument "help"\n  see: kindling bootstrap --help\n')
  })

  it('a switch given a value (--json=1, --yes=true) is told to stand alone (exit 2)', async () => {
    const t = io()
    expect(await runCommand('status', ['--json=1'], t.io)).toBe(2)
    expect(t.stderr()).toContain('--json takes no value: write --json alone (leave it out for no)')
    expect(t.runner.commands).toEqual([])
  })

  it('names the flag a mistyped one was meant to be, when one is a letter or two away', async () => {
    for (const [command, typed, meant] of [
      ['status', '--jsno', '--json'],
      ['bootstrap', '--dry_run', '--dry-run'],
      ['bootstrap', '--Cluster', '--cluster'],
      ['destroy', '--purg', '--purge'],
      ['bootstrap', '--no-psuh', '--no-push'],
    ] as const) {
      const t = io()
      expect(await runCommand(command, [typed], t.io)).toBe(2)
      expect(t.stderr()).toContain(`Unknown option '${typed}' (did you mean ${meant}?)`)
    }
    const far = io()
    expect(await runCommand('status', ['--frobnicate'], far.io)).toBe(2)
    expect(far.stderr()).not.toContain('did you mean')
  })

  it('refuses a flag given twice with different values instead of acting on the last one', async () => {
    for (const [command, argv, said] of [
      [
        'destroy',
        ['--dry-run', '-y', '-c', 'homelab', '-c', 'homelab-argocd'],
        '-c "homelab" and -c "homelab-argocd": the same flag twice with different values; give it once',
      ],
      ['status', ['--timeout', 'abc', '--timeout=10m'], '--timeout "abc" and --timeout "10m": the same flag twice'],
    ] as const) {
      const t = io()
      expect(await runCommand(command, [...argv], t.io)).toBe(2)
      expect(t.stderr()).toContain(said)
    }
    // The same flag repeated as it was changes nothing: not refused for that.
    const same = io()
    await runCommand('status', ['-c', 'lab', '--cluster', 'lab', '-v', '-v'], same.io)
    expect(same.stderr()).not.toContain('the same flag twice')
  })

  it('lists every problem of an invalid spec and exits 2 without running anything', async () => {
    const dir = repoWith(
      'broken',
      specText({ name: 'broken', provider: 'type: kind\nnodes: {workers: -2}', gitops: 'engine: flux\nversion: latest' }).replace(
        'kind: Cluster',
        'kind: Clustre',
      ),
    )
    const t = io({ cwd: dir })
    expect(await runCommand('bootstrap', ['--cluster', 'broken'], t.io)).toBe(2)
    const lines = t.stderr().trim().split('\n')
    expect(lines[0]).toMatch(/cluster\.yaml is not a valid cluster spec \(3 problems\)/)
    expect(lines.slice(1).map((line) => line.trim())).toEqual([
      expect.stringMatching(/clusters\/broken\/cluster\.yaml:2 kind: /),
      expect.stringMatching(/clusters\/broken\/cluster\.yaml:8 spec\.provider\.nodes\.workers: must be a whole number from 0 to 10$/),
      expect.stringMatching(/clusters\/broken\/cluster\.yaml:11 spec\.gitops\.version: must be an exact version/),
    ])
    expect(t.runner.commands).toEqual([])
  })

  it('exits 3 naming the missing Docker daemon and how to get it', async () => {
    const t = io({ replies: noDocker })
    expect(await runCommand('bootstrap', ['--cluster', 'homelab'], t.io)).toBe(3)
    expect(t.stderr()).toMatch(/Docker daemon reachable: the Docker daemon is not reachable/)
    expect(t.stderr()).toMatch(/fix: start Docker/)
    expect(t.stderr()).toMatch(/Nothing was changed/)
    expect(t.runner.commands.every((command) => command.readOnly)).toBe(true)
  })

  it('a dry run of destroy off a terminal, without --yes and without Docker, exits 3 as the real run does: the question it would refuse comes after preflight, which a real run never passes', async () => {
    const replies = [...noDocker, ...toolsPresent, ...clusterReplies([kindNode('lab-control-plane', 'control-plane')]), noSuchContainer]
    const real = io({ cwd: repoWith('lab', specText()), replies })
    expect(await runCommand('destroy', ['-c', 'lab'], real.io)).toBe(3)
    const dry = io({ cwd: repoWith('lab', specText()), replies })
    expect(await runCommand('destroy', ['-c', 'lab', '--dry-run'], dry.io), dry.stderr()).toBe(3)
    // The question is still in the plan, marked as what would stop a real run there.
    expect(dry.stdout()).toMatch(/✖ confirm — Confirm: would stop a real run/)
    expect(dry.stderr()).toContain(
      'A real run would stop now: fix what step 1 (preflight) of the plan reports, then run it again; step 2 (confirm) reports a problem too, often the same one.',
    )
  })

  it('a dry run without Docker prints the whole plan, then exits 3 as a real run would, running only read-only commands', async () => {
    const t = io({ replies: noDocker })
    expect(await runCommand('bootstrap', ['--cluster', 'homelab', '--dry-run'], t.io)).toBe(3)
    expect(t.stdout()).toContain('Plan (dry run: nothing was changed)')
    expect(t.stdout()).toMatch(/\n\d+\. .* health-gate — /)
    expect(t.stderr()).toContain('A real run would stop now: fix what step 1 (preflight)')
    // The prerequisite block is printed once: in the plan, not again under the progress line.
    expect(t.stdout().match(/Docker daemon reachable/g)).toHaveLength(1)
    expect(t.runner.commands.every((command) => command.readOnly)).toBe(true)
    // --json says what the ✖ says: preflight would stop the run, not "unknown" like a step that could not check.
    const json = io({ replies: noDocker })
    expect(await runCommand('bootstrap', ['--cluster', 'homelab', '--dry-run', '--json'], json.io)).toBe(3)
    const steps = (JSON.parse(json.stdout()) as { steps: { name: string; status: string; error?: string[] }[] }).steps
    expect(steps.find((step) => step.name === 'preflight')).toMatchObject({
      status: 'would-stop',
      error: expect.arrayContaining([expect.stringMatching(/Docker daemon reachable/)]),
    })
    expect(t.stdout()).toMatch(/1\. ✖ preflight — Check prerequisites: would stop a real run/)
  })

  it('a dry run stopped by Ctrl-C while preflight looks says it stopped, not that preflight found something to fix', async () => {
    const t = io()
    const controller = new AbortController()
    t.io.signal = controller.signal
    t.io.runner = {
      run: (command) => {
        // The person presses Ctrl-C while the first check runs; the command in flight ends with it.
        controller.abort(new InterruptedError('interrupted', 'SIGINT'))
        return Promise.reject(new InterruptedError(`${command.file}: interrupted`))
      },
    }
    expect(await runCommand('bootstrap', ['--cluster', 'homelab', '--dry-run'], t.io)).toBe(130)
    expect(t.stderr()).toContain('The dry run stopped before the plan was complete. Nothing was changed.')
    expect(t.stderr()).not.toContain('A real run would stop now')
  })

  it('a dry run with every prerequisite and no cluster yet exits 0: what lives in the cluster it creates is to do, not unknown', async () => {
    const t = io({
      replies: [
        { match: /^docker info/, stdout: '28.0.1' },
        { match: /^docker (volume )?inspect/, exitCode: 1, stdout: '[]', stderr: 'Error: No such object' },
        { match: 'kind version', stdout: 'kind v0.33.0 go1.26.0 linux/amd64' },
        { match: 'kind get kubeconfig', exitCode: 1, stderr: "ERROR: could not locate any control plane nodes for cluster named 'homelab'" },
        { match: 'helm version', stdout: 'v3.20.2+g0000000' },
        { match: 'age-keygen --version', stdout: 'v1.3.2' },
        { match: /rev-parse --verify --quiet HEAD/, stdout: '0123456789abcdef0123456789abcdef01234567' },
      ],
    })
    // No port mappings and no registry containers: nothing on this machine's ports can make the preflight differ.
    t.io.cwd = repoWith('homelab', specText({ name: 'homelab', provider: 'type: kind\nregistryCaches:\n  enabled: false', repository: 'branch: main' }))
    expect(await runCommand('bootstrap', ['--cluster', 'homelab', '--dry-run', '--yes', '--json'], t.io), t.stdout()).toBe(0)
    const report = JSON.parse(t.stdout()) as { ok: boolean; steps: { name: string; status: string; detail?: string; error?: string[] }[] }
    expect(
      report.ok,
      JSON.stringify(
        report.steps.filter((step) => step.status !== 'planned' && step.status !== 'done'),
        null,
        1,
      ),
    ).toBe(true)
    expect(report.steps.filter((step) => step.status === 'unknown')).toEqual([])
    for (const name of ['engine', 'root-sync', 'health-gate']) {
      expect(report.steps.find((step) => step.name === name)).toMatchObject({
        status: 'planned',
        detail: 'kind cluster homelab is created first: all of this is still to do',
      })
    }
    // The in-cluster Git server it pushes to is made with the cluster: empty, so everything goes.
    expect(report.steps.find((step) => step.name === 'push')).toMatchObject({
      status: 'planned',
      detail: expect.stringMatching(/^\d+ rendered file\(s\) to commit, then push to the in-cluster Git server \(main\)$/),
    })
  })

  it('takes a cluster name, never a path, and refuses a --timeout that would end the run at once or overflow', async () => {
    // A repository of its own: this checkout's clusters/ may also hold clusters written with the wizard.
    const own = repoWith('lab', specText())
    const outside = io({ cwd: own })
    mkdirSync(path.join(own, 'clusters', 'edge'))
    writeFileSync(path.join(own, 'clusters', 'edge', 'cluster.yaml'), specText({ name: 'edge' }))
    expect(await runCommand('status', ['--cluster', '../../../etc'], outside.io)).toBe(2)
    expect(outside.stderr()).toContain('--cluster "../../../etc" is not a cluster name')
    expect(outside.stderr()).toContain('clusters here: edge, lab\n')
    // A Hetzner-style token (64 letters and digits) has no known prefix: still not repeated.
    const token = 'Zx7Kq2Lm9Pw4Rt6Yv8Bn3Hj5Gf1Dsa0Zx7Kq2Lm9Pw4Rt6Yv8Bn3Hj5Gf1Dsa0Ab'
    const pasted = io()
    expect(await runCommand('status', ['--cluster', token, '--timeout', token], pasted.io)).toBe(2)
    expect(pasted.stderr()).toContain('--cluster the value given (not printed: it looks like a token) is not a cluster name')
    expect(pasted.stderr()).not.toContain(token)
    const empty = io()
    expect(await runCommand('status', ['--cluster', ''], empty.io)).toBe(2)
    expect(empty.stderr()).toContain('--cluster "" is not a cluster name')
    for (const [timeout, message] of [
      ['0s', 'would stop the run before it starts'],
      ['1ms', 'would stop the run before it starts'],
      ['999ms', 'would stop the run before it starts'],
      ['99999999h', 'is longer than a day'],
    ]) {
      const t = io()
      expect(await runCommand('status', ['--cluster', 'homelab', '--timeout', timeout!], t.io)).toBe(2)
      expect(t.stderr()).toContain(`--timeout ${timeout} ${message}`)
      expect(t.runner.commands).toEqual([])
    }
    const dash = io()
    expect(await runCommand('status', ['--cluster', 'homelab', '--timeout', '-5m'], dash.io)).toBe(2)
    expect(dash.stderr()).toBe('--timeout needs a value, and one starting with "-" is not valid here\n  see: kindling status --help\n')
  })

  it('repeats no token or URL password typed as an argument or an option, and cuts a long value short', async () => {
    const said = async (command: 'bootstrap' | 'status', argv: string[]): Promise<string> => {
      const t = io()
      expect(await runCommand(command, argv, t.io)).toBe(2)
      expect(t.runner.commands).toEqual([])
      return t.stdout() + t.stderr()
    }
    // No digits, no known prefix: random letters of both cases.
    const token = 'aZkPqLmWxRtYvBnCdEfGhJkL'
    expect(await said('bootstrap', ['--dry-run', '-c', 'homelab', token])).toContain('unexpected argument the value given (not printed: it looks like a token)')
    expect(await said('bootstrap', ['--dry-run', '-c', 'homelab', 'aZ3kP9qLmW2xR7tY5vB8nC1d'])).not.toContain('aZ3kP9qLmW2xR7tY5vB8nC1d')
    expect(await said('status', ['https://u:S3CR3Tpw@h/x'])).toContain('unexpected argument "https://***@h/x"')
    expect(await said('status', ['--ghp_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123'])).toContain('Unknown option: the value given (not printed: it looks like a token)')
    expect(await said('status', [`--${token}`])).not.toContain(token)
    expect(await said('status', ['--https://u:S3CR3Tpw@h/x'])).not.toContain('S3CR3T')
    const long = await said('status', ['-c', 'a'.repeat(5000)])
    expect(long).toContain(`--cluster "${'a'.repeat(60)}…" (5000 characters) is not a cluster name`)
    expect(long.length).toBeLessThan(400)
    // --json answers the same way.
    const json = io()
    expect(await runCommand('status', ['--json', token], json.io)).toBe(2)
    expect(json.stdout()).toContain('unexpected argument the value given')
    expect(json.stdout()).not.toContain(token)
  })

  it('prints no listener-leak warning when many commands listen for the stop at once, as a dry run has them', async () => {
    const warnings: string[] = []
    const onWarning = (warning: Error): void => void warnings.push(warning.name)
    process.on('warning', onWarning)
    try {
      const t = io({ replies: noDocker })
      // Each command keeps listening for the run's stop until it ends, as the process library does.
      const listening = new RecordingRunner(noDocker)
      t.io.runner = { run: (command, options) => (options?.signal?.addEventListener('abort', () => {}), listening.run(command)) }
      for (let i = 0; i < 3; i++) await runCommand('bootstrap', ['--cluster', 'homelab', '--dry-run'], t.io)
      expect(listening.commands.length).toBeGreaterThan(11)
      await new Promise((resolve) => setImmediate(resolve))
      expect(warnings).not.toContain('MaxListenersExceededWarning')
    } finally {
      process.off('warning', onWarning)
    }
  })

  it('--json prints one JSON document, also for errors', async () => {
    const ok = io({ replies: noDocker })
    expect(await runCommand('bootstrap', ['--cluster', 'homelab', '--dry-run', '--json'], ok.io)).toBe(3)
    const report = JSON.parse(ok.stdout()) as { ok: boolean; dryRun: boolean; steps: { name: string }[] }
    // ok agrees with the exit code.
    expect(report).toMatchObject({ ok: false, exitCode: 3, dryRun: true, cluster: 'homelab' })
    // Why, and what to do, as the text output ends: a script needs no step-by-step reading.
    expect(report).toMatchObject({
      outcome: [expect.stringMatching(/^A real run would stop now: fix what step 1 \(preflight\) of the plan reports.*Nothing was changed\.$/)],
    })
    expect(report.steps.map((step) => step.name)).toContain('preflight')
    const real = io({ replies: noDocker })
    expect(await runCommand('bootstrap', ['--cluster', 'homelab', '--json'], real.io)).toBe(3)
    const failed = JSON.parse(real.stdout()) as { ok: boolean; exitCode: number; outcome: string[] }
    expect(failed).toMatchObject({ ok: false, exitCode: 3 })
    expect(failed.outcome).toEqual(expect.arrayContaining([expect.stringMatching(/^✖ Check prerequisites: /), expect.stringContaining('Nothing was changed')]))
    expect(failed.outcome).not.toContain('')

    const bad = io()
    expect(await runCommand('bootstrap', ['--cluster', 'missing', '--json'], bad.io)).toBe(2)
    expect(JSON.parse(bad.stdout())).toMatchObject({
      ok: false,
      exitCode: 2,
      error: expect.arrayContaining([expect.stringContaining('no spec for cluster "missing"'), expect.stringContaining('`npx kindling wizard -c missing`')]),
    })
    const badDry = io()
    expect(await runCommand('bootstrap', ['--cluster', 'missing', '--dry-run', '--json'], badDry.io)).toBe(2)
    expect(JSON.parse(badDry.stdout())).toMatchObject({ ok: false, dryRun: true, exitCode: 2 })
    // A flag the parser refuses: still one JSON document, since the script asked for one.
    const unknown = io()
    expect(await runCommand('status', ['--frobnicate', '--json'], unknown.io)).toBe(2)
    expect(JSON.parse(unknown.stdout())).toMatchObject({
      ok: false,
      exitCode: 2,
      error: [expect.stringContaining("Unknown option '--frobnicate'"), expect.any(String)],
    })
    expect(unknown.stderr()).toBe('')
  })
})
