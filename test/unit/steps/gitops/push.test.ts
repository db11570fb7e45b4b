import { afterAll, describe, expect, it } from 'vitest'
import { describeAction, executeActions } from '../../../../bootstrap/engine/actions.js'
import { pushStep } from '../../../../bootstrap/steps/gitops/push.js'
import { RecordingRunner, type Reply } from '../../../../bootstrap/tools/recording-runner.js'
import { testContext } from '../../support/context.js'
import { removeTempDirs, specYaml, tempRepo } from './support.js'

const SHA = 'c0ffee0123456789abcdef0123456789abcdef01'

afterAll(removeTempDirs)

/** The push step of a cluster whose spec was never committed, planned under --yes. */
async function planPush(replies: Reply[], dryRun = false) {
  const { spec } = tempRepo('lab', specYaml('lab', 'engine: flux', 'url: https://github.com/example/lab.git', false, false))
  const runner = new RecordingRunner([...replies, { match: /status --porcelain/, stdout: '?? clusters/lab/cluster.yaml\n' }])
  const ctx = testContext({ spec, runner, flags: { yes: true, dryRun } })
  const step = pushStep(spec, { healthTimeoutMs: 1000, interactive: false })
  const found = await step.check(ctx).then(
    (result) => result.found,
    () => undefined,
  )
  const actions = await step.plan(ctx, found)
  return { ctx, runner, actions, text: actions.map((action) => describeAction(action, (line) => line)).join('\n') }
}

describe('push step', () => {
  it('lists each file it commits once in the plan, and still runs git add, then git commit --only, with all of them', async () => {
    const { ctx, runner, actions, text } = await planPush([{ match: /ls-remote/, stdout: `${SHA}\trefs/heads/main\n` }])
    const files = ['clusters/lab/cluster.yaml', 'clusters/lab/kustomization.yaml', 'clusters/lab/flux-system/sync.yaml']
    for (const file of files) expect(text.split(file).length - 1, file).toBe(1)
    expect(text).toMatch(
      /^commit only what kindling rendered:\n {2}\$ git -C \S+ add -- clusters\/lab\/cluster\.yaml .*\n {2}\$ git -C \S+ commit --quiet --only -m 'kindling: render clusters\/lab\/' -- <the same (\d+) file\(s\)>$/m,
    )
    const count = Number(/<the same (\d+) file\(s\)>/.exec(text)![1])
    runner.commands.length = 0
    await executeActions(ctx, actions)
    const [add, commit] = runner.commands.filter((command) => ['add', 'commit'].includes(command.args[2]!))
    expect(add!.args.slice(-count - 1)).toEqual(['--', ...add!.args.slice(-count)])
    expect(commit!.args.slice(-count)).toEqual(add!.args.slice(-count))
    expect(commit!.args).toContain('--only')
    expect(add!.args.slice(-count)).toEqual(expect.arrayContaining(files))
  })

  it('a dry run that cannot read the remote still plans the commit of the spec, as the real run would', async () => {
    const { text } = await planPush([{ match: /ls-remote/, exitCode: 128, stderr: 'fatal: unable to access' }], true)
    expect(text).toMatch(/ add -- .*clusters\/lab\/cluster\.yaml/)
  })
})
