import { afterAll, describe, expect, it } from 'vitest'
import type { KubeClient, KubeObject } from '../../../../bootstrap/kube/client.js'
import { readGitopsStatus } from '../../../../bootstrap/steps/gitops/status.js'
import { encodeHelmRelease } from '../../../../bootstrap/tools/helm.js'
import { testContext } from '../../support/context.js'
import { removeTempDirs, specYaml, tempRepo } from './support.js'

afterAll(removeTempDirs)

const HEAD = 'c0ffee0123456789c0ffee0123456789c0ffee01'

/** A cluster holding only the engine's Helm release, `status` at chart `version`: nothing synced yet. */
function clusterWithRelease(release: string, namespace: string, status: string, version: string): KubeClient {
  const secret: KubeObject = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: `sh.helm.release.v1.${release}.v1`, namespace, labels: { owner: 'helm', name: release, status, version: '1' } },
    data: { release: encodeHelmRelease({ chart: { metadata: { version } }, config: {} }) },
  }
  return {
    list: async (_apiVersion: string, kind: string) => (kind === 'Secret' ? [secret] : []),
    get: async () => undefined,
  } as unknown as KubeClient
}

describe('status of the engine', () => {
  it.each([
    ['flux', 'flux-operator', 'flux-system', 'Flux'],
    ['argocd', 'argocd', 'argocd', 'Argo CD'],
  ] as const)('%s: a failed release, another chart version and a head not applied each come with what to do', async (engine, release, namespace, title) => {
    const { spec } = tempRepo('lab', specYaml('lab', `engine: ${engine}`, 'url: https://github.com/example/lab.git', false, false))
    const ctx = testContext({ spec, kube: clusterWithRelease(release, namespace, 'failed', '0.0.1') })
    ctx.facts.remoteHead = Promise.resolve(HEAD)
    const status = await readGitopsStatus(ctx)
    expect(status.healthy).toBe(false)
    const bootstrap = '`npx kindling bootstrap -c lab`'
    expect(status.problems).toEqual(
      expect.arrayContaining([
        `Helm release ${namespace}/${release} is failed: ${bootstrap} installs it again at the pinned version`,
        `${release} 0.0.1 installed, the spec pins ${status.engine.pinned}: ${bootstrap} installs ${status.engine.pinned}`,
        `main@c0ffee0 is not applied yet: when the line above names an error, fix it in Git and push; otherwise ${title} takes it at its next poll, or ${bootstrap} asks for it now and waits`,
      ]),
    )
  })
})
