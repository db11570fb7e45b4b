import { describe, expect, it } from 'vitest'
import { executeActions, describeAction } from '../../../../bootstrap/engine/actions.js'
import { BadInputError, ExitCode, exitCodeOf } from '../../../../bootstrap/engine/errors.js'
import type { Action, RunFlags, Step, StepContext } from '../../../../bootstrap/engine/step.js'
import type { KubeClient } from '../../../../bootstrap/kube/client.js'
import { renderKindConfigYaml } from '../../../../bootstrap/render/kind-config.js'
import { registryContainers, renderHostsToml, hostsTomlPath } from '../../../../bootstrap/render/registry-caches.js'
import type { ClusterSpec } from '../../../../bootstrap/spec/load.js'
import { failureSummary } from '../../../../bootstrap/cli/execute.js'
import { runSteps } from '../../../../bootstrap/engine/run.js'
import { KubeconfigError } from '../../../../bootstrap/kube/kubeconfig.js'
import { kindClusterStep } from '../../../../bootstrap/steps/provider/kind-cluster.js'
import { RecordingRunner, type Reply } from '../../../../bootstrap/tools/recording-runner.js'
import { testContext } from '../../support/context.js'
import { clusterReplies, inspectJson, kindNode, kindSpec, type FakeContainer } from './support.js'

const PORTS = 'portMappings: [{containerPort: 30080, hostPort: 8080}, {containerPort: 30443, hostPort: 8443}]'
const upToDate = { planApply: async () => [{ ref: 'ConfigMap kube-public/local-registry-hosting', state: 'up to date' }] } as unknown as KubeClient

function context(spec: ClusterSpec, replies: Reply[], flags: Partial<RunFlags> = {}): StepContext & { lines: string[]; runner: RecordingRunner } {
  const runner = new RecordingRunner(replies)
  return { ...testContext({ spec, runner, flags, kube: upToDate }), runner }
}

/** Registry containers of the spec, attached to the kind network (or not). */
function registries(spec: ClusterSpec, networks = ['bridge', 'kind']): FakeContainer[] {
  return registryContainers(spec).map((registry) => ({ name: registry.name, image: 'registry', networks }))
}

/** Replies of a cluster that matches the spec, with every mirror wired. */
function wiredCluster(spec: ClusterSpec, nodes: FakeContainer[]): Reply[] {
  const files = registryContainers(spec).map((registry) => ({
    match: `docker exec ${nodes[0]!.name} cat ${hostsTomlPath(registry)}`,
    stdout: renderHostsToml(registry).trimEnd(),
  }))
  return [...clusterReplies(nodes), ...files, { match: /^docker inspect --type container kindling-/, stdout: inspectJson(registries(spec)) }]
}

const matchingNode = (): FakeContainer =>
  kindNode('lab-control-plane', 'control-plane', { ports: ['127.0.0.1:41234->6443/tcp', '127.0.0.1:8080->30080/tcp', '127.0.0.1:8443->30443/tcp'] })

describe('kind cluster step', () => {
  it('creates an absent cluster with the exact commands in the golden file, config on stdin', async () => {
    const spec = kindSpec(PORTS)
    const ctx = context(spec, [
      ...clusterReplies([]),
      { match: /^docker inspect --type container kindling-/, stdout: inspectJson(registries(spec, ['bridge'])) },
    ])
    const step = kindClusterStep(spec, { healthTimeoutMs: 1, interactive: false })
    expect(step.needs).toEqual(['preflight', 'registry-caches'])
    const result = await step.check(ctx)
    expect(result).toMatchObject({ state: 'todo', detail: expect.stringContaining('does not exist'), found: { kind: 'absent' } })
    const actions = await step.plan(ctx, result.found)
    await expect(actions.map((action) => describeAction(action, (text) => text)).join('\n')).toMatchFileSnapshot('__golden__/kind-create-plan.txt')
    const create = actions.find((action): action is Extract<Action, { type: 'run' }> => action.type === 'run' && action.command.file === 'kind')!
    expect(create.command.input).toBe(renderKindConfigYaml(spec))
    expect(ctx.runner.commands.every((command) => command.readOnly)).toBe(true)

    const apply = new RecordingRunner()
    await executeActions({ ...ctx, runner: apply, kube: async () => ({ applyAll: async () => [] }) as unknown as KubeClient }, actions)
    await expect(apply.lines.join('\n')).toMatchFileSnapshot('__golden__/kind-create-commands.txt')
  })

  it('reuses a cluster with the same config and changes nothing on a second run', async () => {
    const spec = kindSpec(PORTS)
    for (let run = 0; run < 2; run += 1) {
      const ctx = context(spec, wiredCluster(spec, [matchingNode()]))
      expect(await kindClusterStep(spec, { healthTimeoutMs: 1, interactive: false }).check(ctx)).toMatchObject({
        state: 'done',
        detail: expect.stringContaining('exists with the same config'),
      })
      expect(ctx.runner.commands.every((command) => command.readOnly)).toBe(true)
    }
  })

  it('rewires only what is missing: a registry off the kind network and a node without its mirror file', async () => {
    const spec = kindSpec(`${PORTS}\nregistryCaches: {mirrors: [ghcr.io], localRegistry: {enabled: false}}`)
    const ctx = context(spec, [
      ...clusterReplies([matchingNode()]),
      { match: /^docker exec lab-control-plane cat/, exitCode: 1, stderr: "cat: can't open: No such file" },
      { match: /^docker inspect --type container kindling-/, stdout: inspectJson(registries(spec, ['bridge'])) },
    ])
    const step = kindClusterStep(spec, { healthTimeoutMs: 1, interactive: false })
    const result = await step.check(ctx)
    expect(result).toMatchObject({ state: 'todo' })
    const lines = (await step.plan(ctx, result.found)).filter((action) => action.type === 'run').map((action) => describeAction(action, (text) => text))
    expect(lines).toEqual([
      '$ docker network connect kind kindling-lab-cache-ghcr-io',
      "$ docker exec --interactive lab-control-plane sh -c 'mkdir -p /etc/containerd/certs.d/ghcr.io && cat > /etc/containerd/certs.d/ghcr.io/hosts.toml' < <stdin>",
    ])
    expect(await step.plan(ctx)).toEqual(await step.plan(ctx, result.found))
  })

  it('stops and explains when the live cluster was created with other port mappings, changing nothing', async () => {
    const spec = kindSpec('portMappings: [{containerPort: 30080, hostPort: 9090}]')
    const ctx = context(spec, clusterReplies([matchingNode()]))
    const error = (await kindClusterStep(spec, { healthTimeoutMs: 1, interactive: true })
      .check(ctx)
      .catch((caught: unknown) => caught)) as BadInputError
    expect(error).toBeInstanceOf(BadInputError)
    expect(error.message).toMatch(/kind cluster lab exists with a different config/)
    expect(error.details.join('\n')).toMatch(
      /port mappings: 127\.0\.0\.1:8080->30080\/tcp, 127\.0\.0\.1:8443->30443\/tcp published; the spec wants 127\.0\.0\.1:9090->30080\/tcp/,
    )
    expect(error.details.join('\n')).toMatch(/--recreate/)
    expect(ctx.runner.commands.every((command) => command.readOnly)).toBe(true)
  })

  it('plans nothing for a cluster it refuses to change when called without a check result (a dry run)', async () => {
    const spec = kindSpec('portMappings: [{containerPort: 30080, hostPort: 9090}]')
    const ctx = context(spec, clusterReplies([matchingNode()]), { dryRun: true })
    const step = kindClusterStep(spec, { healthTimeoutMs: 1, interactive: false })
    await expect(step.check(ctx)).rejects.toBeInstanceOf(BadInputError)
    expect(await step.plan(ctx)).toEqual([])
  })

  it('plans a new cluster when Docker cannot be asked (a dry run on a machine without it)', async () => {
    const spec = kindSpec(`${PORTS}\nregistryCaches: {enabled: false}`)
    const ctx = context(spec, [{ match: 'kind get clusters', exitCode: 127, stderr: 'kind: not found' }], { dryRun: true })
    const runs = (await kindClusterStep(spec, { healthTimeoutMs: 1, interactive: false }).plan(ctx))
      .filter((action) => action.type === 'run')
      .map((action) => describeAction(action, (text) => text))
    expect(runs).toEqual(['$ kind create cluster --name lab --config - --wait 0s < <stdin>'])
  })

  it('names a different node count and node image', async () => {
    const spec = kindSpec(`nodes: {workers: 1}\n${PORTS}`)
    const old = { ...matchingNode(), image: 'kindest/node:v1.33.1@sha256:x' }
    const error = (await kindClusterStep(spec, { healthTimeoutMs: 1, interactive: false })
      .check(context(spec, clusterReplies([old])))
      .catch((caught: unknown) => caught)) as BadInputError
    expect(error.details.join('\n')).toMatch(/nodes: 1 control plane\(s\) and 0 worker\(s\) run; the spec wants 1 and 1/)
    expect(error.details.join('\n')).toMatch(/node image: kindest\/node:v1\.33\.1@sha256:x runs/)
  })

  it('refuses --recreate without --yes in a non-interactive shell', async () => {
    const spec = kindSpec('portMappings: [{containerPort: 30080, hostPort: 9090}]')
    const ctx = context(spec, clusterReplies([matchingNode()]), { recreate: true })
    await expect(kindClusterStep(spec, { healthTimeoutMs: 1, interactive: false }).check(ctx)).rejects.toThrow(
      /refusing to re-create kind cluster lab without --yes/,
    )
  })

  it('a dry run of --recreate without --yes off a terminal reports the same refusal as the real run', async () => {
    const spec = kindSpec('portMappings: [{containerPort: 30080, hostPort: 9090}]')
    const ctx = context(spec, clusterReplies([matchingNode()]), { recreate: true, dryRun: true })
    const error = await kindClusterStep(spec, { healthTimeoutMs: 1, interactive: false })
      .check(ctx)
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(BadInputError)
    expect((error as BadInputError).message).toMatch(/refusing to re-create kind cluster lab without --yes/)
  })

  it('re-creates with --recreate --yes: delete, then create with the new config', async () => {
    const spec = kindSpec('portMappings: [{containerPort: 30080, hostPort: 9090}]\nregistryCaches: {enabled: false}')
    const ctx = context(spec, clusterReplies([matchingNode()]), { recreate: true, yes: true })
    const step = kindClusterStep(spec, { healthTimeoutMs: 1, interactive: false })
    const result = await step.check(ctx)
    expect(result).toMatchObject({ state: 'todo', detail: expect.stringContaining('re-creating') })
    const runs = (await step.plan(ctx, result.found)).filter((action) => action.type === 'run').map((action) => describeAction(action, (text) => text))
    expect(runs).toEqual(['$ kind delete cluster --name lab', '$ kind create cluster --name lab --config - --wait 0s < <stdin>'])
  })

  it('asks before re-creating in a terminal, and deletes nothing when the answer is no', async () => {
    const spec = kindSpec('portMappings: [{containerPort: 30080, hostPort: 9090}]\nregistryCaches: {enabled: false}')
    const ctx = context(spec, clusterReplies([matchingNode()]), { recreate: true })
    const questions: string[] = []
    const step = kindClusterStep(spec, { healthTimeoutMs: 1, interactive: true }, async (question) => (questions.push(question), false))
    const { found } = await step.check(ctx)
    const apply = new RecordingRunner()
    const refused = await executeActions({ ...ctx, runner: apply }, await step.plan(ctx, found)).catch((caught: unknown) => caught)
    expect(questions).toEqual(['Delete kind cluster "lab" and everything in it, then create it again with the new config?'])
    expect(apply.commands).toEqual([])
    // A "no" is a refused confirmation (exit 2), saying the cluster is untouched and how to go on.
    expect(refused).toBeInstanceOf(BadInputError)
    expect(exitCodeOf(refused)).toBe(ExitCode.badInput)
    expect(refused).toMatchObject({
      message: 'not confirmed: kind cluster lab was left as it is',
      details: ['to re-create it: run again and agree, or pass --yes', expect.stringContaining('a run without --recreate lists what differs')],
    })
  })

  it('starts stopped nodes and writes their mirror files again', async () => {
    const spec = kindSpec(`${PORTS}\nregistryCaches: {mirrors: [quay.io], localRegistry: {enabled: false}}`)
    const ctx = context(spec, [
      ...clusterReplies([{ ...matchingNode(), running: false }]),
      { match: /^docker inspect --type container kindling-/, stdout: inspectJson(registries(spec)) },
    ])
    const step = kindClusterStep(spec, { healthTimeoutMs: 1, interactive: false })
    const result = await step.check(ctx)
    expect(result).toMatchObject({ state: 'todo', detail: 'lab-control-plane stopped; 1 containerd mirror file(s) missing or outdated' })
    const runs = (await step.plan(ctx, result.found)).filter((action) => action.type === 'run').map((action) => describeAction(action, (text) => text))
    expect(runs[0]).toBe('$ docker start lab-control-plane')
    expect(runs).toHaveLength(2)
  })

  it('applies the local-registry ConfigMap of a restarted cluster only after its nodes are Ready, when the API answers', async () => {
    const spec = kindSpec(`nodes: {workers: 1}\n${PORTS}\nregistryCaches: {mirrors: [quay.io]}`)
    const nodes = [{ ...matchingNode(), running: false }, kindNode('lab-worker', 'worker', { running: false })]
    const ctx = context(spec, [...clusterReplies(nodes), { match: /^docker inspect --type container kindling-/, stdout: inspectJson(registries(spec)) }])
    const step = kindClusterStep(spec, { healthTimeoutMs: 1, interactive: false })
    const { found } = await step.check(ctx)
    const lines = (await step.plan(ctx, found)).map((action) => describeAction(action, (text) => text))
    const firstWait = lines.indexOf('wait until Node lab-control-plane is Ready=True (up to 180 s)')
    expect(lines.slice(firstWait)).toEqual([
      'wait until Node lab-control-plane is Ready=True (up to 180 s)',
      'wait until Node lab-worker is Ready=True (up to 180 s)',
      expect.stringMatching(/^apply \(server-side\): where to push images \(KEP-1755\)\n---\napiVersion: v1\nkind: ConfigMap\n/),
    ])
    expect(lines[0]).toBe('$ docker start lab-control-plane lab-worker')
  })

  it('waits, after every run, until each node is Ready', async () => {
    const spec = kindSpec('nodes: {workers: 2}')
    const waits = await kindClusterStep(spec, { healthTimeoutMs: 1, interactive: false }).waits!(context(spec, []))
    expect(waits.map((wait) => `${wait.ref.kind} ${wait.ref.name}: ${wait.condition.description}`)).toEqual([
      'Node lab-control-plane: Ready=True',
      'Node lab-worker: Ready=True',
      'Node lab-worker2: Ready=True',
    ])
  })

  it('a cluster created before the step failed is not called "nothing was changed", even when the failure is bad input', async () => {
    const spec = kindSpec(PORTS)
    const runner = new RecordingRunner([
      ...clusterReplies([]),
      { match: /^docker inspect --type container kindling-/, stdout: inspectJson(registries(spec, ['bridge'])) },
    ])
    const ctx: StepContext = {
      ...testContext({ spec, runner }),
      kube: async () => {
        throw new KubeconfigError('cannot read kubeconfig (default): is not valid YAML', { named: true })
      },
    }
    const done = (name: string): Step => ({ name, title: name, needs: [], check: async () => ({ state: 'done' }), plan: async () => [] })
    const steps = [done('preflight'), done('registry-caches'), kindClusterStep(spec, { healthTimeoutMs: 1, interactive: false })]
    const report = await runSteps(steps, ctx)
    expect(runner.commands.some((command) => command.file === 'kind' && command.args[0] === 'create')).toBe(true)
    expect(exitCodeOf(report.steps.find((step) => step.name === 'cluster')!.error)).toBe(ExitCode.badInput)
    const summary = failureSummary('bootstrap', report, steps, new AbortController().signal, (text) => text)
    expect(summary).toContain('cannot read kubeconfig')
    expect(summary).not.toContain('Nothing was changed')
    expect(summary.split('\n').at(-1)).toBe('Run the same command again after fixing the cause: completed steps are skipped.')
  })
})
