import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runSteps } from '../../../../bootstrap/engine/run.js'
import { hooksStep } from '../../../../bootstrap/steps/gitops/hooks.js'
import { hooksReadableCheck } from '../../../../bootstrap/steps/provider/machine-checks.js'
import { preflightLookups } from '../../../../bootstrap/steps/provider/preflight.js'
import { ExecRunner } from '../../../../bootstrap/tools/exec-runner.js'
import { Redactor } from '../../../../bootstrap/tools/secrets.js'
import { formatPlan } from '../../../../bootstrap/ui/format.js'
import { testContext } from '../../support/context.js'
import { clusterStub, removeTempDirs, specYaml, tempRepo } from './support.js'

afterAll(removeTempDirs)

const gateStub = { ...clusterStub, name: 'health-gate' }

function repoWithHooks(hooks: Record<string, string>) {
  const repo = tempRepo('lab', specYaml('lab', 'engine: flux', 'url: https://example.com/lab.git'))
  const dir = path.join(repo.root, 'clusters', 'lab', 'hooks')
  mkdirSync(dir, { recursive: true })
  for (const [name, body] of Object.entries(hooks)) writeFileSync(path.join(dir, name), body)
  return repo
}

describe('hooks (zx scripts in clusters/<name>/hooks/)', () => {
  it('run with zx after the health gate, in name order, told the cluster and context; output in the report, secrets masked', async () => {
    const { spec } = repoWithHooks({
      '20-second.mjs': 'echo(`second for ${process.env.KINDLING_CLUSTER}`)\n',
      '10-first.mjs': "const out = await $`echo context=${process.env.KINDLING_CONTEXT}`\necho(out.stdout.trim())\necho('token S3cretT0kenValue42')\n",
      'notes.txt': 'not a hook\n',
    })
    const secrets = new Redactor()
    secrets.add('S3cretT0kenValue42')
    const ctx = { ...testContext({ spec }), runner: new ExecRunner(secrets), secrets }
    const report = await runSteps([gateStub, hooksStep(spec)], ctx)
    expect(report.steps.find((step) => step.error)?.error).toBeUndefined()
    const summary = secrets.redact(ctx.facts.summary.join('\n'))
    expect(summary).toBe(['hook 10-first.mjs (zx):', '  context=kind-lab', '  token ***', 'hook 20-second.mjs (zx):', '  second for lab'].join('\n'))
  }, 30_000)

  it('a failing hook fails the run with its output', async () => {
    const { spec } = repoWithHooks({ '10-fails.mjs': "await $`sh -c 'echo broken >&2; exit 3'`\n" })
    const ctx = { ...testContext({ spec }), runner: new ExecRunner(new Redactor()) }
    const report = await runSteps([gateStub, hooksStep(spec)], ctx)
    expect(report.steps[1]!.status).toBe('failed')
    expect(String(report.steps[1]!.error)).toMatch(/10-fails\.mjs/)
  }, 30_000)

  it('a dry run lists each hook and its command without running it', async () => {
    const { spec } = repoWithHooks({ '10-first.mjs': "throw new Error('must not run')\n" })
    const report = await runSteps([gateStub, hooksStep(spec)], testContext({ spec, flags: { dryRun: true } }))
    const plan = formatPlan(report, (text) => text)
    expect(plan).toMatch(/hooks — Run the hooks in clusters\/lab\/hooks\/: to do — 1 hook\(s\): 10-first\.mjs$/m)
    expect(plan).toMatch(/\$ .*node.* .*zx.*cli\.js --quiet clusters\/lab\/hooks\/10-first\.mjs/)
  })

  it('names a script beside the hooks that will not run, so a seed.js is not skipped without a word', async () => {
    const { spec } = repoWithHooks({ 'seed.js': "echo('x')\n", '10-smoke.mjs': "echo('ok')\n", 'README.md': 'notes\n' })
    expect(await hooksStep(spec).check(testContext({ spec }))).toMatchObject({
      state: 'todo',
      detail: '1 hook(s): 10-smoke.mjs; not run, as only *.mjs files (zx scripts) are hooks: seed.js',
    })
    const { spec: only } = repoWithHooks({ 'smoke.ts': '' })
    expect(await hooksStep(only).check(testContext({ spec: only }))).toMatchObject({
      state: 'done',
      detail: 'no hooks; not run, as only *.mjs files (zx scripts) are hooks: smoke.ts',
    })
  })

  it('a hook whose name holds a line break, an escape or a reordering mark is never shown raw: preflight names it escaped (exit 2)', async () => {
    const { spec } = repoWithHooks({
      '10-x\nerror: forged.mjs': 'echo(1)\n',
      '20-\u001b[2J.mjs': 'echo(2)\n',
      '30-\u202eevil.mjs': 'echo(3)\n',
      '40-fine.mjs': 'echo(4)\n',
    })
    const report = await runSteps([gateStub, hooksStep(spec)], testContext({ spec, flags: { dryRun: true } }))
    const plan = formatPlan(report, (text) => text)
    expect(plan).toContain('1 hook(s): 40-fine.mjs')
    expect(plan).not.toContain('forged')
    expect(plan).not.toContain('\u001b')
    expect(plan).not.toContain('\u202e')
    const ctx = testContext({ spec })
    expect(await hooksReadableCheck.run(ctx, preflightLookups(ctx))).toEqual({
      problem:
        'hook names "10-x\\nerror: forged.mjs", "20-\\u001b[2J.mjs", "30-\\u202eevil.mjs" hold a control or invisible character, which would garble every line that names it',
      fix: 'make each *.mjs in clusters/lab/hooks/ a zx script file, or remove it; rename a hook to plain letters, digits, "-", "_" and "."',
      input: true,
    })
  })

  it('no hooks folder: nothing to do', async () => {
    const { spec } = tempRepo('lab', specYaml('lab', 'engine: flux', 'url: https://example.com/lab.git'))
    expect(await hooksStep(spec).check(testContext({ spec }))).toMatchObject({ state: 'done', detail: 'no hooks' })
  })
})
