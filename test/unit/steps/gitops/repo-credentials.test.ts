import { writeFileSync, mkdirSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { exitCodeOf } from '../../../../bootstrap/engine/errors.js'
import type { KubeClient } from '../../../../bootstrap/kube/client.js'
import { repoCredentialsStep } from '../../../../bootstrap/steps/gitops/repo-credentials.js'
import { RecordingRunner } from '../../../../bootstrap/tools/recording-runner.js'
import { testContext } from '../../support/context.js'
import { removeTempDirs, specYaml, tempRepo } from './support.js'

afterAll(removeTempDirs)

const HOST_KEY = 'git.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHostKeyOfTheExampleGitServer0000000000000'
/** An empty cluster: nothing there yet that another tool made. */
const emptyCluster = { get: async () => undefined } as unknown as KubeClient

function argoOverSsh(url: string, values?: string) {
  const repo = tempRepo('lab', specYaml('lab', 'engine: argocd', `url: ${url}\nauth:\n  type: ssh`))
  if (values !== undefined) {
    mkdirSync(path.join(repo.root, 'clusters/lab/argocd'), { recursive: true })
    writeFileSync(path.join(repo.root, 'clusters/lab/argocd/values.yaml'), values)
  }
  const runner = new RecordingRunner([{ match: /^ssh-keyscan/, stdout: `# git.example.com:22 SSH-2.0\n${HOST_KEY}\n` }])
  return testContext({ spec: repo.spec, runner, kube: emptyCluster })
}

describe('repository credentials for Argo CD over SSH', () => {
  it('stop with the host key lines to add when the chart does not know the Git host', async () => {
    const ctx = argoOverSsh('ssh://git@git.example.com/me/lab.git')
    const error = await repoCredentialsStep(ctx.spec)
      .check(ctx)
      .then(
        () => undefined,
        (e: unknown) => e,
      )
    expect(exitCodeOf(error)).toBe(2)
    expect(String(error)).toContain('Argo CD does not know the SSH host key of git.example.com')
    expect((error as { details: string[] }).details).toContain(`      ${HOST_KEY}`)
  })

  it('go on once the values file lists the host, and for hosts the chart ships keys for', async () => {
    const listed = argoOverSsh('ssh://git@git.example.com/me/lab.git', `configs:\n  ssh:\n    extraHosts: |\n      ${HOST_KEY}\n`)
    await expect(repoCredentialsStep(listed.spec).check(listed)).resolves.toMatchObject({ state: 'todo' })
    const github = argoOverSsh('git@github.com:me/lab.git')
    await expect(repoCredentialsStep(github.spec).check(github)).resolves.toMatchObject({ state: 'todo' })
  })
})
