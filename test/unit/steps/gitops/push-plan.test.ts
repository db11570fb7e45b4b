import { describe, expect, it } from 'vitest'
import { describeAction } from '../../../../bootstrap/engine/actions.js'
import { commitActions, commitCommands, destination, pushWork, type PushState } from '../../../../bootstrap/steps/gitops/push-plan.js'
import { testSpec, specText } from '../../support/context.js'

const remote = testSpec(specText({ repository: 'url: https://github.com/me/lab.git' }))
const inCluster = testSpec(specText({ repository: 'branch: main' }))
const state = (over: Partial<PushState>): PushState => ({ files: [], uncommitted: [], onRemote: false, leftOver: [], ...over })

describe('push plan', () => {
  it('commits nothing when every rendered file is committed', () => {
    expect(commitCommands(remote, { uncommitted: [] })).toEqual([])
    expect(commitActions(remote, { uncommitted: [] })).toEqual([])
  })

  it('shows the files once, in git add, and the commit by their count, as one action', () => {
    const files = ['clusters/lab/cluster.yaml', 'clusters/lab/kustomization.yaml']
    const actions = commitActions(remote, { uncommitted: files })
    expect(actions.map((action) => describeAction(action, (text) => text))).toEqual([
      [
        'commit only what kindling rendered:',
        '  $ git -C /repo add -- clusters/lab/cluster.yaml clusters/lab/kustomization.yaml',
        "  $ git -C /repo commit --quiet --only -m 'kindling: render clusters/lab/' -- <the same 2 file(s)>",
      ].join('\n'),
    ])
    // What runs is both commands with every file: the commit in the foreground, where a passphrase can be asked.
    const [add, commit] = commitCommands(remote, { uncommitted: files })
    expect(add!.args).toEqual(['-C', '/repo', 'add', '--', ...files])
    expect(commit).toMatchObject({
      args: ['-C', '/repo', 'commit', '--quiet', '--only', '-m', 'kindling: render clusters/lab/', '--', ...files],
      foreground: true,
    })
  })

  it('says where the push goes and what is left to do', () => {
    expect(destination(remote)).toBe('https://github.com/me/lab.git main')
    expect(destination(inCluster)).toBe('the in-cluster Git server (main)')
    expect(pushWork(remote, state({ uncommitted: ['a', 'b'] }))).toBe('2 rendered file(s) to commit, then push to https://github.com/me/lab.git main')
    expect(pushWork(inCluster, state({}))).toBe('the in-cluster Git server (main) holds nothing yet: push this checkout to it')
    expect(pushWork(inCluster, state({ serverChange: { step: 'step 2 (git-server)', verb: 'creates' } }))).toBe(
      'the in-cluster Git server (main) is not there yet: step 2 (git-server) creates it, then this checkout is pushed to it',
    )
    expect(pushWork(inCluster, state({ head: 'a'.repeat(40), local: 'b'.repeat(40) }))).toBe(
      'the in-cluster Git server (main) is at aaaaaaa, this checkout at bbbbbbb: push it there',
    )
    expect(pushWork(remote, state({ head: 'a'.repeat(40), local: 'b'.repeat(40) }))).toBe(
      'this checkout has commits https://github.com/me/lab.git main does not: push them',
    )
  })
})
