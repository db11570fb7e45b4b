import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import https from 'node:https'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { stringify } from 'yaml'
import { KubeClient, type KubeObject } from '../../../bootstrap/kube/client.js'
import { conditionTrue, exists } from '../../../bootstrap/kube/conditions.js'
import { locateBinaries, type Binaries } from './binaries.js'
import { killChildrenOnExit, logTail, reapOrphans, runDir, startChild, stopChild, type Child } from './processes.js'

/** What tests need to reach the control plane; plain data so vitest can hand it to test files. */
export interface ControlPlaneInfo {
  kubeconfigFile: string
  kubeconfig: string
  context: string
  server: string
  version: string
  nodes: string[]
  /** The API server's audit log (JSON lines): every mutating request, who sent it and with which user agent. */
  auditLog: string
}

export interface RunningControlPlane extends ControlPlaneInfo {
  children: Child[]
  /** Stop kube-apiserver, leave it down for `downMs`, start it again on the same port and wait until it is ready. */
  restartApiServer(downMs: number): Promise<void>
  stop(): Promise<void>
}

export const TEST_CONTEXT = 'kindling-test'
const READY_TIMEOUT_MS = 90_000

/** A free TCP port on loopback, chosen by the kernel. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
}

function get(url: string, token: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = https.get(url, { headers: { Authorization: `Bearer ${token}` }, rejectUnauthorized: false, timeout: 5000 }, (response) => {
      let body = ''
      response.on('data', (chunk) => (body += chunk))
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }))
    })
    request.on('error', reject)
    request.on('timeout', () => request.destroy(new Error('request timed out')))
  })
}

/**
 * Poll /readyz until the API server answers ok. Polling is the API server's own readiness
 * contract (there is nothing to watch before it serves); a child that exits fails at once.
 */
async function waitReady(server: string, token: string, children: Child[]): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS
  let last = 'no answer yet'
  while (Date.now() < deadline) {
    const dead = children.find((child) => child.process.exitCode !== null)
    if (dead) throw new Error(`${dead.name} exited with ${dead.process.exitCode} before the API server was ready:\n${logTail(dead)}`)
    try {
      const { status, body } = await get(`${server}/readyz`, token)
      if (status === 200) return
      last = `HTTP ${status}: ${
        body
          .split('\n')
          .filter((line) => line.includes('[-]'))
          .join('; ') || body.slice(0, 200)
      }`
    } catch (error) {
      last = (error as Error).message
    }
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  throw new Error(`kube-apiserver was not ready after ${READY_TIMEOUT_MS / 1000}s: ${last}`)
}

/**
 * Start etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok as local processes
 * on free loopback ports, with an admin kubeconfig and simulated nodes. Every child is stopped by
 * `stop()`, killed if the process exits or is interrupted first, and reaped by the next start
 * (`reapOrphans()`) if the process was killed outright.
 */
export async function startControlPlane(options: { nodes?: number; log?: (line: string) => void; binaries?: Binaries } = {}): Promise<RunningControlPlane> {
  const log = options.log ?? (() => {})
  const reaped = reapOrphans()
  if (reaped.length) log(`stopped processes left by an earlier run: ${reaped.join(', ')}`)
  const bin = options.binaries ?? locateBinaries(log)

  const dir = runDir()
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(path.join(dir, 'certs'), { recursive: true })
  const children: Child[] = []
  const forget = killChildrenOnExit(children)
  const stop = async (): Promise<void> => {
    for (const child of [...children].reverse()) await stopChild(child)
    forget()
    rmSync(dir, { recursive: true, force: true })
  }

  try {
    const [etcdPort, peerPort, apiPort, kwokPort] = await Promise.all(Array.from({ length: 4 }, freePort))
    const token = randomBytes(24).toString('hex')
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const saKey = path.join(dir, 'sa.key')
    const saPub = path.join(dir, 'sa.pub')
    writeFileSync(saKey, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 })
    writeFileSync(saPub, publicKey.export({ type: 'spki', format: 'pem' }))
    writeFileSync(path.join(dir, 'tokens.csv'), `${token},admin,admin,system:masters\n`, { mode: 0o600 })

    const server = `https://127.0.0.1:${apiPort}`
    const kubeconfig = stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: TEST_CONTEXT, cluster: { server, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'admin', user: { token } }],
      contexts: [{ name: TEST_CONTEXT, context: { cluster: TEST_CONTEXT, user: 'admin', namespace: 'default' } }],
      'current-context': TEST_CONTEXT,
    })
    // Audit every mutating request (metadata only), so tests can count what a command wrote.
    const auditPolicy = path.join(dir, 'audit-policy.yaml')
    const auditLog = path.join(dir, 'audit.log')
    writeFileSync(
      auditPolicy,
      stringify({
        apiVersion: 'audit.k8s.io/v1',
        kind: 'Policy',
        omitStages: ['RequestReceived'],
        rules: [{ level: 'Metadata', verbs: ['create', 'update', 'patch', 'delete', 'deletecollection'] }, { level: 'None' }],
      }),
    )
    const kubeconfigFile = path.join(dir, 'kubeconfig')
    writeFileSync(kubeconfigFile, kubeconfig, { mode: 0o600 })

    children.push(
      startChild(dir, 'etcd', bin.etcd, [
        '--name=default',
        `--data-dir=${path.join(dir, 'etcd')}`,
        `--listen-client-urls=http://127.0.0.1:${etcdPort}`,
        `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
        `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
        `--initial-cluster=default=http://127.0.0.1:${peerPort}`,
        '--unsafe-no-fsync=true',
        '--log-level=warn',
      ]),
    )
    const apiServerArgs = [
      `--etcd-servers=http://127.0.0.1:${etcdPort}`,
      `--cert-dir=${path.join(dir, 'certs')}`,
      `--secure-port=${apiPort}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      '--service-cluster-ip-range=10.0.0.0/24',
      // No kubelet-backed endpoint for the `kubernetes` Service: the API server is a local process.
      '--endpoint-reconciler-type=none',
      '--authorization-mode=RBAC',
      '--allow-privileged=true',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${saPub}`,
      `--service-account-signing-key-file=${saKey}`,
      `--token-auth-file=${path.join(dir, 'tokens.csv')}`,
      `--audit-policy-file=${auditPolicy}`,
      `--audit-log-path=${auditLog}`,
      '--audit-log-format=json',
      '--audit-log-mode=blocking',
    ]
    children.push(startChild(dir, 'kube-apiserver', bin['kube-apiserver'], apiServerArgs))
    await waitReady(server, token, children)
    const restartApiServer = async (downMs: number): Promise<void> => {
      const index = children.findIndex((child) => child.name === 'kube-apiserver')
      await stopChild(children[index]!)
      await new Promise((resolve) => setTimeout(resolve, downMs))
      children[index] = startChild(dir, 'kube-apiserver', bin['kube-apiserver'], apiServerArgs)
      await waitReady(server, token, children)
    }

    // nodelifecycle lifts the not-ready taint new Nodes get once kwok reports them Ready; the
    // volume controllers bind claims to volumes and release their finalizers on delete.
    const controllers =
      'namespace,garbagecollector,serviceaccount,serviceaccount-token,root-ca-cert-publisher,deployment,replicaset,statefulset,daemonset,job,nodelifecycle,persistentvolume-binder,pvc-protection,pv-protection'
    children.push(
      startChild(dir, 'kube-controller-manager', bin['kube-controller-manager'], [
        `--kubeconfig=${kubeconfigFile}`,
        `--controllers=${controllers}`,
        '--leader-elect=false',
        `--service-account-private-key-file=${saKey}`,
        `--root-ca-file=${path.join(dir, 'certs', 'apiserver.crt')}`,
        '--use-service-account-credentials=false',
        '--secure-port=0',
      ]),
      startChild(dir, 'kube-scheduler', bin['kube-scheduler'], [`--kubeconfig=${kubeconfigFile}`, '--leader-elect=false', '--secure-port=0']),
      startChild(dir, 'kwok', bin.kwok, [
        `--kubeconfig=${kubeconfigFile}`,
        '--manage-all-nodes=false',
        '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
        `--config=${bin.kwokStages}`,
        '--cidr=10.244.0.0/16',
        // A host-network Pod gets the node's IP: with this machine's own address, the API server's
        // service proxy can reach a stand-in server a test runs here (loopback is refused as an endpoint).
        `--node-ip=${hostAddress() ?? '10.0.1.1'}`,
        '--node-lease-duration-seconds=40',
        `--server-address=127.0.0.1:${kwokPort}`,
      ]),
    )

    const version = JSON.parse((await get(`${server}/version`, token)).body).gitVersion as string
    const nodes = Array.from({ length: options.nodes ?? 1 }, (_, index) => `kwok-node-${index}`)
    const kube = KubeClient.fromKubeconfig({ file: kubeconfigFile, context: TEST_CONTEXT })
    await Promise.all(nodes.map((name) => kube.apply(kwokNode(name))))
    await Promise.all(nodes.map((name) => kube.waitFor({ apiVersion: 'v1', kind: 'Node', name }, conditionTrue('Ready'), { timeoutMs: 60_000 })))
    // kube-controller-manager exits if the API server goes away while it is still starting; its
    // serviceaccount controller making the default ServiceAccount shows it is through start-up, so
    // a test may restart the API server (restartApiServer) at once.
    await kube.waitFor({ apiVersion: 'v1', kind: 'ServiceAccount', name: 'default', namespace: 'default' }, exists, { timeoutMs: 60_000 })
    return { kubeconfigFile, kubeconfig, context: TEST_CONTEXT, server, version, nodes, auditLog, children, restartApiServer, stop }
  } catch (error) {
    await stop()
    throw error
  }
}

/** This machine's first non-loopback IPv4 address, if it has one. */
export function hostAddress(): string | undefined {
  return Object.values(os.networkInterfaces())
    .flat()
    .find((entry) => entry && entry.family === 'IPv4' && !entry.internal)?.address
}

/** A Node object kwok will manage (mark Ready, run its Pods). */
function kwokNode(name: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'kwok.x-k8s.io/node': 'fake' },
      labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', type: 'kwok' },
    },
    spec: {},
  }
}
