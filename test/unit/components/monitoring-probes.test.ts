import { describe, expect, it } from 'vitest'
import { judgeGrafana, judgeTargets, monitoringProbes } from '../../../bootstrap/components/monitoring-probes.js'
import { monitoring } from '../../../bootstrap/components/monitoring.js'
import { goldenSpec } from '../steps/gitops/support.js'

const target = (job: string, health: 'up' | 'down' | 'unknown', lastError = '') => ({
  scrapePool: `serviceMonitor/monitoring/${job}/0`,
  scrapeUrl: `http://10.244.0.7:8080/metrics`,
  health,
  lastError,
  labels: { job },
})

describe('what status asks Prometheus and Grafana', () => {
  it("counts targets up and down, and names each down target with Prometheus's own error", () => {
    const body = {
      status: 'success',
      data: { activeTargets: [target('kube-state-metrics', 'up'), target('flux', 'down', 'connection refused'), target('crossplane', 'unknown')] },
    }
    expect(judgeTargets(body)).toEqual({
      line: '1 up, 1 down, 1 not scraped yet',
      problems: ['Prometheus target flux http://10.244.0.7:8080/metrics is down: connection refused'],
    })
  })

  it('lists the first five down targets and counts the rest; no targets at all is a problem too', () => {
    const many = { data: { activeTargets: Array.from({ length: 8 }, (_, index) => target(`job-${index}`, 'down', 'timeout')) } }
    const { line, problems } = judgeTargets(many)
    expect(line).toBe('0 up, 8 down')
    expect(problems).toHaveLength(6)
    expect(problems.at(-1)).toBe('and 3 more Prometheus targets down (Prometheus: /targets?state=unhealthy)')
    expect(judgeTargets({ data: { activeTargets: [] } }).problems).toEqual([
      'Prometheus has no active targets: check that its ServiceMonitors and PodMonitors are selected',
    ])
  })

  it("reads Grafana's health: version, and a database that does not answer is a problem", () => {
    expect(judgeGrafana({ commit: 'abc', database: 'ok', version: '12.3.0' })).toEqual({ line: 'Grafana 12.3.0, database ok', problems: [] })
    expect(judgeGrafana({ database: 'failing' }).problems).toEqual(["Grafana's database is failing (its /api/health)"])
  })

  it("asks the chart's own Services through the API server (Grafana only when it is installed)", () => {
    const spec = goldenSpec('flux')
    expect(
      monitoring.describe(spec).probes?.map((probe) => `${probe.title}: ${probe.service.namespace}/${probe.service.name}:${probe.service.port}${probe.path}`),
    ).toEqual([
      'Prometheus targets: monitoring/kube-prometheus-stack-prometheus:9090/api/v1/targets',
      'Grafana: monitoring/kube-prometheus-stack-grafana:80/api/health',
    ])
    expect(monitoringProbes('monitoring', 'p', undefined).map((probe) => probe.title)).toEqual(['Prometheus targets'])
  })
})

describe('the status view', () => {
  it('shows what the probes found under the components line', async () => {
    const { statusLines } = await import('../../../bootstrap/steps/gitops/status.js')
    const lines = statusLines({
      healthy: false,
      summary: 'Flux (flux-operator 0.59.0) follows https://example.com/lab.git main; head c0ffee0 applied',
      engine: { name: 'Flux', release: 'flux-operator', pinned: '0.59.0', installed: '0.59.0' },
      remote: { url: 'https://example.com/lab.git', branch: 'main', head: 'c0ffee0', inCluster: false },
      applied: true,
      components: [
        {
          name: 'monitoring',
          ready: false,
          problems: ['Prometheus target flux is down: connection refused'],
          checks: ['Prometheus targets: 1 up, 1 down', 'Grafana: Grafana 12.3.0, database ok'],
        },
      ],
      drift: [],
      problems: [],
    })
    expect(lines).toEqual([
      'engine: Flux (flux-operator 0.59.0) follows https://example.com/lab.git main; head c0ffee0 applied',
      '  components: monitoring ✖ (1 problem)',
      '  Prometheus targets: 1 up, 1 down',
      '  Grafana: Grafana 12.3.0, database ok',
      '  no drift: every object the engine applied is as Git says',
    ])
  })
})
