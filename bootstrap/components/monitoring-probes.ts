import type { ServiceProbe } from './component.js'

/** One scrape target in Prometheus's /api/v1/targets answer (prometheus docs, "Targets"). */
interface Target {
  scrapePool?: string
  scrapeUrl?: string
  health?: 'up' | 'down' | 'unknown'
  lastError?: string
  labels?: Record<string, string>
}

const SHOWN_DOWN = 5

/**
 * Prometheus's active targets, counted up, down and not yet scraped; each down target is a problem
 * named by its job and address, with Prometheus's own error (the first few; the rest counted).
 */
export function judgeTargets(body: unknown): { line: string; problems: string[] } {
  const targets = ((body as { data?: { activeTargets?: Target[] } } | undefined)?.data?.activeTargets ?? []) as Target[]
  const count = (health: Target['health']): number => targets.filter((target) => target.health === health).length
  const down = targets.filter((target) => target.health === 'down')
  const unknown = count('unknown')
  const line = `${count('up')} up, ${down.length} down${unknown ? `, ${unknown} not scraped yet` : ''}`
  const problems = down
    .slice(0, SHOWN_DOWN)
    .map(
      (target) =>
        `Prometheus target ${target.labels?.job ?? target.scrapePool ?? '?'} ${target.scrapeUrl ?? ''} is down: ${target.lastError || 'no error given'}`,
    )
  if (down.length > SHOWN_DOWN) problems.push(`and ${down.length - SHOWN_DOWN} more Prometheus targets down (Prometheus: /targets?state=unhealthy)`)
  if (targets.length === 0) problems.push('Prometheus has no active targets: check that its ServiceMonitors and PodMonitors are selected')
  return { line, problems }
}

/** Grafana's /api/health: its version, and whether its database answers. */
export function judgeGrafana(body: unknown): { line: string; problems: string[] } {
  const health = (body ?? {}) as { version?: string; database?: string }
  const line = `Grafana ${health.version ?? '?'}, database ${health.database ?? '?'}`
  return { line, problems: health.database === 'ok' ? [] : [`Grafana's database is ${health.database ?? 'not reported'} (its /api/health)`] }
}

/** What `status` asks Prometheus and Grafana once kube-prometheus-stack is ready. */
export function monitoringProbes(namespace: string, prometheus: string, grafana: string | undefined): ServiceProbe[] {
  return [
    {
      title: 'Prometheus targets',
      service: { namespace, name: prometheus, port: 9090 },
      path: '/api/v1/targets',
      query: { state: 'active' },
      judge: judgeTargets,
    },
    ...(grafana ? [{ title: 'Grafana', service: { namespace, name: grafana, port: 80 }, path: '/api/health', judge: judgeGrafana }] : []),
  ]
}
