import type { KubeObject, ObjectRef } from '../kube/client.js'
import type { Condition } from '../kube/conditions.js'
import type { ClusterSpec } from '../spec/load.js'

/** A Helm chart at a pinned version, with the values kindling starts it with. */
export interface ChartSource {
  type: 'chart'
  /** `https://` Helm repository, or `oci://` registry path without the chart name. */
  repoURL: string
  chart: string
  /** Exact chart version, without a leading `v`. */
  version: string
  releaseName: string
  values: Record<string, unknown>
}

/** Plain manifests, applied as they are. */
export interface ManifestSource {
  type: 'manifests'
  objects: KubeObject[]
}

/**
 * A folder of the cluster the user owns (apps): kindling seeds it once with `seed` and never
 * rewrites it; the engine syncs whatever it holds, after the components it depends on.
 */
export interface FolderSource {
  type: 'folder'
  /** Relative to `clusters/<name>/`, e.g. `apps`. */
  path: string
  /** Written when missing, then left to the user; must include the folder's kustomization.yaml. */
  seed: ExtraFile[]
}

/**
 * One value of a Secret the bootstrap makes: fixed, or generated once (or read from an environment
 * variable, named by the spec field `envField`).
 */
export type SecretValue = { literal: string } | { generate: number; fromEnv?: string; envField?: string }

/**
 * A Secret the bootstrap creates in the cluster before the engine syncs (Grafana's admin
 * password): never in Git, never in output. Generated values are made once and then kept;
 * a value from the environment replaces the live one when it differs.
 */
export interface GeneratedSecret {
  name: string
  namespace: string
  data: Record<string, SecretValue>
  /**
   * What to do when the Secret changes after the component first read it (Grafana keeps the
   * password it started with): printed when a re-run updates the Secret.
   */
  afterChange?: string
}

/**
 * A kind whose readiness is a status condition other than `Ready` (Crossplane's `Healthy`, an
 * XRD's `Established`). Engines teach their health checks about it: Flux `healthCheckExprs` (on
 * the HelmRelease for a chart, else on the Kustomization), Argo CD a health customization.
 */
export interface ReadinessRule {
  apiVersion: string
  kind: string
  /** The condition that must be True. */
  condition: string
}

/** One object the health gate watches once the engine has synced the component. */
export interface HealthCheck {
  ref: ObjectRef
  condition: Condition
}

/** A file the component keeps in its folder that the engine does not apply (examples, docs). */
export interface ExtraFile {
  /** Relative to the component's folder. */
  path: string
  content: string
}

/** Everything an engine needs to install one component, derived from the spec. */
export interface ComponentDescription {
  /** DNS label; names the folder `clusters/<name>/components/<name>/` and the engine's sync object. */
  name: string
  /** For people: "Crossplane", "Crossplane providers and functions". */
  title: string
  /** Where the component's workloads run (created by the engine if missing). */
  namespace: string
  /** Components that must be healthy first; their CRDs exist once they are. */
  dependsOn: string[]
  /** Installed after every other enabled component (the user's apps): the registry fills `dependsOn`. */
  last?: boolean
  source: ChartSource | ManifestSource | FolderSource
  /** Objects the health gate waits for, in order, after the engine reports the component synced. */
  health: HealthCheck[]
  readiness: ReadinessRule[]
  /** Kept beside the manifests, never applied (for example, one example claim per target). */
  extraFiles?: ExtraFile[]
  /** Secrets the bootstrap makes in the cluster before the engine installs the component. */
  secrets?: GeneratedSecret[]
  /**
   * Fields another controller sets after install (a webhook's caBundle): not drift. Argo CD
   * ignores them; Flux's HelmRelease does not compare them in the first place.
   */
  driftIgnored?: { group: string; kind: string; jqPathExpressions: string[] }[]
  /** Lines for the end-of-run summary: what runs where, how to use it. */
  summary?: string[]
  /** What `status` asks the running component (through the API server's service proxy) once it is ready. */
  probes?: ServiceProbe[]
}

/**
 * A question `status` asks a running service over HTTP, through the API server's service proxy:
 * a plain read (no port-forward, no write), answered as JSON.
 */
export interface ServiceProbe {
  /** "Prometheus targets". */
  title: string
  service: { namespace: string; name: string; port: number }
  path: string
  query?: Record<string, string>
  /** The answer as one line for the status view, and what in it is unhealthy. */
  judge(body: unknown): { line: string; problems: string[] }
}

/** One component kindling can install through the engine: one module each, listed in registry.ts. */
export interface Component {
  name: string
  /** Whether the spec asks for it. */
  enabled(spec: ClusterSpec): boolean
  describe(spec: ClusterSpec): ComponentDescription
}
