import type { KubeObject } from '../kube/client.js'
import { DEFAULTS, IN_CLUSTER_GIT_URL } from '../spec/defaults.js'
import { MANAGED_BY } from './labels.js'

const SERVER = DEFAULTS.gitServer
const LABELS = { 'app.kubernetes.io/name': SERVER.name, 'app.kubernetes.io/part-of': 'kindling' } as const

/** Where the in-cluster Git server runs and what the engine reads from it. */
export const IN_CLUSTER_GIT = {
  namespace: SERVER.namespace,
  name: SERVER.name,
  selector: `app.kubernetes.io/name=${SERVER.name}`,
  sshPort: SERVER.sshPort,
  /** The URL the engine syncs from: the Service's HTTP port, inside the cluster only. */
  url: IN_CLUSTER_GIT_URL,
  repository: SERVER.repository,
} as const

/**
 * The in-cluster Git server: a namespace, a volume for its repositories, one Soft Serve pod and a
 * ClusterIP Service (HTTP for the engine, SSH for kindling's pushes through a port-forward). The
 * repository exists from the first start (SOFT_SERVE_DEFAULT_REPO); `adminKey` (a public key) is
 * the only identity that can write.
 */
export function renderGitServer(adminKey: string): KubeObject[] {
  const metadata = { name: SERVER.name, namespace: SERVER.namespace, labels: { ...MANAGED_BY, ...LABELS } }
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: SERVER.namespace, labels: { ...MANAGED_BY } } },
    {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata,
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: SERVER.storage } } },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata,
      spec: {
        replicas: 1,
        // One writer of the volume at a time: the old pod stops before the new one starts.
        strategy: { type: 'Recreate' },
        selector: { matchLabels: { ...LABELS } },
        template: {
          metadata: { labels: { ...LABELS } },
          spec: {
            enableServiceLinks: false,
            containers: [
              {
                name: 'soft-serve',
                image: SERVER.image,
                env: [
                  { name: 'SOFT_SERVE_INITIAL_ADMIN_KEYS', value: adminKey },
                  { name: 'SOFT_SERVE_DEFAULT_REPO', value: SERVER.repository },
                  { name: 'SOFT_SERVE_HTTP_PUBLIC_URL', value: `http://${SERVER.name}.${SERVER.namespace}.svc.cluster.local` },
                  { name: 'SOFT_SERVE_ANON_ACCESS', value: 'read-only' },
                ],
                ports: [
                  { name: 'ssh', containerPort: SERVER.sshPort },
                  { name: 'http', containerPort: SERVER.httpPort },
                ],
                readinessProbe: { tcpSocket: { port: 'http' }, periodSeconds: 2 },
                resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '256Mi' } },
                volumeMounts: [{ name: 'data', mountPath: '/soft-serve' }],
              },
            ],
            volumes: [{ name: 'data', persistentVolumeClaim: { claimName: SERVER.name } }],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata,
      spec: {
        selector: { ...LABELS },
        ports: [
          { name: 'http', port: 80, targetPort: 'http' },
          { name: 'ssh', port: 22, targetPort: 'ssh' },
        ],
      },
    },
  ]
}
