import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { stringify } from 'yaml'
import { newFacts } from '../../../bootstrap/engine/facts.js'
import { runSteps, type RunReport } from '../../../bootstrap/engine/run.js'
import type { Step, StepContext } from '../../../bootstrap/engine/step.js'
import { runWaits } from '../../../bootstrap/engine/waits.js'
import { engineOf } from '../../../bootstrap/engines/index.js'
import type { KubeClient, KubeObject, ObjectRef } from '../../../bootstrap/kube/client.js'
import { conditionTrue, deleted } from '../../../bootstrap/kube/conditions.js'
import { MANAGED_BY } from '../../../bootstrap/render/labels.js'
import { renderSopsConfig } from '../../../bootstrap/render/secrets.js'
import type { ClusterSpec } from '../../../bootstrap/spec/load.js'
import { engineFiles } from '../../../bootstrap/steps/gitops/engine.js'
import { gitopsSteps } from '../../../bootstrap/steps/gitops/index.js'
import { fileWrites, rootSyncFiles } from '../../../bootstrap/steps/gitops/repo.js'
import { ExecRunner } from '../../../bootstrap/tools/exec-runner.js'
import { platformFetch } from '../../../bootstrap/tools/git-host.js'
import { Redactor } from '../../../bootstrap/tools/secrets.js'
import { clusterStub, removeTempDirs, tempRepo } from '../../unit/steps/gitops/support.js'
import { specText } from '../../unit/support/context.js'
import { generateAgeIdentity } from './age-identity.js'
import { upstreamCrds } from './crossplane.js'
import { sopsEncrypt, startFlux, type RunningFlux } from './flux.js'
import { recordHelmRelease, RELEASE_WORKLOADS } from '../gitops/fakes.js'
import { startFluxOperatorStandIn } from './flux-operator-stand-in.js'
import { GitCheckout } from './git-checkout.js'
import { startGitServer, type GitServer } from './git-server.js'

// The real loop: Flux's own source-controller and kustomize-controller, built from their Go modules,
// run as local processes and reconcile a Git server on loopback (git http-backend over HTTPS with
// Basic auth). kindling's own GitOps steps run against them; only two steps are stood in for, named
// as such: `cluster` (the control plane is the test's) and `engine` (flux-operator and its chart
// cannot be pulled here). For the same reason the status of flux-operator's own objects in
// kindling's flux-system/ folder comes from a stand-in (flux-operator-stand-in.ts).

export const LOOP_NAME = 'loop'
export const DEMO_NS = 'loop-demo'
const TOKEN_ENV = 'KINDLING_TEST_GIT_TOKEN'
// The spec's default username for HTTPS tokens (repository.auth.username).
const GIT_USER = 'git'
const FLUX_CRD_SETS = ['flux-source-controller', 'flux-kustomize-controller', 'flux-helm-controller', 'flux-operator']

const crdRef = (name: string): ObjectRef => ({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name })

/** The demo app under clusters/loop/demo/: a namespace, a ConfigMap and a Deployment kwok runs. */
export function demoFiles(greeting: string, extra = false): Record<string, string> {
  const objects: KubeObject[] = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: DEMO_NS } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: DEMO_NS }, data: { greeting } },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: DEMO_NS },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'web' } },
        // kwok runs the Pod on a simulated node, so the Deployment becomes Available for real.
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'registry.k8s.io/pause:3.10' }] } },
      },
    },
    ...(extra ? [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'extra', namespace: DEMO_NS }, data: { added: 'by the bad change' } }] : []),
  ]
  return {
    // secret.sops.yaml is written once, encrypted, when the loop starts (DEMO_SECRET).
    [`clusters/${LOOP_NAME}/demo/kustomization.yaml`]: stringify({
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      resources: ['objects.yaml', 'secret.sops.yaml'],
    }),
    [`clusters/${LOOP_NAME}/demo/objects.yaml`]: objects.map((object) => stringify(object)).join('---\n'),
  }
}

/**
 * A Secret committed SOPS-encrypted for the loop's age key: only kustomize-controller, with the key
 * kindling loaded, can turn it back into `password`.
 */
export const DEMO_SECRET = { ref: { apiVersion: 'v1', kind: 'Secret', name: 'db', namespace: DEMO_NS }, password: 'sops-decrypted-sentinel-7c1e' } as const

/**
 * kindling's bootstrap steps against the loop: every GitOps step as it ships, with a stand-in for
 * `engine` only (the harness installed the CRDs and started the controllers; helm cannot pull the
 * chart here) and for the provider's `cluster`.
 */
export function loopSteps(spec: ClusterSpec, engineDetail = 'controllers started by the test harness'): Step[] {
  const engineStandIn: Step = {
    name: 'engine',
    title: 'Flux (test stand-in: upstream CRDs and controllers started by the test harness)',
    needs: ['cluster'],
    check: async () => ({ state: 'done', detail: engineDetail }),
    plan: () => [],
  }
  return [clusterStub, ...gitopsSteps(spec, { healthTimeoutMs: 90_000, interactive: false }).map((step) => (step.name === 'engine' ? engineStandIn : step))]
}

/** A control plane the loop can run against. */
export interface LoopTarget {
  kube: KubeClient
  kubeconfigFile: string
  context: string
}

export interface FluxLoop {
  spec: ClusterSpec
  git: GitServer
  /** The controllers of the control plane the loop runs against now. */
  readonly flux: RunningFlux
  checkout: GitCheckout
  /** The token the Git server wants; must never show in kindling's output. */
  token: string
  /** kindling's bootstrap steps, `cluster` and `engine` stood in for. */
  steps(): Step[]
  context(logs?: string[]): StepContext
  bootstrap(logs?: string[]): Promise<RunReport>
  /** Ask Flux to reconcile now (what the health gate does), then wait until `sha` is applied and Ready. */
  syncTo(sha: string, timeoutMs?: number): Promise<void>
  /** Wait until `sha` is applied and Ready without asking: Flux notices at its next poll. */
  waitApplied(sha: string, timeoutMs?: number): Promise<void>
  writeAll(files: Record<string, string>): void
  /**
   * Move the loop to another control plane, as a rebuild on new hardware would: the new one gets
   * Flux's CRDs, controllers and stand-in; Git (the repository, the token) and the age key stay the
   * same. Every control plane the loop ran on is cleaned up by stop(), the newest first.
   */
  rebuildOn(target: LoopTarget): Promise<void>
  /**
   * Remove what was added (namespaces, CRDs), stop the controllers and the Git server. With
   * `discardPlane` (a control plane the test throws away next) the objects stay: only the
   * processes are stopped.
   */
  stop(options?: { discardPlane?: boolean }): Promise<void>
}

interface Attachment {
  kube: KubeClient
  flux: RunningFlux
  /** Remove what was added to this control plane (while the controllers still run), then stop them. */
  detach(options?: { discardPlane?: boolean }): Promise<void>
}

/** Flux's upstream CRDs at the pinned versions, Established; returns what removes those it added. */
export async function installFluxCrds(kube: KubeClient): Promise<() => Promise<void>> {
  const addedCrds: string[] = []
  const crds = FLUX_CRD_SETS.flatMap((set) => upstreamCrds(set))
  for (const crd of crds) {
    const live = await kube.get(crdRef(crd.metadata.name))
    // One left by an earlier test file may still be going away.
    if (live?.metadata.deletionTimestamp) await kube.waitFor(crdRef(crd.metadata.name), deleted, { timeoutMs: 60_000 })
    else if (live) continue
    addedCrds.push(crd.metadata.name)
  }
  const remove = async (): Promise<void> => {
    await Promise.all(addedCrds.map((name) => kube.delete(crdRef(name))))
    await Promise.all(addedCrds.map((name) => kube.waitFor(crdRef(name), deleted, { timeoutMs: 60_000 })))
  }
  try {
    await kube.applyAll(crds.filter((crd) => addedCrds.includes(crd.metadata.name)))
    await Promise.all(crds.map((crd) => kube.waitFor(crdRef(crd.metadata.name), conditionTrue('Established'), { timeoutMs: 60_000 })))
  } catch (error) {
    await remove().catch(() => {})
    throw error
  }
  return remove
}

/**
 * Put on one control plane what `helm install` of the flux-operator chart and the operator would:
 * the namespace and Flux's CRDs, source-controller and kustomize-controller as local processes, the
 * stand-in for what cannot run here, and the Helm release record.
 */
async function attach(target: LoopTarget, git: GitServer, spec: ClusterSpec, log: (line: string) => void, name = 'flux'): Promise<Attachment> {
  const { kube } = target
  // Each cleanup runs even when an earlier one failed: no controller outlives a failed removal.
  const cleanups: { run: () => Promise<void>; objects?: boolean }[] = []
  const detach = async (options: { discardPlane?: boolean } = {}): Promise<void> => {
    const failures: unknown[] = []
    for (const cleanup of cleanups.splice(0).reverse()) {
      if (options.discardPlane && cleanup.objects) continue
      await cleanup.run().catch((error: unknown) => failures.push(error))
    }
    if (failures.length) throw failures[0]
  }
  try {
    cleanups.push({ run: await installFluxCrds(kube), objects: true })
    await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'flux-system' } })

    const flux = await startFlux({
      kubeconfigFile: target.kubeconfigFile,
      name,
      log,
      // source-controller trusts the Git server's CA the way a Pod trusts a private CA: in its trust store.
      env: { SSL_CERT_FILE: git.caFile },
      // Only kindling's GitRepository: the flux-operator chart's OCIRepository points at ghcr.io,
      // which cannot be reached here; the stand-in below reports on it instead.
      sourceLabelSelector: Object.entries(MANAGED_BY)
        .map(([key, value]) => `${key}=${value}`)
        .join(','),
    })
    cleanups.push({ run: () => flux.stop() })
    // The namespaces go while the controllers still run to release their finalizers (deleting the
    // root Kustomization prunes what it applied, too).
    cleanups.push({
      objects: true,
      run: async () => {
        await Promise.all(
          ['flux-system', DEMO_NS].map(async (name) => {
            const ref = { apiVersion: 'v1', kind: 'Namespace', name }
            if ((await kube.delete(ref)) === 'deleted') await kube.waitFor(ref, deleted, { timeoutMs: 90_000 })
          }),
        )
      },
    })
    const standIn = startFluxOperatorStandIn({ kubeconfigFile: target.kubeconfigFile, context: target.context })
    cleanups.push({ run: () => standIn.stop() })
    // What `helm upgrade --install flux-operator` would record (helm cannot pull the chart here), so `status` reads the release as on a real cluster.
    const release = engineOf(spec).release(spec)
    await recordHelmRelease(kube, { release: release.release, namespace: release.namespace, version: release.version })
    // And the operator's Deployment that release creates (no Pods: the engine step only waits for it to be Available).
    await kube.applyAll(RELEASE_WORKLOADS[release.release] ?? [])
    log(
      `real controllers: source-controller ${flux.versions['source-controller']}, kustomize-controller ${flux.versions['kustomize-controller']}; Git server ${git.baseUrl} (HTTPS, Basic auth)`,
    )
    return { kube, flux, detach }
  } catch (error) {
    await detach().catch(() => {})
    throw error
  }
}

/**
 * Start the loop against a running control plane: Flux's CRDs, the controllers, the stand-in, the
 * Git server, and a repository as a user has it after kindling wrote its files and they were
 * pushed (plus a demo app). `setEnv` sets what kindling reads from the environment (the token,
 * GIT_SSL_CAINFO, HOME): vi.stubEnv in tests.
 */
export async function startFluxLoop(options: {
  kube: KubeClient
  kubeconfigFile: string
  context: string
  setEnv: (key: string, value: string) => void
  log?: (line: string) => void
}): Promise<FluxLoop> {
  const log = options.log ?? (() => {})
  const token = `test-${randomBytes(12).toString('hex')}`
  // A real age key: Flux loads it (the fixed one the played-engine tests use has no valid checksum).
  const age = generateAgeIdentity()
  const cleanups: (() => Promise<void>)[] = []
  let attached: Attachment | undefined
  // Every control plane the loop ran against, in order; the last is the current one.
  const attachments: Attachment[] = []
  const stop = async (options: { discardPlane?: boolean } = {}): Promise<void> => {
    for (const attachment of attachments.splice(0).reverse()) await attachment.detach(options)
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  }

  try {
    const git = await startGitServer({ username: GIT_USER, token })
    cleanups.push(() => git.stop())

    // The spec the user writes: the HTTPS token path, SOPS on, components that need images off.
    const url = git.createRepository('lab.git')
    const repo = tempRepo(
      LOOP_NAME,
      specText({
        name: LOOP_NAME,
        repository: `url: ${url}\nauth:\n  type: https\n  tokenEnv: ${TOKEN_ENV}`,
        extra:
          'components:\n  crossplane:\n    enabled: false\n  monitoring:\n    enabled: false\n  apps:\n    enabled: false\nsecrets:\n  sops:\n    enabled: true\n    ageKeyFile: AGE_KEY_FILE',
      }),
    )
    cleanups.push(async () => removeTempDirs())
    const spec = repo.spec
    mkdirSync(path.dirname(spec.secrets.sops.ageKeyFile), { recursive: true, mode: 0o700 })
    writeFileSync(spec.secrets.sops.ageKeyFile, age.file, { mode: 0o600 })
    options.setEnv('HOME', repo.home)
    options.setEnv(TOKEN_ENV, token)
    // kindling's `git ls-remote` trusts the server's certificate as git does: GIT_SSL_CAINFO.
    options.setEnv('GIT_SSL_CAINFO', git.caFile)
    attached = await attach(options, git, spec, log)
    attachments.push(attached)
    const kubeNow = (): KubeClient => attached!.kube

    // The engine and root sync files from kindling's own renderers, .sops.yaml for the key, a demo app.
    const checkout = new GitCheckout(spec.repoRoot, url, { username: GIT_USER, token, caFile: git.caFile }).init()
    for (const write of await fileWrites(spec, [...engineFiles(spec), ...(await rootSyncFiles(spec))]))
      checkout.write(path.relative(spec.repoRoot, write.path), write.content)
    checkout.write('.sops.yaml', renderSopsConfig(spec, age.recipient))
    const kustomization = `clusters/${LOOP_NAME}/kustomization.yaml`
    checkout.write(kustomization, `${readFileSync(path.join(spec.repoRoot, kustomization), 'utf8')}  - demo\n`)
    const writeAll = (files: Record<string, string>): void => {
      for (const [relative, content] of Object.entries(files)) checkout.write(relative, content)
    }
    writeAll(demoFiles('hello'))
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: DEMO_SECRET.ref.name, namespace: DEMO_NS },
      stringData: { password: DEMO_SECRET.password },
    }
    checkout.write(`clusters/${LOOP_NAME}/demo/secret.sops.yaml`, sopsEncrypt(stringify(secret), age.recipient))
    await checkout.commitAndPush('kindling files and a demo app')

    const steps = (): Step[] =>
      loopSteps(
        spec,
        `source-controller ${attached!.flux.versions['source-controller']}, kustomize-controller ${attached!.flux.versions['kustomize-controller']} as local processes`,
      )
    const context = (logs: string[] = []): StepContext => {
      const secrets = new Redactor()
      return {
        spec,
        runner: new ExecRunner(secrets),
        kube: async () => kubeNow(),
        log: (line) => logs.push(line),
        signal: new AbortController().signal,
        secrets,
        flags: { dryRun: false, yes: false, recreate: false, purge: false, verbose: false },
        facts: newFacts(),
        env: process.env,
        fetch: platformFetch,
      }
    }
    const waitFor = async (sha: string, request: boolean, timeoutMs: number): Promise<void> => {
      const facts = newFacts()
      if (request) facts.syncRequestedAt = await engineOf(spec).requestSync(kubeNow())
      await runWaits({ ...context(), facts }, engineOf(spec).revisionWaits(spec, sha, facts, timeoutMs))
    }
    return {
      spec,
      git,
      get flux() {
        return attached!.flux
      },
      checkout,
      token,
      steps,
      context,
      bootstrap: (logs) => runSteps(steps(), context(logs)),
      syncTo: (sha, timeoutMs = 60_000) => waitFor(sha, true, timeoutMs),
      waitApplied: (sha, timeoutMs = 180_000) => waitFor(sha, false, timeoutMs),
      writeAll,
      rebuildOn: async (target) => {
        // The earlier control plane keeps its controllers until stop(), so it is cleaned up as usual.
        attached = await attach(target, git, spec, log, `flux-${attachments.length + 1}`)
        attachments.push(attached)
      },
      stop,
    }
  } catch (error) {
    await stop().catch(() => {})
    throw error
  }
}
