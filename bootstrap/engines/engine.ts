import type { ComponentDescription } from '../components/component.js'
import type { RunFacts } from '../engine/facts.js'
import type { Wait } from '../engine/step.js'
import type { KubeClient, KubeObject, ObjectRef } from '../kube/client.js'
import type { MonitoringSet } from '../render/monitoring/objects.js'
import type { RepoFile } from '../render/repo-files.js'
import type { RepoCredentials } from '../render/secrets.js'
import type { ClusterSpec, EngineName } from '../spec/load.js'
import type { Secret } from '../tools/secrets.js'
import type { HelmRelease } from '../tools/helm.js'

/** How long an engine's controllers and CRDs get to become ready after its install. */
export const ENGINE_READY_TIMEOUT_MS = 5 * 60_000

/** Name and namespace of a Secret the engine reads (the SOPS key's ref adds the key that matters). */
export interface SecretRef {
  name: string
  namespace: string
}

/** What the repository credentials Secret in the cluster holds now, decoded. */
export type LiveSecretData = Record<string, string> | undefined

/**
 * Everything that differs between Flux and Argo CD, behind one interface with one implementation
 * each (engines/flux.ts, engines/argocd.ts). No other code asks which engine it is.
 */
export interface Engine {
  readonly name: EngineName
  /** "Flux" or "Argo CD", for titles and messages. */
  readonly title: string
  /** Where the engine runs, and where its sync objects and Secrets live. */
  readonly namespace: string
  /** The folder of the engine's own files inside `clusters/<name>/`. */
  readonly dir: string
  /** How to remove an install made another way, so kindling can take the cluster over. */
  readonly handOverHint: string

  /** The name and namespace of that release, whatever a spec says: to find one kindling installed. */
  readonly releaseName: { release: string; namespace: string }
  /** The root sync object kindling applies with its label: with the release, proof the install is kindling's. */
  readonly rootRef: ObjectRef
  /** The one Helm release the bootstrap installs: the Flux Operator, or Argo CD itself. */
  release(spec: ClusterSpec): HelmRelease
  /** The engine's own files under `clusters/<name>/<dir>/`, root sync included. */
  files(spec: ClusterSpec): RepoFile[]
  /** The values file of the release, relative to the repository root. */
  valuesFile(spec: ClusterSpec): string
  /**
   * Objects applied right after the Helm install, read from the repository (Flux: the
   * FluxInstance), with what must hold before they can be applied.
   */
  afterInstall(
    spec: ClusterSpec,
    readFile: (relative: string) => Promise<string | undefined>,
  ): Promise<{ before: Wait[]; objects: KubeObject[]; description: string } | undefined>
  /** What must be ready before the engine can sync: its controllers and its sync CRDs. */
  readiness(spec: ClusterSpec): Wait[]

  /** The root sync objects that point the engine at `clusters/<name>/`. */
  rootSync(spec: ClusterSpec): KubeObject[]
  /** Where the root sync objects are kept in the repository. */
  rootSyncFile(spec: ClusterSpec): string
  /** Ask the engine to fetch and apply now instead of at its next poll; returns when it was asked. */
  requestSync(kube: KubeClient): Promise<string>
  /** The root objects, watched until they report `sha` applied and healthy. */
  revisionWaits(spec: ClusterSpec, sha: string, facts: RunFacts, timeoutMs: number): Wait[]
  /** Whether the root objects say `sha` is applied and healthy, without waiting. */
  rootState(kube: KubeClient, sha: string): Promise<{ done: boolean; lines: string[] }>
  /** Objects under the root sync that are not ready, each with conditions and events; drift is drift's. */
  unhealthyObjects(kube: KubeClient): Promise<string[]>
  /** How a person reaches the engine (its UI or CLI), with the exact commands, for the end-of-run report. */
  access(spec: ClusterSpec): string[]
  /** Drift from Git while it lasts (objects deleted or edited by hand), one line each. */
  drift(kube: KubeClient): Promise<string[]>

  /** The repository credentials Secret, in the engine's own format. */
  repoSecretRef(spec: ClusterSpec): SecretRef
  renderRepoSecret(spec: ClusterSpec, credentials: RepoCredentials): KubeObject
  /**
   * Where the engine takes an SSH Git host's known key from: the repository Secret (Flux), or
   * only its own Helm values (Argo CD's configs.ssh), which must then list the host.
   */
  readonly sshKnownHostsIn: 'secret' | 'values'
  /** Whether the live Secret already holds exactly these credentials. */
  repoSecretMatches(
    spec: ClusterSpec,
    live: LiveSecretData,
    credentials: { type: 'ssh'; privateKey: Secret } | { type: 'https'; username: string; token: Secret },
  ): boolean
  /** The Secret the engine decrypts SOPS files with. */
  sopsSecretRef(spec: ClusterSpec): SecretRef & { key: string }

  /**
   * The files that install the components through this engine: one sync object per component
   * (Flux: Kustomization with `dependsOn`; Argo CD: Application with a sync wave) and the
   * component folders they point at.
   */
  componentFiles(spec: ClusterSpec, components: readonly ComponentDescription[]): RepoFile[]
  /** The engine's sync object of one component, watched until it reports `sha` applied and healthy. */
  componentWaits(spec: ClusterSpec, component: ComponentDescription, sha: string, timeoutMs: number): Wait[]

  /**
   * How the monitoring components watch this engine: its scrape monitors, alert rules on failed,
   * suspended or stalled syncs, its dashboard, and the kube-state-metrics entries for its kinds.
   */
  monitoring(spec: ClusterSpec): MonitoringSet
}
