import { stringify } from 'yaml'
import type { ClusterSpec } from '../spec/load.js'
import type { Component, ExtraFile } from './component.js'

/**
 * The example app: podinfo, the small web app Flux's own guides deploy, at
 * ghcr.io/stefanprodan/podinfo:6.14.1 (stefanprodan/podinfo charts/podinfo/Chart.yaml appVersion
 * and kustomize/deployment.yaml at 2026-07-22: port http 9898, /healthz and /readyz). On kind the
 * Service's NodePort 30080 is what the example cluster maps to 127.0.0.1:8080.
 */
const EXAMPLE_IMAGE = 'ghcr.io/stefanprodan/podinfo:6.14.1'
const EXAMPLE_NODE_PORT = 30080

const yaml = (objects: readonly unknown[]): string => objects.map((object) => stringify(object, { lineWidth: 0 })).join('---\n')

function exampleApp(): ExtraFile[] {
  const labels = { 'app.kubernetes.io/name': 'podinfo' }
  const probe = (path: string) => ({ httpGet: { path, port: 'http' }, periodSeconds: 10 })
  return [
    {
      path: 'kustomization.yaml',
      content: `# Your apps: list a folder per app here; the engine applies them after the platform is healthy.\n${stringify({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: ['podinfo'] }, { lineWidth: 0 })}`,
    },
    {
      path: 'podinfo/kustomization.yaml',
      content: `# An example app; delete this folder and its line in ../kustomization.yaml when you have your own.\n${stringify({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: ['app.yaml'] }, { lineWidth: 0 })}`,
    },
    {
      path: 'podinfo/app.yaml',
      content: yaml([
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'podinfo' } },
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'podinfo', namespace: 'podinfo', labels },
          spec: {
            replicas: 1,
            selector: { matchLabels: labels },
            template: {
              metadata: { labels },
              spec: {
                securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
                containers: [
                  {
                    name: 'podinfo',
                    image: EXAMPLE_IMAGE,
                    ports: [{ name: 'http', containerPort: 9898 }],
                    livenessProbe: probe('/healthz'),
                    readinessProbe: probe('/readyz'),
                    resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '128Mi' } },
                    securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
                  },
                ],
              },
            },
          },
        },
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'podinfo', namespace: 'podinfo', labels },
          spec: { type: 'NodePort', selector: labels, ports: [{ name: 'http', port: 80, targetPort: 'http', nodePort: EXAMPLE_NODE_PORT }] },
        },
      ]),
    },
  ]
}

/** Where the example app answers, for the summary: the host port a kind spec maps to its NodePort. */
function exampleUrl(spec: ClusterSpec): string {
  const mapping = spec.provider.type === 'kind' ? spec.provider.portMappings.find((entry) => entry.containerPort === EXAMPLE_NODE_PORT) : undefined
  return mapping ? `http://${mapping.listenAddress}:${mapping.hostPort}` : `NodePort ${EXAMPLE_NODE_PORT} on any node`
}

/**
 * The user's apps: `clusters/<name>/<apps.path>/`, seeded once with one example app and then
 * theirs. The engine applies it after every platform component is healthy (Flux dependsOn,
 * Argo CD the last sync wave), so apps can use the Postgres API and the monitoring CRDs.
 */
export const apps: Component = {
  name: 'apps',
  enabled: (spec) => spec.components.apps.enabled,
  describe: (spec) => ({
    name: 'apps',
    title: 'Your apps',
    namespace: 'default',
    dependsOn: [],
    last: true,
    source: { type: 'folder', path: spec.components.apps.path, seed: exampleApp() },
    health: [],
    readiness: [],
    summary: [`Apps: ${spec.repository.path}/${spec.components.apps.path}/ (example podinfo: ${exampleUrl(spec)})`],
  }),
}
