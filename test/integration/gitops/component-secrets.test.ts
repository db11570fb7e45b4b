import { afterAll, afterEach, describe, expect, it, vi } from 'vitest'
import type { GeneratedSecret } from '../../../bootstrap/components/component.js'
import { runSteps } from '../../../bootstrap/engine/run.js'
import type { StepContext } from '../../../bootstrap/engine/step.js'
import { deleted } from '../../../bootstrap/kube/conditions.js'
import { componentSecretsStep } from '../../../bootstrap/steps/gitops/component-secrets.js'
import { formatPlan } from '../../../bootstrap/ui/format.js'
import { clusterStub } from '../../unit/steps/gitops/support.js'
import { testContext, testSpec } from '../../unit/support/context.js'
import { testKube, uniqueName } from '../support.js'

const kube = testKube()
const namespace = uniqueName('secrets')
const AFTER_CHANGE = 'Grafana keeps the password it first started with; reset it with: <command>'
const secret: GeneratedSecret = {
  name: 'grafana-admin',
  namespace,
  data: { 'admin-user': { literal: 'admin' }, 'admin-password': { generate: 32, fromEnv: 'TEST_GRAFANA_PASSWORD' } },
  afterChange: AFTER_CHANGE,
}
const ref = { apiVersion: 'v1', kind: 'Secret', name: secret.name, namespace }

afterEach(() => vi.unstubAllEnvs())
afterAll(async () => {
  const ns = { apiVersion: 'v1', kind: 'Namespace', name: namespace }
  if ((await kube.delete(ns)) === 'deleted') await kube.waitFor(ns, deleted, { timeoutMs: 60_000 })
})

async function password(): Promise<string> {
  const live = await kube.get(ref)
  return Buffer.from(String((live?.data as Record<string, string>)['admin-password']), 'base64').toString('utf8')
}

async function run(ctx: StepContext & { lines: string[] }) {
  const report = await runSteps([clusterStub, componentSecretsStep(testSpec(), [secret])], ctx)
  const text = [...ctx.lines, formatPlan(report, (line) => ctx.secrets.redact(line)), JSON.stringify(report.steps.map((step) => step.detail))].join('\n')
  return { report, text }
}

describe('Secrets the bootstrap makes for components', () => {
  it('generates a password once, keeps it on re-runs, and never prints it', async () => {
    const unset: GeneratedSecret = { ...secret, data: { ...secret.data, 'admin-password': { generate: 32 } } }
    const first = testContext({ kube })
    const report = await runSteps([clusterStub, componentSecretsStep(testSpec(), [unset])], first)
    expect(report.steps.map((step) => step.status)).toEqual(['done', 'applied'])
    const generated = await password()
    expect(generated).toMatch(/^[\w-]{32}$/)
    expect(first.lines.join('\n')).not.toContain(generated)
    const second = testContext({ kube })
    const again = await runSteps([clusterStub, componentSecretsStep(testSpec(), [unset])], second)
    expect(again.steps.map((step) => step.status)).toEqual(['done', 'done'])
    expect(await password()).toBe(generated)
  })

  it('takes the password from the variable the spec names, replacing the generated one, masked in every output', async () => {
    const chosen = 'my-Grafana-password-from-env-0123'
    vi.stubEnv('TEST_GRAFANA_PASSWORD', chosen)
    const ctx = testContext({ kube })
    const { report, text } = await run(ctx)
    expect(report.steps.map((step) => step.status)).toEqual(['done', 'applied'])
    expect(await password()).toBe(chosen)
    expect(text).not.toContain(chosen)
    // The Secret existed with another password: the run says Grafana will not follow by itself.
    expect(ctx.facts.summary).toContain(`⚠ ${AFTER_CHANGE}`)
    const again = await run(testContext({ kube }))
    expect(again.report.steps.map((step) => step.status)).toEqual(['done', 'done'])
  })

  it('stops before changing anything when the named variable is not set', async () => {
    vi.stubEnv('TEST_GRAFANA_PASSWORD', '')
    const before = await kube.get(ref)
    const { report } = await run(testContext({ kube }))
    expect(report.ok).toBe(false)
    expect(String(report.steps[1]?.error)).toContain('environment variable TEST_GRAFANA_PASSWORD is not set')
    expect((await kube.get(ref))?.metadata.resourceVersion).toBe(before?.metadata.resourceVersion)
  })
})
