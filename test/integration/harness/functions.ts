import * as k8s from '@kubernetes/client-node'
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { KubeClient, ObjectRef } from '../../../bootstrap/kube/client.js'
import { CROSSPLANE_PACKAGES } from '../../../bootstrap/spec/defaults.js'
import { CROSSPLANE_NAMESPACE } from './crossplane.js'
import { freePort } from './control-plane.js'
import { pinnedVersion } from './flux.js'
import { startOciRegistry, type OciRegistry } from './oci-registry.js'
import { killChildrenOnExit, runDir, startChild, stopChild, waitForPort, type Child } from './processes.js'

const BUILD_SCRIPT = fileURLToPath(new URL('../../controlplane/functions.sh', import.meta.url))
// Resolved once, at import: tests stub HOME for kindling's own files, which must not move the build cache.
const KINDLING_CACHE = process.env.KINDLING_CACHE || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'kindling')
const READY_TIMEOUT_MS = 30_000
/** Where kindling's pinned packages come from; the ImageConfig below sends these pulls to the test registry. */
const UPSTREAM_REGISTRY = 'xpkg.crossplane.io/'
const UPSTREAM_PREFIX = `${UPSTREAM_REGISTRY}crossplane-contrib/`
const IMAGE_CONFIG: ObjectRef = { apiVersion: 'pkg.crossplane.io/v1beta1', kind: 'ImageConfig', name: 'kindling-test-functions' }

/** The functions kindling's Compositions run, as kindling pins them, with the versions.env key of each. */
const FUNCTIONS = [
  { pinned: CROSSPLANE_PACKAGES.functionGoTemplating, versionKey: 'FUNCTION_GO_TEMPLATING_VERSION' },
  { pinned: CROSSPLANE_PACKAGES.functionAutoReady, versionKey: 'FUNCTION_AUTO_READY_VERSION' },
] as const

export interface RunningFunctions {
  /** Function name (`function-go-templating`) to the module version the running binary was built from. */
  versions: Record<string, string>
  registry: OciRegistry
  children: Child[]
  /** Writes the runtime stand-in made to FunctionRevision status. */
  readonly runtimeWrites: number
  stop(): Promise<void>
}

/** Build the functions (once; cached outside the repo by test/controlplane/functions.sh); returns the cache folder. */
function buildFunctions(env: NodeJS.ProcessEnv = process.env): string {
  const out = execFileSync('bash', [BUILD_SCRIPT], { encoding: 'utf8', env: { KINDLING_CACHE, ...env }, stdio: ['ignore', 'pipe', 'inherit'] })
  return out.trim().split('\n').at(-1)!
}

/** The module version a function binary carries (`go version -m`: the functions have no version flag). */
function builtVersion(binary: string): string {
  const info = execFileSync('go', ['version', '-m', binary], { encoding: 'utf8' })
  const mod = info
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .find((fields) => fields[0] === 'mod')
  if (!mod?.[2]) throw new Error(`${binary} carries no module version`)
  return mod[2]
}

/**
 * A serving certificate for 127.0.0.1 signed by Crossplane's own root CA (the Secret `core init`
 * made), so Crossplane's function client, which trusts that CA, accepts it; and the CA, so the
 * function accepts Crossplane's client certificate (mutual TLS, as in a cluster).
 */
async function serverCertificates(kube: KubeClient, dir: string): Promise<void> {
  const secret = await kube.get({ apiVersion: 'v1', kind: 'Secret', name: 'crossplane-root-ca', namespace: CROSSPLANE_NAMESPACE })
  const data = (secret?.data ?? {}) as Record<string, string>
  if (!data['tls.crt'] || !data['tls.key'])
    throw new Error(`Secret ${CROSSPLANE_NAMESPACE}/crossplane-root-ca has no tls.crt/tls.key; start Crossplane (core init) first`)
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  const file = (name: string): string => path.join(dir, name)
  writeFileSync(file('ca.crt'), Buffer.from(data['tls.crt'], 'base64'))
  writeFileSync(file('ca.key'), Buffer.from(data['tls.key'], 'base64'), { mode: 0o600 })
  writeFileSync(file('ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n')
  const openssl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] })
  openssl(
    'req',
    '-new',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    'tls.key',
    '-subj',
    '/CN=kindling-test-function',
    '-out',
    'tls.csr',
  )
  openssl('x509', '-req', '-in', 'tls.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-extfile', 'ext.cnf', '-out', 'tls.crt')
  rmSync(file('ca.key'))
}

type Revision = {
  metadata: { name: string; labels?: Record<string, string>; deletionTimestamp?: string }
  spec?: { desiredState?: string }
  status?: { endpoint?: string; tlsServerSecretName?: string; conditions?: { type: string; status: string }[] }
}

/**
 * kindling's composition functions for real: function-go-templating and function-auto-ready at the
 * versions kindling pins, built from their Go modules. Their packages (each module's own
 * crossplane.yaml and input CRDs) are served from an OCI registry on loopback, and an ImageConfig
 * rewrites kindling's `xpkg.crossplane.io/crossplane-contrib/` references to it: Crossplane's
 * package manager pulls, unpacks and installs the Functions that kindling's manifests name,
 * unchanged. The functions themselves run as local processes (mutual TLS with Crossplane's CA, on
 * kernel-chosen ports). Crossplane must run with `--package-runtime=Function=External` (Pods cannot
 * run images here); what its Deployment runtime would then do is stood in for, and only that: the
 * function's serving certificate in a Secret, and on each active FunctionRevision the function's
 * endpoint, that Secret's name and `RuntimeHealthy=True` once the process listens.
 */
export async function startFunctions(options: {
  kube: KubeClient
  kubeconfigFile: string
  context: string
  log?: (line: string) => void
}): Promise<RunningFunctions> {
  const { kube } = options
  const log = options.log ?? (() => {})
  const cache = buildFunctions()
  const dir = runDir('functions')
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  const children: Child[] = []
  const forget = killChildrenOnExit(children)
  const cleanups: (() => Promise<void>)[] = [
    async () => {
      for (const child of [...children].reverse()) await stopChild(child)
      forget()
      rmSync(dir, { recursive: true, force: true })
    },
  ]
  const stop = async (): Promise<void> => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  }

  try {
    const functions = FUNCTIONS.map(({ pinned, versionKey }) => {
      if (!pinned.package.startsWith(UPSTREAM_PREFIX)) throw new Error(`${pinned.package} is not under ${UPSTREAM_PREFIX}`)
      const [repository, tag] = pinned.package.slice(UPSTREAM_REGISTRY.length).split(':') as [string, string]
      if (tag !== pinnedVersion(versionKey)) throw new Error(`kindling pins ${pinned.package}, versions.env ${versionKey}=${pinnedVersion(versionKey)}`)
      const binary = path.join(cache, 'bin', pinned.name)
      return {
        name: pinned.name,
        repository,
        tag,
        binary,
        version: builtVersion(binary),
        packageYaml: readFileSync(path.join(cache, 'packages', `${pinned.name}.yaml`), 'utf8'),
      }
    })
    const registry = await startOciRegistry(functions)
    cleanups.push(() => registry.stop())

    const tls = path.join(dir, 'tls')
    await serverCertificates(kube, tls)
    // Each function's serving certificate in the Secret its revision names, as the Deployment runtime keeps it.
    const tlsSecrets = functions.map((fn): ObjectRef => ({ apiVersion: 'v1', kind: 'Secret', name: `${fn.name}-tls-server`, namespace: CROSSPLANE_NAMESPACE }))
    await kube.applyAll(
      tlsSecrets.map((secret) => ({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: secret.name, namespace: secret.namespace },
        type: 'kubernetes.io/tls',
        data: Object.fromEntries(['tls.crt', 'tls.key', 'ca.crt'].map((key) => [key, readFileSync(path.join(tls, key)).toString('base64')])),
      })),
    )
    cleanups.push(async () => void (await Promise.all(tlsSecrets.map((secret) => kube.delete(secret)))))
    const endpoints = new Map<string, string>()
    for (const fn of functions) {
      const port = await freePort()
      // The SDK also serves metrics on :8080 unless told otherwise and ignores a busy port; the flag set has no switch for it.
      const child = startChild(dir, fn.name, fn.binary, [`--address=127.0.0.1:${port}`, `--tls-certs-dir=${tls}`, '--debug'])
      children.push(child)
      await waitForPort(port, fn.name, { timeoutMs: READY_TIMEOUT_MS, child })
      endpoints.set(fn.name, `127.0.0.1:${port}`)
      log(`${fn.name} ${fn.version} listening on 127.0.0.1:${port} (log: ${child.logFile})`)
    }

    await kube.apply({
      apiVersion: IMAGE_CONFIG.apiVersion,
      kind: IMAGE_CONFIG.kind,
      metadata: { name: IMAGE_CONFIG.name },
      spec: { matchImages: [{ type: 'Prefix', prefix: UPSTREAM_PREFIX }], rewriteImage: { prefix: `${registry.host}/crossplane-contrib/` } },
    })
    cleanups.push(async () => void (await kube.delete(IMAGE_CONFIG)))
    log(
      `package registry ${registry.host} serves ${functions.map((fn) => `${fn.repository}:${fn.tag}`).join(', ')}; ImageConfig ${IMAGE_CONFIG.name} rewrites ${UPSTREAM_PREFIX} to it`,
    )

    // The runtime stand-in: polls (every 200 ms) like the Flux stand-in, and writes only when needed.
    const config = new k8s.KubeConfig()
    config.loadFromFile(options.kubeconfigFile)
    config.setCurrentContext(options.context)
    const api = config.makeApiClient(k8s.CustomObjectsApi)
    const target = { group: 'pkg.crossplane.io', version: 'v1', plural: 'functionrevisions' }
    const state = { stopped: false, writes: 0 }
    const serve = async (revision: Revision): Promise<void> => {
      const name = revision.metadata.labels?.['pkg.crossplane.io/package'] ?? ''
      const endpoint = endpoints.get(name)
      if (!endpoint || revision.metadata.deletionTimestamp || revision.spec?.desiredState !== 'Active') return
      const tlsServerSecretName = `${name}-tls-server`
      const conditions = revision.status?.conditions ?? []
      const current = revision.status?.endpoint === endpoint && revision.status.tlsServerSecretName === tlsServerSecretName
      if (current && conditions.some((c) => c.type === 'RuntimeHealthy' && c.status === 'True')) return
      const healthy = {
        type: 'RuntimeHealthy',
        status: 'True',
        reason: 'HealthyPackageRevision',
        message: 'test stand-in: the function runs as a local process',
        lastTransitionTime: new Date().toISOString(),
      }
      const status = { ...revision.status, endpoint, tlsServerSecretName, conditions: [...conditions.filter((c) => c.type !== 'RuntimeHealthy'), healthy] }
      await api.replaceClusterCustomObjectStatus({ ...target, name: revision.metadata.name, body: { ...revision, status } }).then(
        () => state.writes++,
        () => undefined, // a conflict with Crossplane's own status write: the next round writes again
      )
    }
    const loop = (async () => {
      while (!state.stopped) {
        const list = (await api.listClusterCustomObject(target).catch(() => ({ items: [] }))) as { items: Revision[] }
        await Promise.all(list.items.map(serve))
        await new Promise((resolve) => setTimeout(resolve, 200))
      }
    })()
    cleanups.push(async () => {
      state.stopped = true
      await loop
    })

    return {
      versions: Object.fromEntries(functions.map((fn) => [fn.name, fn.version])),
      registry,
      children,
      get runtimeWrites() {
        return state.writes
      },
      stop,
    }
  } catch (error) {
    await stop().catch(() => {})
    throw error
  }
}
