import { describe, expect, it } from 'vitest'
import type { ChartSource, ComponentDescription } from '../../../bootstrap/components/component.js'
import { monitoring } from '../../../bootstrap/components/monitoring.js'
import { monitoringConfig } from '../../../bootstrap/components/monitoring-config.js'
import { enabledComponents } from '../../../bootstrap/components/registry.js'
import { BadInputError } from '../../../bootstrap/engine/errors.js'
import { engineOf } from '../../../bootstrap/engines/index.js'
import type { KubeObject } from '../../../bootstrap/kube/client.js'
import { renderCrossplaneMonitoring } from '../../../bootstrap/render/monitoring/crossplane.js'
import { stateMetricNames, type StateMetricsResource } from '../../../bootstrap/render/monitoring/state-metrics.js'
import type { ClusterSpec } from '../../../bootstrap/spec/load.js'
import { specText, testSpec } from '../support/context.js'
import { objectsOf } from './support.js'

type Engine = 'flux' | 'argocd'

/** A spec with the given engine and provider, and `components.monitoring`/`crossplane` blocks as YAML lines. */
function spec(options: { engine?: Engine; provider?: string; monitoring?: string; crossplane?: boolean } = {}): ClusterSpec {
  const block = (options.monitoring ?? 'enabled: true')
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n')
  const extra = `components:\n  crossplane:\n    enabled: ${options.crossplane ?? true}\n  monitoring:\n${block}`
  return testSpec(specText({ gitops: `engine: ${options.engine ?? 'flux'}`, provider: options.provider ?? 'type: kind', extra }))
}

const EXISTING = 'type: existing\ncontext: lab-admin'
const CONTROL_PLANE = ['kubeControllerManager', 'kubeScheduler', 'kubeEtcd', 'kubeProxy'] as const

function valuesOf(description: ComponentDescription): Record<string, Record<string, unknown>> {
  return (description.source as ChartSource).values as Record<string, Record<string, unknown>>
}

function controlPlaneScraped(specification: ClusterSpec): boolean[] {
  const values = valuesOf(monitoring.describe(specification))
  return CONTROL_PLANE.map((target) => values[target]!.enabled as boolean)
}

/** What both monitoring components add, as objects and the chart's values. */
function rendered(specification: ClusterSpec): { objects: KubeObject[]; values: Record<string, Record<string, unknown>> } {
  return { objects: objectsOf(monitoringConfig.describe(specification)), values: valuesOf(monitoring.describe(specification)) }
}

const kindsAndNames = (objects: readonly KubeObject[]): string[] => objects.map((object) => `${object.kind}/${object.metadata.name}`)

/** The metric names a PromQL expression reads (not functions, keywords, labels, durations or strings). */
function metricsIn(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '')
  const keywords = new Set(['and', 'or', 'unless', 'bool', 'offset'])
  return [...bare.matchAll(/\b[a-zA-Z_:][\w:]*\b(?!\s*\()/g)].map((match) => match[0]).filter((name) => !keywords.has(name))
}

function dashboardsOf(objects: readonly KubeObject[]): { name: string; json: string; labels: Record<string, string> }[] {
  return objects
    .filter((object) => object.kind === 'ConfigMap')
    .map((object) => ({ name: object.metadata.name, json: Object.values(object.data as Record<string, string>)[0]!, labels: object.metadata.labels ?? {} }))
}

function queriesOf(objects: readonly KubeObject[]): string[] {
  const rules = objects
    .filter((object) => object.kind === 'PrometheusRule')
    .flatMap((object) => (object.spec as { groups: { rules: { expr: string }[] }[] }).groups.flatMap((group) => group.rules.map((rule) => rule.expr)))
  const panels = dashboardsOf(objects).flatMap((board) =>
    (JSON.parse(board.json) as { panels: { targets: { expr: string }[] }[] }).panels.flatMap((panel) => panel.targets.map((target) => target.expr)),
  )
  return [...rules, ...panels]
}

describe('monitoring on kind and on real clusters', () => {
  it('does not scrape kube-controller-manager, kube-scheduler, etcd or kube-proxy on kind, which binds them to the node', () => {
    expect(controlPlaneScraped(spec())).toEqual([false, false, false, false])
  })

  it('scrapes them on an existing cluster, unless controlPlaneTargets turns them off (managed clusters)', () => {
    expect(controlPlaneScraped(spec({ provider: EXISTING }))).toEqual([true, true, true, true])
    expect(controlPlaneScraped(spec({ provider: EXISTING, monitoring: 'enabled: true\ncontrolPlaneTargets: false' }))).toEqual([false, false, false, false])
  })

  it('refuses controlPlaneTargets: true on kind, and says why', () => {
    expect(() => spec({ monitoring: 'controlPlaneTargets: true' })).toThrow(BadInputError)
    try {
      spec({ monitoring: 'controlPlaneTargets: true' })
    } catch (error) {
      expect((error as BadInputError).details).toEqual([
        expect.stringContaining('spec.components.monitoring.controlPlaneTargets: kind binds kube-controller-manager'),
      ])
    }
  })

  it('lets Prometheus pick up every monitor and rule, not only those labelled with the release', () => {
    const prometheusSpec = (valuesOf(monitoring.describe(spec())).prometheus!.prometheusSpec ?? {}) as Record<string, unknown>
    for (const kind of ['serviceMonitor', 'podMonitor', 'rule', 'probe', 'scrapeConfig']) expect(prometheusSpec[`${kind}SelectorNilUsesHelmValues`]).toBe(false)
  })

  it('installs the pinned chart, then its monitors, rules and dashboards once it is healthy', () => {
    const chart = monitoring.describe(spec())
    expect(chart.source).toMatchObject({
      type: 'chart',
      repoURL: 'https://prometheus-community.github.io/helm-charts',
      chart: 'kube-prometheus-stack',
      version: '88.5.3',
      releaseName: 'kube-prometheus-stack',
    })
    expect(monitoringConfig.describe(spec()).dependsOn).toEqual(['monitoring'])
    const order = enabledComponents(spec()).map((component) => component.name)
    expect(order.indexOf('monitoring-config')).toBe(order.indexOf('monitoring') + 1)
  })

  it('waits for the operator, kube-state-metrics, Prometheus Available and Grafana', () => {
    expect(monitoring.describe(spec()).health.map((check) => `${check.ref.kind} ${check.ref.name}: ${check.condition.description}`)).toEqual([
      'Deployment kube-prometheus-stack-operator: Available=True with all replicas ready',
      'Deployment kube-prometheus-stack-kube-state-metrics: Available=True with all replicas ready',
      'Prometheus kube-prometheus-stack-prometheus: Available=True',
      'Deployment kube-prometheus-stack-grafana: Available=True with all replicas ready',
    ])
  })

  it('has Argo CD wait while Prometheus starts instead of calling it Degraded', () => {
    expect(monitoring.describe(spec()).readiness).toEqual([{ apiVersion: 'monitoring.coreos.com/v1', kind: 'Prometheus', condition: 'Available' }])
    const specification = spec({ engine: 'argocd' })
    const values = engineOf(specification)
      .files(specification)
      .find((file) => file.path.endsWith('argocd/values.yaml'))!
    expect(values.content).toContain('resource.customizations.health.monitoring.coreos.com_Prometheus')
  })

  it('is off, with its monitors, when the spec turns monitoring off', () => {
    const off = spec({ monitoring: 'enabled: false' })
    expect([monitoring, monitoringConfig].map((component) => component.enabled(off))).toEqual([false, false])
  })
})

describe('Grafana credentials', () => {
  it('reads the admin user and password from a Secret the bootstrap makes, never from values', () => {
    const description = monitoring.describe(spec())
    expect(valuesOf(description).grafana).toMatchObject({
      enabled: true,
      admin: { existingSecret: 'grafana-admin', userKey: 'admin-user', passwordKey: 'admin-password' },
    })
    expect(JSON.stringify(valuesOf(description))).not.toMatch(/adminPassword|prom-operator/)
    expect(description.secrets).toEqual([
      {
        name: 'grafana-admin',
        namespace: 'monitoring',
        data: { 'admin-user': { literal: 'admin' }, 'admin-password': { generate: 32 } },
        // Grafana keeps its first password: a changed Secret comes with the command that resets the login to it.
        afterChange: expect.stringMatching(
          /get secret grafana-admin .*\| base64 -d \| kubectl --context kind-lab -n monitoring exec -i deploy\/kube-prometheus-stack-grafana -c grafana -- grafana cli admin reset-admin-password --password-from-stdin$/,
        ),
      },
    ])
  })

  it('takes the password from the variable adminPasswordEnv names, which no rendered file contains', () => {
    const password = 'a-password-from-the-environment-9f3c'
    process.env.GRAFANA_TEST_PASSWORD = password
    try {
      for (const engine of ['flux', 'argocd'] as const) {
        const specification = spec({ engine, monitoring: 'grafana:\n  enabled: true\n  adminPasswordEnv: GRAFANA_TEST_PASSWORD' })
        expect(monitoring.describe(specification).secrets?.[0]?.data['admin-password']).toEqual({
          generate: 32,
          fromEnv: 'GRAFANA_TEST_PASSWORD',
          envField: 'components.monitoring.grafana.adminPasswordEnv',
        })
        const files = engineOf(specification).componentFiles(specification, enabledComponents(specification))
        expect(files.length).toBeGreaterThan(0)
        for (const file of files) expect(file.content).not.toContain(password)
        expect(monitoring.describe(specification).summary?.join('\n')).toContain('(from $GRAFANA_TEST_PASSWORD)')
      }
    } finally {
      delete process.env.GRAFANA_TEST_PASSWORD
    }
  })

  it('quotes a kubeconfig path and a context a shell would split, so each printed command pastes as it reads', () => {
    const existing = spec({ provider: 'type: existing\nkubeconfig: /home/jane doe/.kube/config\ncontext: "prod (eu)"' })
    const summary = monitoring.describe(existing).summary!.join('\n')
    expect(summary).toContain(
      "kubectl --kubeconfig '/home/jane doe/.kube/config' --context 'prod (eu)' -n monitoring port-forward svc/kube-prometheus-stack-grafana",
    )
    const argocd = spec({ engine: 'argocd', provider: 'type: existing\nkubeconfig: /home/jane doe/.kube/config\ncontext: "prod (eu)"' })
    expect(engineOf(argocd).access(argocd)[0]).toBe(
      "Argo CD UI: kubectl --kubeconfig '/home/jane doe/.kube/config' --context 'prod (eu)' -n argocd port-forward svc/argocd-server 8080:443, then https://127.0.0.1:8080 as admin",
    )
  })

  it('prints the exact commands to read the password and reach Grafana and Prometheus', () => {
    expect(monitoring.describe(spec()).summary).toEqual(
      expect.arrayContaining([
        "Grafana password: kubectl --context kind-lab -n monitoring get secret grafana-admin -o jsonpath='{.data.admin-password}' | base64 -d",
        expect.stringContaining('kubectl --context kind-lab -n monitoring port-forward svc/kube-prometheus-stack-grafana 3000:80, then http://127.0.0.1:3000'),
        expect.stringContaining('kubectl --context kind-lab -n monitoring port-forward svc/kube-prometheus-stack-prometheus 9090:9090'),
      ]),
    )
  })

  it("suggests local ports the cluster's own port mappings do not already bind", () => {
    const provider =
      'type: kind\nportMappings:\n  - { containerPort: 30080, hostPort: 8080 }\n  - { containerPort: 30300, hostPort: 3000 }\n  - { containerPort: 30301, hostPort: 3001 }'
    const summary = monitoring.describe(spec({ provider })).summary?.join('\n')
    expect(summary).toContain('port-forward svc/kube-prometheus-stack-grafana 3002:80, then http://127.0.0.1:3002')
    expect(summary).toContain('port-forward svc/kube-prometheus-stack-prometheus 9090:9090')
    const argocd = spec({ engine: 'argocd', provider })
    expect(engineOf(argocd).access(argocd).join('\n')).toContain('port-forward svc/argocd-server 8081:443, then https://127.0.0.1:8081')
    const flux = spec({ provider: `${provider}\n  - { containerPort: 30302, hostPort: 9080 }` })
    expect(engineOf(flux).access(flux)[0]).toBe(
      'Flux UI: kubectl --context kind-lab -n flux-system port-forward svc/flux-operator 9081:9080, then http://127.0.0.1:9081',
    )
  })

  it('without Grafana: no Grafana, no dashboards or their sidecar, no Secret and no Grafana to wait for', () => {
    const off = spec({ monitoring: 'grafana: { enabled: false }' })
    const description = monitoring.describe(off)
    expect(valuesOf(description).grafana).toEqual({ enabled: false })
    expect(description.secrets).toBeUndefined()
    expect(description.health.map((check) => check.ref.name)).not.toContain('kube-prometheus-stack-grafana')
    expect(description.summary?.join('\n')).not.toContain('Grafana')
    for (const engine of ['flux', 'argocd'] as const)
      expect(dashboardsOf(rendered(spec({ engine, monitoring: 'grafana: { enabled: false }' })).objects)).toEqual([])
  })
})

describe('what is monitored', () => {
  it('scrapes the Flux controllers with a PodMonitor on port http-prom, and Argo CD through its metrics Services', () => {
    const flux = rendered(spec({ engine: 'flux' })).objects
    const argo = rendered(spec({ engine: 'argocd' })).objects
    expect(flux.find((object) => object.kind === 'PodMonitor' && object.metadata.name === 'flux-controllers')?.spec).toEqual({
      namespaceSelector: { matchNames: ['flux-system'] },
      selector: {
        matchExpressions: [{ key: 'app', operator: 'In', values: ['source-controller', 'kustomize-controller', 'helm-controller', 'notification-controller'] }],
      },
      podMetricsEndpoints: [{ port: 'http-prom' }],
    })
    const serviceMonitors = argo.filter((object) => object.kind === 'ServiceMonitor')
    expect(serviceMonitors.map((object) => object.metadata.name)).toEqual([
      'argocd-application-controller',
      'argocd-server',
      'argocd-repo-server',
      'argocd-applicationset-controller',
    ])
    for (const monitor of serviceMonitors)
      expect(monitor.spec).toMatchObject({ namespaceSelector: { matchNames: ['argocd'] }, endpoints: [{ port: 'http-metrics' }] })
    expect(kindsAndNames(flux).filter((name) => /flux|argocd/.test(name))).toEqual([
      'PodMonitor/flux-controllers',
      'PrometheusRule/flux',
      'ConfigMap/flux-dashboard',
    ])
    expect(kindsAndNames(argo).some((name) => name.includes('flux'))).toBe(false)
  })

  it('turns Flux objects into gotk_resource_info only under Flux, each kind with its own help text', () => {
    const resources = (values: Record<string, Record<string, unknown>>): StateMetricsResource[] =>
      (values['kube-state-metrics']!.customResourceState as { config: { spec: { resources: StateMetricsResource[] } } } | undefined)?.config.spec.resources ??
      []
    const flux = resources(rendered(spec({ engine: 'flux' })).values)
    expect(flux.filter((resource) => resource.metricNamePrefix === 'gotk').map((resource) => resource.groupVersionKind.kind)).toEqual([
      'Kustomization',
      'HelmRelease',
      'GitRepository',
      'OCIRepository',
      'HelmRepository',
      'HelmChart',
    ])
    const helps = flux.flatMap((resource) => resource.metrics.map((metric) => metric.help))
    expect(new Set(helps).size).toBe(helps.length)
    expect(resources(rendered(spec({ engine: 'argocd' })).values).some((resource) => resource.metricNamePrefix === 'gotk')).toBe(false)
  })

  it('adds Crossplane monitors, rules, dashboard and package health only when Crossplane is on', () => {
    for (const engine of ['flux', 'argocd'] as const) {
      const on = rendered(spec({ engine }))
      expect(kindsAndNames(on.objects)).toEqual(
        expect.arrayContaining([
          'PodMonitor/crossplane',
          'PodMonitor/crossplane-providers',
          'PodMonitor/crossplane-functions',
          'PrometheusRule/crossplane',
          'ConfigMap/crossplane-dashboard',
        ]),
      )
      expect(JSON.stringify(on.values['kube-state-metrics'])).toContain('pkg.crossplane.io')
      const off = rendered(spec({ engine, crossplane: false }))
      expect(kindsAndNames(off.objects).some((name) => name.includes('crossplane'))).toBe(false)
      expect(JSON.stringify(off.values['kube-state-metrics'] ?? {})).not.toContain('pkg.crossplane.io')
    }
  })

  it.each(['flux', 'argocd'] as const)(
    'with %s, every rule and dashboard query reads only metrics the monitors scrape or kube-state-metrics makes',
    (engine) => {
      const specification = spec({ engine })
      const { objects, values } = rendered(specification)
      const config = (values['kube-state-metrics']!.customResourceState as { config: { spec: { resources: StateMetricsResource[] } } }).config.spec
      const known = new Set([
        ...engineOf(specification).monitoring(specification).scraped,
        ...renderCrossplaneMonitoring(specification).scraped,
        ...stateMetricNames({ resources: config.resources, rbacRules: [] }),
      ])
      const base = (name: string): string => name.replace(/_(bucket|sum|count)$/, '')
      const queries = queriesOf(objects)
      expect(queries.length).toBeGreaterThan(10)
      for (const query of queries) {
        const metrics = metricsIn(query)
        expect(metrics.length, query).toBeGreaterThan(0)
        for (const metric of metrics) expect(known.has(metric) || known.has(base(metric)), `${metric} in ${query}`).toBe(true)
      }
    },
  )

  it('alerts on failed, suspended and stalled syncs with each engine, and on unhealthy providers and managed resources', () => {
    const alerts = (engine: Engine): string[] =>
      rendered(spec({ engine }))
        .objects.filter((object) => object.kind === 'PrometheusRule')
        .flatMap((object) => (object.spec as { groups: { rules: { alert: string }[] }[] }).groups.flatMap((group) => group.rules.map((rule) => rule.alert)))
    const crossplane = ['CrossplanePackageUnhealthy', 'CrossplaneManagedResourcesNotReady', 'CrossplaneManagedResourcesNotSynced']
    expect(alerts('flux')).toEqual(['FluxObjectNotReady', 'FluxObjectSuspended', 'FluxReconcileErrors', ...crossplane])
    expect(alerts('argocd')).toEqual(['ArgoCdSyncFailed', 'ArgoCdAppUnhealthy', 'ArgoCdAppOutOfSync', 'ArgoCdAutoSyncOff', ...crossplane])
  })

  it('counts only real Argo CD syncs as failed: a dry-run sync (a preview in the UI) that fails changed nothing', () => {
    const failedSyncs = queriesOf(rendered(spec({ engine: 'argocd' })).objects).filter((query) => query.includes('argocd_app_sync_total'))
    expect(failedSyncs.length).toBeGreaterThanOrEqual(2)
    for (const query of failedSyncs) expect(query).toContain('dry_run!="true"')
  })

  it('labels dashboards for the Grafana sidecar, keeps Flux from substituting in them, and uses no variables', () => {
    const flux = dashboardsOf(rendered(spec({ engine: 'flux' })).objects)
    expect(flux.map((board) => board.name)).toEqual(['flux-dashboard', 'crossplane-dashboard'])
    expect(flux[0]!.labels).toMatchObject({ grafana_dashboard: '1', 'kustomize.toolkit.fluxcd.io/substitute': 'disabled' })
    const argo = dashboardsOf(rendered(spec({ engine: 'argocd' })).objects)
    expect(argo.map((board) => board.name)).toEqual(['argocd-dashboard', 'crossplane-dashboard'])
    for (const board of [...flux, ...argo]) {
      expect(board.labels.grafana_dashboard).toBe('1')
      expect(board.json).not.toContain('${')
      expect(JSON.parse(board.json)).toMatchObject({ uid: expect.stringMatching(/^kindling-/), panels: expect.any(Array) })
    }
  })

  it('puts every monitor, rule and dashboard in the monitoring namespace', () => {
    for (const engine of ['flux', 'argocd'] as const) {
      for (const object of rendered(spec({ engine })).objects) expect(object.metadata.namespace).toBe('monitoring')
    }
  })
})
