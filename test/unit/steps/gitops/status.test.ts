import { afterAll, describe, expect, it } from 'vitest'
import type { KubeClient, KubeObject } from '../../../../bootstrap/kube/client.js'
import { readGitopsStatus } from '../../../../bootstrap/steps/gitops/status.js'
import { KindlingError, PrerequisiteError } from '../../../../bootstrap/engine/errors.js'
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

describe('status of the components', () => {
  /** The engine installed and synced; every other object `read` answers. */
  function cluster(read: (ref: { kind: string; name: string }) => Promise<KubeObject | undefined>): KubeClient {
    const secret: KubeObject = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 'sh.helm.release.v1.flux-operator.v1',
        namespace: 'flux-system',
        labels: { owner: 'helm', name: 'flux-operator', status: 'deployed', version: '1' },
      },
      data: { release: encodeHelmRelease({ chart: { metadata: { version: '0' } }, config: {} }) },
    }
    return {
      list: async (_apiVersion: string, kind: string) => (kind === 'Secret' ? [secret] : []),
      get: read,
    } as unknown as KubeClient
  }

  it('an object the server refuses to show is named with its words, not as missing', async () => {
    const { spec } = tempRepo('lab', specYaml('lab', 'engine: flux', 'url: https://github.com/example/lab.git', false))
    const refused = new KindlingError('get Provider provider-helm: providers.pkg.crossplane.io "provider-helm" is forbidden (HTTP 403)')
    const ctx = testContext({ spec, kube: cluster(async (ref) => (ref.kind === 'Provider' ? Promise.reject(refused) : undefined)) })
    ctx.facts.remoteHead = Promise.resolve(HEAD)
    const status = await readGitopsStatus(ctx)
    expect(status.problems).toContain(refused.message)
    expect(status.problems.join('\n')).not.toMatch(/Provider provider-helm: (does not exist|not found)/)
  })

  it('a server that stops answering ends the look with its own error', async () => {
    const { spec } = tempRepo('lab', specYaml('lab', 'engine: flux', 'url: https://github.com/example/lab.git', false))
    const gone = new PrerequisiteError('get Provider provider-helm: cannot reach the API server of context "kind-lab": connect ECONNREFUSED')
    const ctx = testContext({ spec, kube: cluster(async (ref) => (ref.kind === 'Provider' ? Promise.reject(gone) : undefined)) })
    ctx.facts.remoteHead = Promise.resolve(HEAD)
    await expect(readGitopsStatus(ctx)).rejects.toBe(gone)
  })
})
