import { HealthError } from '../../engine/errors.js'
import type { CheckResult, Step, StepContext } from '../../engine/step.js'
import type { KubeClient, KubeObject, ObjectRef } from '../../kube/client.js'
import { conditionTrue } from '../../kube/conditions.js'
import { ARGOCD_NAMESPACE } from '../../render/argocd.js'
import { FLUX_NAMESPACE } from '../../render/flux.js'
import { MANAGED_BY } from '../../render/labels.js'
import { ENGINE_TITLES } from '../../spec/defaults.js'
import type { ClusterSpec, EngineName } from '../../spec/load.js'
import { allEngines, type Engine } from '../../engines/index.js'
import { engineInstalledByKindling } from '../ownership.js'
import { contextOf, kubectlFor } from '../connect.js'
import { addSummary } from '../summary.js'

/** kindling's own record on an adopted cluster: what ran there before it installed anything. */
export const ADOPTION_RECORD: ObjectRef = { apiVersion: 'v1', kind: 'ConfigMap', name: 'kindling', namespace: 'kube-system' }

/** The namespaces the engines' Helm releases create. */
export const ENGINE_NAMESPACES: Readonly<Record<EngineName, string>> = { flux: FLUX_NAMESPACE, argocd: ARGOCD_NAMESPACE }

const ENGINE_CRDS: Readonly<Record<EngineName, string>> = { flux: 'gitrepositories.source.toolkit.fluxcd.io', argocd: 'applications.argoproj.io' }

export interface NodeFacts {
  name: string
  ready: boolean
  roles: string[]
  kubeletVersion: string
}

/** What an adopted cluster runs, as reported by `bootstrap` and `status`. */
export interface ClusterFacts {
  version: string
  distribution: string
  nodes: NodeFacts[]
  defaultStorageClass?: string
  engines: EngineName[]
  /** Engine namespaces that exist. */
  namespaces: string[]
}

type RawNode = KubeObject & { spec?: { providerID?: string }; status?: { nodeInfo?: { kubeletVersion?: string; osImage?: string } } }

/** Name the distribution from what the API shows: version suffixes, node OS images, provider IDs, kubeadm's ConfigMap. */
export function detectDistribution(version: string, nodes: readonly RawNode[], hasKubeadmConfig: boolean): string {
  const kubelets = nodes.map((node) => node.status?.nodeInfo?.kubeletVersion ?? '')
  const any = (test: (value: string) => boolean, values: readonly string[]): boolean => values.some(test)
  const versions = [version, ...kubelets]
  const providers = nodes.map((node) => node.spec?.providerID ?? '')
  if (any((value) => value.includes('+k3s'), versions)) return 'k3s'
  if (any((value) => value.includes('+rke2'), versions)) return 'RKE2'
  if (
    any(
      (value) => value.startsWith('Talos'),
      nodes.map((node) => node.status?.nodeInfo?.osImage ?? ''),
    )
  )
    return 'Talos'
  if (any((value) => /-eks-/.test(value), versions) || any((value) => value.startsWith('aws://'), providers)) return 'EKS'
  if (any((value) => /-gke\./.test(value), versions) || any((value) => value.startsWith('gce://'), providers)) return 'GKE'
  if (any((value) => value.startsWith('azure://'), providers)) return 'AKS'
  if (any((value) => value.startsWith('kind://'), providers)) return 'kind'
  if (hasKubeadmConfig) return 'kubeadm'
  return 'Kubernetes (distribution not recognised)'
}

/** Ask the API what the cluster is and what already runs on it. */
export async function inspectCluster(kube: KubeClient): Promise<ClusterFacts> {
  const crd = (name: string): ObjectRef => ({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name })
  const namespace = (name: string): ObjectRef => ({ apiVersion: 'v1', kind: 'Namespace', name })
  const [version, rawNodes, kubeadm, classes, fluxCrd, argoCrd, fluxNs, argoNs] = await Promise.all([
    kube.serverVersion(),
    kube.list('v1', 'Node') as Promise<RawNode[]>,
    kube.get({ apiVersion: 'v1', kind: 'ConfigMap', name: 'kubeadm-config', namespace: 'kube-system' }),
    kube.list('storage.k8s.io/v1', 'StorageClass'),
    kube.get(crd(ENGINE_CRDS.flux)),
    kube.get(crd(ENGINE_CRDS.argocd)),
    kube.get(namespace(ENGINE_NAMESPACES.flux)),
    kube.get(namespace(ENGINE_NAMESPACES.argocd)),
  ])
  const engines: EngineName[] = []
  // By CRD only: an empty flux-system namespace left from an old install is not a running Flux
  // (namespaces are recorded on their own, so destroy keeps it either way).
  if (fluxCrd) engines.push('flux')
  if (argoCrd) engines.push('argocd')
  return {
    version,
    distribution: detectDistribution(version, rawNodes, kubeadm !== undefined),
    nodes: rawNodes.map((node) => ({
      name: node.metadata.name,
      ready: conditionTrue('Ready').test(node).done,
      roles: Object.keys(node.metadata.labels ?? {})
        .filter((label) => label.startsWith('node-role.kubernetes.io/'))
        .map((label) => label.slice('node-role.kubernetes.io/'.length)),
      kubeletVersion: node.status?.nodeInfo?.kubeletVersion ?? '',
    })),
    defaultStorageClass: classes.find((sc) => sc.metadata.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true')?.metadata.name,
    engines,
    namespaces: [fluxNs && ENGINE_NAMESPACES.flux, argoNs && ENGINE_NAMESPACES.argocd].filter((name): name is string => Boolean(name)),
  }
}

/** What kindling's record says ran before it; undefined when the cluster was never adopted. */
export interface AdoptionRecord {
  engines: EngineName[]
  namespaces: string[]
}

export async function readAdoptionRecord(kube: KubeClient): Promise<AdoptionRecord | undefined> {
  const object = await kube.get(ADOPTION_RECORD)
  if (!object) return undefined
  const data = (object.data ?? {}) as Record<string, string>
  const list = (value: string | undefined): string[] =>
    (value ?? '')
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean)
  return {
    engines: list(data.preexistingEngines).filter((entry): entry is EngineName => entry === 'flux' || entry === 'argocd'),
    namespaces: list(data.preexistingNamespaces),
  }
}

/** The record written at first adoption; never rewritten, or kindling's own installs would count as pre-existing. */
function renderAdoptionRecord(spec: ClusterSpec, before: AdoptionRecord): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: ADOPTION_RECORD.name, namespace: ADOPTION_RECORD.namespace, labels: { ...MANAGED_BY } },
    data: { cluster: spec.name, preexistingEngines: before.engines.join(','), preexistingNamespaces: before.namespaces.join(',') },
  }
}

/** "k3s v1.30.4+k3s1, 3 nodes (3 Ready), default StorageClass local-path, Flux already installed" */
export function describeFacts(facts: ClusterFacts): string {
  const ready = facts.nodes.filter((node) => node.ready).length
  const engines = facts.engines.length
    ? `${facts.engines.map((engine) => ENGINE_TITLES[engine]).join(' and ')} already installed`
    : 'no GitOps engine installed'
  return `${facts.distribution} ${facts.version}, ${facts.nodes.length} node${facts.nodes.length === 1 ? '' : 's'} (${ready} Ready), default StorageClass ${facts.defaultStorageClass ?? 'none'}, ${engines}`
}

/**
 * Why a cluster cannot run everything, from what its nodes say (a health problem: the cluster was read);
 * undefined when every node is Ready. `kubectl` reaches the spec's cluster (kubectlFor): a bare one
 * reads whatever cluster the current context names.
 */
export function nodesProblem(facts: ClusterFacts, kubectl: string): HealthError | undefined {
  const check = `check \`${kubectl} get nodes\``
  if (!facts.nodes.length) return new HealthError('the cluster has no nodes: nothing can run on it', { details: [`join a node to it, then ${check}`] })
  const notReady = facts.nodes.filter((node) => !node.ready).map((node) => node.name)
  if (notReady.length)
    return new HealthError(`nodes not Ready: ${notReady.join(', ')}`, { details: [`${check} and \`${kubectl} describe node ${notReady[0]}\``] })
  return undefined
}

/** The engine later steps adopt: the spec's engine when it ran before kindling, else another that did. */
export function engineToAdopt(spec: ClusterSpec, preexisting: readonly EngineName[]): EngineName | undefined {
  return preexisting.includes(spec.gitops.engine) ? spec.gitops.engine : preexisting[0]
}

/** The cluster part of the summary and of `status --json`: context, version, each node. */
export function reportCluster(ctx: StepContext, context: string, facts: ClusterFacts): void {
  ctx.facts.status.cluster = { context, ...facts }
  addSummary(ctx, `cluster (context ${context}): ${describeFacts(facts)}`)
  for (const node of facts.nodes)
    addSummary(ctx, `  node ${node.name}: ${node.ready ? 'Ready' : 'NotReady'}${node.roles.length ? ` (${node.roles.join(', ')})` : ''} ${node.kubeletVersion}`)
}

/**
 * What ran before kindling, read from the cluster when it has no record yet: every engine found
 * and its namespace, except an engine kindling installed (its release and labelled root sync object:
 * a cluster bootstrapped before, e.g. as kind, and adopted now is not someone else's).
 */
async function foundBeforeKindling(kube: KubeClient, facts: ClusterFacts): Promise<AdoptionRecord> {
  const ours: Engine[] = []
  for (const engine of allEngines().filter((candidate) => facts.engines.includes(candidate.name))) {
    if (await engineInstalledByKindling(kube, engine)) ours.push(engine)
  }
  return {
    engines: facts.engines.filter((name) => !ours.some((engine) => engine.name === name)),
    namespaces: facts.namespaces.filter((namespace) => !ours.some((engine) => engine.namespace === namespace)),
  }
}

/** What check found: the cluster, and what ran on it before kindling (the record, or what to record). */
interface Adoption {
  facts: ClusterFacts
  before: AdoptionRecord
  recorded: boolean
}

async function inspectAndReport(ctx: StepContext): Promise<Adoption> {
  const { spec } = ctx
  const kube = await ctx.kube()
  const facts = await inspectCluster(kube)
  const record = await readAdoptionRecord(kube)
  const before = record ?? (await foundBeforeKindling(kube, facts))
  // The GitOps engine step reads it: an engine that ran before kindling is adopted, not reinstalled.
  ctx.facts.existingEngine = engineToAdopt(spec, before.engines)
  reportCluster(ctx, kube.context, facts)
  for (const engine of before.engines) {
    addSummary(
      ctx,
      engine === spec.gitops.engine
        ? `  ${ENGINE_TITLES[engine]} ran here before kindling: kindling adopts it as it is, and never reinstalls or repoints what it did not create`
        : `  ${ENGINE_TITLES[engine]} runs here too; the spec asks for ${ENGINE_TITLES[spec.gitops.engine]}`,
    )
  }
  return { facts, before, recorded: record !== undefined }
}

async function checkExisting(ctx: StepContext): Promise<CheckResult<Adoption>> {
  const adoption = await inspectAndReport(ctx)
  const detail = describeFacts(adoption.facts)
  if (!adoption.recorded)
    return { state: 'todo', detail: `${detail}; recording what ran before kindling`, did: `${detail}; recorded what ran before kindling`, found: adoption }
  return { state: 'done', detail, found: adoption }
}

/**
 * Step `cluster` (existing): adopt a running cluster through the spec's one named context (any
 * other context is refused when connecting), report what it is, and record once what ran before
 * kindling so `destroy` removes only what kindling added.
 */
export function existingClusterStep(spec: ClusterSpec): Step<Adoption> {
  return {
    name: 'cluster',
    title: `Adopt cluster (context ${contextOf(spec)})`,
    needs: ['preflight'],
    check: checkExisting,
    async plan(ctx, found) {
      const kube = await ctx.kube()
      const before = found?.before ?? (await foundBeforeKindling(kube, await inspectCluster(kube)))
      return [{ type: 'apply', objects: [renderAdoptionRecord(spec, before)], description: 'what ran before kindling (read by destroy)' }]
    },
  }
}

/** Step `cluster` of `status`: the same report, read-only. */
export function existingClusterStatusStep(spec: ClusterSpec): Step {
  return {
    name: 'cluster',
    title: `Cluster (context ${contextOf(spec)})`,
    needs: ['preflight'],
    async check(ctx) {
      const { facts } = await inspectAndReport(ctx)
      const problem = nodesProblem(facts, kubectlFor(spec))
      if (problem) throw problem
      return { state: 'done', detail: describeFacts(facts) }
    },
    plan: () => [],
  }
}
