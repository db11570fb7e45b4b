import { describe, expect, it } from 'vitest'
import { describeAction } from '../../../../bootstrap/engine/actions.js'
import { registryContainers, registryRunOptions } from '../../../../bootstrap/render/registry-caches.js'
import type { ClusterSpec } from '../../../../bootstrap/spec/load.js'
import { registryCachesStep } from '../../../../bootstrap/steps/provider/registry-caches.js'
import { runSteps } from '../../../../bootstrap/engine/run.js'
import { formatStepLine } from '../../../../bootstrap/ui/format.js'
import { RecordingRunner, type Reply } from '../../../../bootstrap/tools/recording-runner.js'
import { testContext } from '../../support/context.js'
import { inspectJson, kindSpec, noSuchContainer, type FakeContainer } from './support.js'

/** The containers as `docker run` would have made them. */
function live(spec: ClusterSpec, change: (container: FakeContainer) => FakeContainer = (container) => container): FakeContainer[] {
  return registryContainers(spec).map((registry) => {
    const options = registryRunOptions(spec, registry)
    return change({
      name: registry.name,
      image: options.image,
      env: Object.entries(options.env).map(([key, value]) => `${key}=${value}`),
      ports: registry.hostPort === undefined ? [] : [`127.0.0.1:${registry.hostPort}->5000/tcp`],
    })
  })
}

async function planOf(spec: ClusterSpec, replies: Reply[]) {
  const ctx = testContext({ spec, runner: new RecordingRunner(replies) })
  const step = registryCachesStep(spec)
  const result = await step.check(ctx)
  const actions = result.state === 'todo' ? await step.plan(ctx, result.found) : []
  return { result, lines: actions.map((action) => describeAction(action, (text) => text)) }
}

describe('registry caches step', () => {
  it('starts every missing cache and the local registry', async () => {
    const { result, lines } = await planOf(kindSpec(), [noSuchContainer])
    expect(result.state).toBe('todo')
    expect(lines).toHaveLength(5)
    expect(lines[0]).toBe(
      '$ docker run --detach --name kindling-lab-cache-docker-io --restart always --label dev.kindling.cluster=lab --label dev.kindling.registry=docker.io --volume kindling-lab-cache-docker-io:/var/lib/registry --env REGISTRY_PROXY_REMOTEURL=https://registry-1.docker.io registry:3.0.0@sha256:6c5666b861f3505b116bb9aa9b25175e71210414bd010d92035ff64018f9457e',
    )
    expect(lines[4]).toMatch(/--name kindling-lab-registry .* --publish 127\.0\.0\.1:5001:5000 registry:3\.0\.0@sha256:/)
  })

  it('once it has acted, says what it did, not what was missing before', async () => {
    const spec = kindSpec()
    // Alone, without the preflight it needs in a run.
    const step = { ...registryCachesStep(spec), needs: [] }
    const report = await runSteps([step], testContext({ spec, runner: new RecordingRunner([noSuchContainer]) }))
    expect(formatStepLine(report.steps[0]!)).toMatch(/^✔ Registry caches: done — created 5 registry containers/)
    expect(formatStepLine(report.steps[0]!)).not.toMatch(/does not exist/)
    const containers = live(spec, (container) => (container.name.endsWith('docker-io') ? { ...container, running: false } : container)).filter(
      (container) => !container.name.endsWith('quay-io'),
    )
    const mixed = await runSteps([step], testContext({ spec, runner: new RecordingRunner([{ match: /^docker inspect/, stdout: inspectJson(containers) }]) }))
    expect(mixed.steps[0]!.detail).toBe('created 1 and started 1 registry containers')
  })

  it('does nothing when every container runs as the spec asks, run after run', async () => {
    const spec = kindSpec()
    for (let run = 0; run < 2; run += 1) {
      const { result } = await planOf(spec, [{ match: /^docker inspect/, stdout: inspectJson(live(spec)) }])
      expect(result).toMatchObject({ state: 'done', detail: '5 registry containers running' })
      expect(result.found?.map((state) => state.action)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok'])
    }
  })

  it('asks Docker again when planned without a check result, and plans every container when Docker cannot answer', async () => {
    const spec = kindSpec('registryCaches: {mirrors: [docker.io], localRegistry: {enabled: false}}')
    const running = testContext({ spec, runner: new RecordingRunner([{ match: /^docker inspect/, stdout: inspectJson(live(spec)) }]) })
    expect(await registryCachesStep(spec).plan(running)).toEqual([])
    const noDocker = testContext({ spec, runner: new RecordingRunner([{ match: /^docker inspect/, exitCode: 127, stderr: 'docker: not found' }]) })
    const lines = (await registryCachesStep(spec).plan(noDocker)).map((action) => describeAction(action, (text) => text))
    expect(lines).toEqual([expect.stringMatching(/^\$ docker run --detach --name kindling-lab-cache-docker-io /)])
  })

  it('starts stopped containers and replaces one whose upstream changed, keeping its volume', async () => {
    const spec = kindSpec('registryCaches: {mirrors: [docker.io, ghcr.io], localRegistry: {enabled: false}}')
    const containers = live(spec, (container) =>
      container.name.endsWith('docker-io') ? { ...container, running: false } : { ...container, env: ['REGISTRY_PROXY_REMOTEURL=https://mirror.example'] },
    )
    const { lines } = await planOf(spec, [{ match: /^docker inspect/, stdout: inspectJson(containers) }])
    expect(lines).toEqual([
      '$ docker start kindling-lab-cache-docker-io',
      '$ docker rm --force kindling-lab-cache-ghcr-io',
      expect.stringMatching(
        /^\$ docker run --detach --name kindling-lab-cache-ghcr-io .*--volume kindling-lab-cache-ghcr-io:\/var\/lib\/registry --env REGISTRY_PROXY_REMOTEURL=https:\/\/ghcr\.io /,
      ),
    ])
  })
})
