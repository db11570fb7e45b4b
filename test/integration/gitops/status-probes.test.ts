import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { monitoring } from '../../../bootstrap/components/monitoring.js'
import type { KubeObject } from '../../../bootstrap/kube/client.js'
import { conditionTrue, deleted } from '../../../bootstrap/kube/conditions.js'
import { goldenSpec } from '../../unit/steps/gitops/support.js'
import { hostAddress } from '../harness/control-plane.js'
import { testKube } from '../support.js'

/**
 * status asks Prometheus and Grafana through the API server's service proxy. Here a small HTTP
 * server answers as they do, behind the Services the chart creates: a host-network Pod kwok runs
 * (its IP is this machine's, which kwok gives its node) is the endpoint the API server proxies to.
 */
const kube = testKube()
const address = hostAddress()
const NS = 'monitoring'
let server: http.Server
const asked: string[] = []

const targets = {
  status: 'success',
  data: {
    activeTargets: [
      {
        scrapePool: 'serviceMonitor/monitoring/kube-state-metrics/0',
        scrapeUrl: 'http://10.244.0.9:8080/metrics',
        health: 'up',
        lastError: '',
        labels: { job: 'kube-state-metrics' },
      },
      {
        scrapePool: 'podMonitor/flux-system/flux/0',
        scrapeUrl: 'http://10.244.0.12:8080/metrics',
        health: 'down',
        lastError: 'Get "http://10.244.0.12:8080/metrics": connection refused',
        labels: { job: 'flux-system/flux' },
      },
    ],
  },
}

/** A Service of the chart, served by the stand-in on `port` (the Service's own port differs, as in the chart). */
function serviceFor(name: string, servicePort: number, port: number): KubeObject[] {
  return [
    { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: NS }, spec: { ports: [{ name: 'http-web', port: servicePort, targetPort: port }] } },
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `${name}-stand-in`, namespace: NS, labels: { 'kubernetes.io/service-name': name } },
      addressType: 'IPv4',
      endpoints: [{ addresses: [address!], conditions: { ready: true }, targetRef: { kind: 'Pod', name: 'stand-in', namespace: NS } }],
      ports: [{ name: 'http-web', port, protocol: 'TCP' }],
    },
  ]
}

beforeAll(async () => {
  if (!address) return
  server = http.createServer((request, response) => {
    asked.push(request.url ?? '')
    const url = new URL(request.url ?? '/', 'http://stand-in')
    const body =
      url.pathname === '/api/v1/targets' ? targets : url.pathname === '/api/health' ? { commit: 'abc123', database: 'ok', version: '12.3.0' } : undefined
    response.writeHead(body ? 200 : 404, { 'Content-Type': 'application/json' }).end(JSON.stringify(body ?? { error: 'not found' }))
  })
  await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve))
  const port = (server.address() as AddressInfo).port
  await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } })
  await kube.apply({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'stand-in', namespace: NS },
    spec: { hostNetwork: true, containers: [{ name: 'stand-in', image: 'registry.k8s.io/pause:3.10' }] },
  })
  await kube.waitFor({ apiVersion: 'v1', kind: 'Pod', name: 'stand-in', namespace: NS }, conditionTrue('Ready'), { timeoutMs: 60_000 })
  await kube.applyAll([...serviceFor('kube-prometheus-stack-prometheus', 9090, port), ...serviceFor('kube-prometheus-stack-grafana', 80, port)])
})

afterAll(async () => {
  server?.close()
  const ref = { apiVersion: 'v1', kind: 'Namespace', name: NS }
  if ((await kube.delete(ref)) === 'deleted') await kube.waitFor(ref, deleted, { timeoutMs: 60_000 })
})

describe.skipIf(!address)('status asks Prometheus and Grafana through the API server', () => {
  it("counts Prometheus targets up and down, names the down one with its error, and reads Grafana's health", async () => {
    const pod = await kube.get({ apiVersion: 'v1', kind: 'Pod', name: 'stand-in', namespace: NS })
    expect((pod?.status as { podIP?: string }).podIP).toBe(address)
    const answers = []
    for (const probe of monitoring.describe(goldenSpec('flux')).probes ?? [])
      answers.push({ title: probe.title, ...probe.judge(await kube.serviceGet(probe.service, probe.path, probe.query)) })
    expect(answers).toEqual([
      {
        title: 'Prometheus targets',
        line: '1 up, 1 down',
        problems: ['Prometheus target flux-system/flux http://10.244.0.12:8080/metrics is down: Get "http://10.244.0.12:8080/metrics": connection refused'],
      },
      { title: 'Grafana', line: 'Grafana 12.3.0, database ok', problems: [] },
    ])
    expect(asked).toEqual(['/api/v1/targets?state=active', '/api/health'])
  })

  it('a Service nobody answers for is a clear error, not a hang', async () => {
    await kube.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'nobody', namespace: NS }, spec: { ports: [{ name: 'http', port: 80 }] } })
    await expect(kube.serviceGet({ namespace: NS, name: 'nobody', port: 80 }, '/api/health')).rejects.toThrow(
      /GET \/api\/health of Service monitoring\/nobody: .*no endpoints available/,
    )
  })
})
