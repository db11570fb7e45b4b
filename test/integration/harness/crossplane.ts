import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseAllDocuments } from 'yaml'
import { KubeClient, type KubeObject, type ObjectRef } from '../../../bootstrap/kube/client.js'
import { deleted } from '../../../bootstrap/kube/conditions.js'
import { freePort, TEST_CONTEXT } from './control-plane.js'
import { httpStatus, killChildrenOnExit, logTail, reapOrphans, runDir, startChild, stopChild, type Child } from './processes.js'

const CONTROLPLANE_DIR = fileURLToPath(new URL('../../controlplane/', import.meta.url))
const BUILD_SCRIPT = path.join(CONTROLPLANE_DIR, 'crossplane.sh')
const CRDS_SCRIPT = path.join(CONTROLPLANE_DIR, 'crds.sh')

/** Read one KEY=value from test/controlplane/versions.env, the only place versions are set. */
function pinnedVersion(key: string): string {
  const line = readFileSync(path.join(CONTROLPLANE_DIR, 'versions.env'), 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith(`${key}=`))
  if (!line) throw new Error(`test/controlplane/versions.env has no ${key}`)
  return line.slice(key.length + 1).trim()
}

/** The Crossplane version the tests build and run (CROSSPLANE_VERSION in versions.env). */
export const CROSSPLANE_VERSION = pinnedVersion('CROSSPLANE_VERSION')

export const CROSSPLANE_NAMESPACE = 'crossplane-system'
/** Secret names as Crossplane's Helm chart sets them; `core init` fills them, `core start` reads the client one. */
const CROSSPLANE_TLS_SECRETS = { ca: 'crossplane-root-ca', server: 'crossplane-tls-server', client: 'crossplane-tls-client' } as const

const INIT_TIMEOUT_MS = 120_000
const INIT_ATTEMPTS = 3
const READY_TIMEOUT_MS = 120_000
const GONE_TIMEOUT_MS = 60_000

function lastLine(output: string): string {
  return output.trim().split('\n').at(-1) ?? ''
}

/**
 * Build (once; cached outside the repo by test/controlplane/crossplane.sh) and return the path of
 * the `crossplane` binary. Its core CRDs sit in `../crds` beside the bin folder.
 */
function buildCrossplane(env: NodeJS.ProcessEnv = process.env): string {
  const out = execFileSync('bash', [BUILD_SCRIPT], { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'inherit'] })
  return path.join(lastLine(out), 'crossplane')
}

// ---------------------------------------------------------------------------------------------
// Upstream CRDs (test/controlplane/crds.sh)

/** One set of upstream CRDs as test/controlplane/crds.sh fetched it. */
export interface CrdSet {
  module: string
  /** The version fetched. */
  version: string
  /** The version kindling pins or wants; differs from `version` when the proxy does not serve it. */
  wanted: string
  folder: string
  dir: string
  files: string[]
}

export interface CrdIndex {
  key: string
  root: string
  sets: Record<string, CrdSet>
}

let cachedIndex: CrdIndex | undefined

/**
 * The index of fetched CRD sets: the file KINDLING_CRDS_INDEX names (.ci/run exports it), else
 * whatever test/controlplane/crds.sh prints (it fetches what is missing, and is instant when cached).
 */
export function crdIndex(): CrdIndex {
  if (cachedIndex) return cachedIndex
  let file = process.env.KINDLING_CRDS_INDEX
  if (!file) file = lastLine(execFileSync('bash', [CRDS_SCRIPT], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }))
  if (!existsSync(file)) throw new Error(`the CRD index ${file} does not exist; run test/controlplane/crds.sh`)
  cachedIndex = JSON.parse(readFileSync(file, 'utf8')) as CrdIndex
  return cachedIndex
}

/** The names of every fetched CRD set, e.g. 'crossplane', 'flux-source-controller', 'argocd'. */
export function crdSetNames(): string[] {
  return Object.keys(crdIndex().sets)
}

/** One set's index entry; throws (never skips) when the set was not fetched. */
export function crdSet(name: string): CrdSet {
  const index = crdIndex()
  const set = index.sets[name]
  if (!set) throw new Error(`no upstream CRD set named "${name}" (known: ${Object.keys(index.sets).join(', ')}); add it to test/controlplane/crds.sets`)
  return set
}

/** The CRD files of a set (absolute paths); throws when the set or any file is missing. */
export function upstreamCrdFiles(name: string): string[] {
  const set = crdSet(name)
  if (set.files.length === 0) throw new Error(`the upstream CRD set "${name}" has no files in ${set.dir}`)
  const files = set.files.map((file) => path.join(set.dir, file))
  const missing = files.filter((file) => !existsSync(file))
  if (missing.length > 0) throw new Error(`the upstream CRD set "${name}" is incomplete: ${missing.join(', ')} missing; run test/controlplane/crds.sh --force`)
  return files
}

/** The CustomResourceDefinitions of a set, parsed; throws when the set is missing or a file is not a CRD. */
export function upstreamCrds(name: string): KubeObject[] {
  return upstreamCrdFiles(name).flatMap((file) => {
    const documents = parseAllDocuments(readFileSync(file, 'utf8'))
    return documents
      .map((document) => {
        if (document.errors.length > 0) throw new Error(`${file}: ${document.errors[0]!.message}`)
        return document.toJS() as KubeObject | null
      })
      .filter((object): object is KubeObject => object !== null)
      .map((object) => {
        if (object.kind !== 'CustomResourceDefinition') throw new Error(`${file} holds a ${object.kind}, not a CustomResourceDefinition`)
        return object
      })
  })
}

const crdRef = (name: string): ObjectRef => ({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name })

/**
 * A provider package's CRD as Crossplane's package manager installs it: a CRD with webhook
 * conversion ships without a client config, and Crossplane points it at the provider's Service
 * (named after the package, in Crossplane's namespace, port 9443) before applying it. Without that
 * the API server rejects it. Nothing serves that Service here: conversion between versions would
 * fail, but the CRD is accepted and Established. Other CRDs are returned unchanged.
 */
export function asInstalledByCrossplane(crd: KubeObject, packageName: string, namespace = CROSSPLANE_NAMESPACE): KubeObject {
  type ClientConfig = { service?: { name?: string; namespace?: string; port?: number; path?: string }; url?: string }
  const conversion = (crd.spec as { conversion?: { strategy?: string; webhook?: { clientConfig?: ClientConfig } } } | undefined)?.conversion
  const clientConfig = conversion?.webhook?.clientConfig
  if (conversion?.strategy !== 'Webhook' || clientConfig?.url || clientConfig?.service?.name) return crd
  const copy = structuredClone(crd)
  const service = { ...(clientConfig?.service ?? {}), name: packageName, namespace, port: 9443 }
  ;(copy.spec as { conversion: unknown }).conversion = { ...conversion, webhook: { ...conversion.webhook, clientConfig: { ...clientConfig, service } } }
  return copy
}

/**
 * Delete CRDs and wait until they are gone. An apply still in flight (say, the rest of a batch
 * after one failed) can re-create a CRD just deleted: such ones are deleted again until the deadline.
 */
export async function deleteCrds(kube: KubeClient, names: readonly string[], timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let left = [...new Set(names)]
  while (left.length > 0) {
    await Promise.all(left.map((name) => kube.delete(crdRef(name))))
    const wait = Math.max(1000, Math.min(20_000, deadline - Date.now()))
    const results = await Promise.allSettled(left.map((name) => kube.waitFor(crdRef(name), deleted, { timeoutMs: wait })))
    const failed = results.flatMap((result, index) => (result.status === 'rejected' ? [{ name: left[index]!, reason: result.reason as unknown }] : []))
    if (failed.length > 0 && Date.now() >= deadline) throw failed[0]!.reason
    left = failed.map((entry) => entry.name)
  }
}

// ---------------------------------------------------------------------------------------------
// Crossplane core as a local process

export interface RunningCrossplane {
  /** What the binary reports (`crossplane --version`), e.g. "v2.4.2". */
  version: string
  namespace: string
  binary: string
  logFile: string
  children: Child[]
  /** Stop `crossplane core start`, then remove what `startCrossplane` installed that was not there before. */
  stop(): Promise<void>
}

export interface CrossplaneOptions {
  kubeconfigFile: string
  /** The kubeconfig context to use; the test control plane's by default. */
  context?: string
  log?: (line: string) => void
  /** Leave the CRDs, Secrets and namespace in place on stop() (default: remove what was added). */
  keepInstalled?: boolean
  /**
   * `--package-runtime`, e.g. `Function=External`: Crossplane then leaves running those packages to
   * someone else (functions.ts runs them as local processes); default Deployment.
   */
  packageRuntime?: string
}

/**
 * Run Crossplane core against a cluster as local processes: `crossplane core init` (core CRDs of the
 * same release, TLS Secrets; webhooks off, they would need a Service the API server can reach), then
 * `crossplane core start` on free ports (kernel-chosen; Crossplane binds them on all interfaces, it
 * has no bind-address flag) with its caches in a temp folder. Resolves once its /readyz answers 200.
 * The process is killed if the test process exits or is interrupted first, and reaped by the next
 * start if the test process was killed outright.
 */
export async function startCrossplane(options: CrossplaneOptions): Promise<RunningCrossplane> {
  const log = options.log ?? (() => {})
  const reaped = reapOrphans()
  if (reaped.length) log(`stopped processes left by an earlier run: ${reaped.join(', ')}`)
  const binary = buildCrossplane()
  const crdsPath = path.join(path.dirname(binary), '..', 'crds')
  const version = execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim()
  const kube = KubeClient.fromKubeconfig({ file: options.kubeconfigFile, context: options.context ?? TEST_CONTEXT })

  const dir = runDir('crossplane')
  rmSync(dir, { recursive: true, force: true })
  for (const sub of ['webhook-configurations', 'tls-client', 'tls-server', 'xpkg', 'xfn']) mkdirSync(path.join(dir, sub), { recursive: true })
  const children: Child[] = []
  const forget = killChildrenOnExit(children)

  // What init will add: remember what is there already, so stop() removes only the rest.
  const coreCrds = upstreamCoreCrdNames(crdsPath)
  const present = await Promise.all(coreCrds.map(async (name) => ((await kube.get(crdRef(name))) ? name : undefined)))
  const addedCrds = coreCrds.filter((name) => !present.includes(name))
  const namespaceRef: ObjectRef = { apiVersion: 'v1', kind: 'Namespace', name: CROSSPLANE_NAMESPACE }
  const addedNamespace = !(await kube.get(namespaceRef))
  const addedSecrets = (
    await Promise.all(
      Object.values(CROSSPLANE_TLS_SECRETS).map(async (name) => {
        const ref: ObjectRef = { apiVersion: 'v1', kind: 'Secret', name, namespace: CROSSPLANE_NAMESPACE }
        return (await kube.get(ref)) ? undefined : ref
      }),
    )
  ).filter((ref): ref is ObjectRef => ref !== undefined)

  const uninstall = async (): Promise<void> => {
    if (options.keepInstalled) return
    await deleteCrds(kube, addedCrds, GONE_TIMEOUT_MS)
    if (addedNamespace) {
      // Wait, so that a next start does not meet a namespace still terminating.
      await kube.delete(namespaceRef)
      await kube.waitFor(namespaceRef, deleted, { timeoutMs: GONE_TIMEOUT_MS })
    } else {
      await Promise.all(addedSecrets.map((ref) => kube.delete(ref)))
    }
  }
  let stopped = false
  const stop = async (): Promise<void> => {
    if (stopped) return
    stopped = true
    for (const child of [...children].reverse()) await stopChild(child)
    forget()
    try {
      await uninstall()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }

  try {
    // Crossplane expects its namespace to exist (the Helm chart creates it).
    if (addedNamespace)
      await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: CROSSPLANE_NAMESPACE, labels: { 'app.kubernetes.io/part-of': 'crossplane' } } })
    const env = { ...process.env, KUBECONFIG: options.kubeconfigFile, POD_NAMESPACE: CROSSPLANE_NAMESPACE }
    const tlsNames = [
      `--tlsca-secret-name=${CROSSPLANE_TLS_SECRETS.ca}`,
      `--tls-server-secret-name=${CROSSPLANE_TLS_SECRETS.server}`,
      `--tls-client-secret-name=${CROSSPLANE_TLS_SECRETS.client}`,
    ]

    // init applies the core CRDs and then objects of those kinds at once; its client may not see
    // the new kinds yet ("no matches for kind Lock"). In a cluster the init container is simply
    // restarted; do the same (init is idempotent).
    const started = performance.now()
    for (let attempt = 1; ; attempt++) {
      const init = startChild(
        dir,
        `crossplane-init-${attempt}`,
        binary,
        [
          'core',
          'init',
          `--cr-ds-path=${crdsPath}`,
          `--webhook-configurations-path=${path.join(dir, 'webhook-configurations')}`,
          '--enable-webhooks=false',
          ...tlsNames,
        ],
        { env },
      )
      children.push(init)
      const code = await Promise.race([init.exited, new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), INIT_TIMEOUT_MS).unref())])
      if (code === 0) break
      await stopChild(init)
      const failure = `crossplane core init ${code === 'timeout' ? `did not finish in ${INIT_TIMEOUT_MS / 1000}s` : `exited with ${code}`}`
      if (code === 'timeout' || attempt === INIT_ATTEMPTS) throw new Error(`${failure} (attempt ${attempt} of ${INIT_ATTEMPTS}):\n${logTail(init)}`)
      log(`${failure}, running it again: ${logTail(init, 1)}`)
    }
    log(`crossplane core init done in ${((performance.now() - started) / 1000).toFixed(1)}s`)

    // `core start` reads its client certificate (for Functions' gRPC) from files, as mounted in a Pod.
    const secret = await kube.get({ apiVersion: 'v1', kind: 'Secret', name: CROSSPLANE_TLS_SECRETS.client, namespace: CROSSPLANE_NAMESPACE })
    const data = (secret?.data ?? {}) as Record<string, string>
    for (const key of ['ca.crt', 'tls.crt', 'tls.key']) {
      if (!data[key]) throw new Error(`Secret ${CROSSPLANE_NAMESPACE}/${CROSSPLANE_TLS_SECRETS.client} has no ${key} after crossplane core init`)
      writeFileSync(path.join(dir, 'tls-client', key), Buffer.from(data[key], 'base64'), { mode: 0o600 })
    }

    const [metricsPort, healthPort] = await Promise.all([freePort(), freePort()])
    const core = startChild(
      dir,
      'crossplane',
      binary,
      [
        'core',
        'start',
        '--enable-webhooks=false',
        `--metrics-port=${metricsPort}`,
        `--health-probe-port=${healthPort}`,
        `--xpkg-cache-dir=${path.join(dir, 'xpkg')}`,
        `--xfn-cache-dir=${path.join(dir, 'xfn')}`,
        `--tls-client-certs-dir=${path.join(dir, 'tls-client')}`,
        `--tls-server-certs-dir=${path.join(dir, 'tls-server')}`,
        ...(options.packageRuntime ? [`--package-runtime=${options.packageRuntime}`] : []),
      ],
      { env },
    )
    children.push(core)

    // Readiness is Crossplane's own /readyz (controller-runtime's health endpoint): poll it.
    const deadline = Date.now() + READY_TIMEOUT_MS
    let last = 'no answer yet'
    for (;;) {
      if (core.process.exitCode !== null || core.process.signalCode !== null) {
        throw new Error(`crossplane core start exited with ${core.process.exitCode ?? core.process.signalCode}:\n${logTail(core)}`)
      }
      try {
        const status = await httpStatus(`http://127.0.0.1:${healthPort}/readyz`)
        if (status === 200) break
        last = `HTTP ${status}`
      } catch (error) {
        last = (error as Error).message
      }
      if (Date.now() > deadline) throw new Error(`crossplane was not ready after ${READY_TIMEOUT_MS / 1000}s (${last}):\n${logTail(core)}`)
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
    log(`crossplane ${version} ready in ${((performance.now() - started) / 1000).toFixed(1)}s (log: ${core.logFile})`)
    return { version, namespace: CROSSPLANE_NAMESPACE, binary, logFile: core.logFile, children, stop }
  } catch (error) {
    await stop().catch(() => {})
    throw error
  }
}

/** metadata.name of every CRD in Crossplane's core CRD folder. */
function upstreamCoreCrdNames(crdsPath: string): string[] {
  const files = readdirSync(crdsPath).filter((file) => file.endsWith('.yaml'))
  if (files.length === 0) throw new Error(`no Crossplane core CRDs in ${crdsPath}; run test/controlplane/crossplane.sh --force`)
  return files.flatMap((file) =>
    parseAllDocuments(readFileSync(path.join(crdsPath, file), 'utf8'))
      .map((document) => document.toJS() as KubeObject | null)
      .filter((object): object is KubeObject => object?.kind === 'CustomResourceDefinition')
      .map((object) => object.metadata.name),
  )
}
