// Destroy on an existing cluster: find what kindling installed there (from its adoption record,
// or by kindling's label where nobody knows) and remove only that, in order; the cluster stays.

import type { Action, Step } from '../../engine/step.js'
import type { KubeClient } from '../../kube/client.js'
import { deleted } from '../../kube/conditions.js'
import { formatRef, refOf, type ObjectRef } from '../../kube/refs.js'
import { allEngines } from '../../engines/index.js'
import { IN_CLUSTER_GIT } from '../../render/git-server.js'
import type { ClusterSpec, EngineName } from '../../spec/load.js'
import { readHelmRelease } from '../../tools/helm.js'
import type { Command } from '../../tools/runner.js'
import { contextOf, kubeTargetArgs } from '../connect.js'
import { appliedByKindling, labelledByKindling } from '../ownership.js'
import { ADOPTION_RECORD, ENGINE_NAMESPACES, readAdoptionRecord } from './existing-cluster.js'

const DELETE_TIMEOUT_MS = 2 * 60_000

/** Owns only the fields destroy changes on the way out, leaving kindling's applied fields alone. */
const DESTROY_MANAGER = 'kindling-destroy'

/** Kinds kindling applies on a cluster, sync objects first: their controllers must still run to finalize them. */
const APPLIED_KINDS: readonly { apiVersion: string; kind: string }[] = [
  { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application' },
  { apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization' },
  { apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'GitRepository' },
  { apiVersion: 'fluxcd.controlplane.io/v1', kind: 'FluxInstance' },
  { apiVersion: 'v1', kind: 'Secret' },
  { apiVersion: 'v1', kind: 'ConfigMap' },
]

/** Everything kindling installed on an adopted cluster, in the order to remove it. */
interface InstalledByKindling {
  objects: ObjectRef[]
  releases: { release: string; namespace: string }[]
  namespaces: string[]
  /** True when kindling's adoption record exists (it is removed last). */
  record: boolean
}

/**
 * What kindling installed, from its adoption record: in the namespace of an engine it installed, every
 * object it applied; where the engine ran before kindling (or without a record, where nobody knows),
 * only objects carrying kindling's managed-by label, never the engine or its namespace.
 */
async function findInstalled(kube: KubeClient): Promise<InstalledByKindling> {
  const record = await readAdoptionRecord(kube)
  const preexisting = record?.engines ?? (['flux', 'argocd'] as EngineName[])
  const objects: ObjectRef[] = []
  for (const { apiVersion, kind } of APPLIED_KINDS) {
    for (const [engine, namespace] of Object.entries(ENGINE_NAMESPACES) as [EngineName, string][]) {
      const ours = preexisting.includes(engine) ? labelledByKindling : appliedByKindling
      const items = await kube.list(apiVersion, kind, { namespace })
      objects.push(...items.filter(ours).map((item) => refOf(item)))
    }
  }
  const releases: InstalledByKindling['releases'] = []
  const namespaces: string[] = []
  // The Helm release each engine is installed by: the Flux Operator, or Argo CD.
  for (const engine of allEngines()) {
    if (preexisting.includes(engine.name)) continue
    const { release, namespace } = engine.releaseName
    if (await readHelmRelease(kube, release, namespace)) releases.push({ release, namespace })
    if (!record?.namespaces.includes(engine.namespace) && (await kube.get({ apiVersion: 'v1', kind: 'Namespace', name: engine.namespace })))
      namespaces.push(engine.namespace)
  }
  // The in-cluster Git server (a spec with no remote): its repository only mirrors the checkout.
  const gitServer = await kube.get({ apiVersion: 'v1', kind: 'Namespace', name: IN_CLUSTER_GIT.namespace })
  if (gitServer && labelledByKindling(gitServer)) namespaces.push(IN_CLUSTER_GIT.namespace)
  return { objects, releases, namespaces, record: record !== undefined }
}

/** `helm uninstall` through the spec's kubeconfig and context only. */
function helmUninstallCommand(spec: ClusterSpec, release: string, namespace: string): Command {
  return { file: 'helm', args: ['uninstall', release, '--namespace', namespace, ...kubeTargetArgs(spec), '--wait', '--timeout', '5m'] }
}

/** Delete an object, then watch until it is gone (an object already gone counts as gone). */
function deleteActions(ref: ObjectRef): Action[] {
  // A Flux Kustomization with prune on deletes everything it applied when it is deleted: every
  // app, Crossplane, volumes. Turn pruning off first so the workloads from Git keep running, as
  // they do when Argo CD's root Application (no resources finalizer) goes.
  const orphan = ref.kind === 'Kustomization' && ref.apiVersion.startsWith('kustomize.toolkit.fluxcd.io/')
  return [
    {
      type: 'call',
      description: `${orphan ? 'set spec.prune=false on, then ' : ''}delete ${formatRef(ref)}`,
      run: async (ctx) => {
        const kube = await ctx.kube()
        if (orphan && (await kube.get(ref))) {
          const { apiVersion, kind, name, namespace } = ref
          await kube.apply({ apiVersion, kind, metadata: { name, namespace }, spec: { prune: false } }, { fieldManager: DESTROY_MANAGER })
        }
        await kube.delete(ref)
      },
    },
    { type: 'wait', wait: { ref, condition: deleted, timeoutMs: DELETE_TIMEOUT_MS } },
  ]
}

/** The removal, in order: sync objects and secrets, then the engine releases, their namespaces, the record. */
export function uninstallActions(spec: ClusterSpec, installed: InstalledByKindling): Action[] {
  const actions: Action[] = installed.objects.flatMap(deleteActions)
  for (const { release, namespace } of installed.releases) {
    actions.push({ type: 'run', command: helmUninstallCommand(spec, release, namespace), description: `uninstall Helm release ${namespace}/${release}` })
  }
  actions.push(...installed.namespaces.flatMap((name) => deleteActions({ apiVersion: 'v1', kind: 'Namespace', name })))
  if (installed.record) actions.push(...deleteActions(ADOPTION_RECORD))
  return actions
}

/** Step `cluster` of destroy (existing): remove only what kindling installed; the cluster stays. */
export function existingUninstallStep(spec: ClusterSpec): Step<InstalledByKindling> {
  const context = contextOf(spec)
  return {
    name: 'cluster',
    title: `Uninstall kindling's installs (context ${context})`,
    needs: ['preflight', 'confirm'],
    async check(ctx) {
      const installed = await findInstalled(await ctx.kube())
      const count = installed.objects.length + installed.releases.length + installed.namespaces.length + (installed.record ? 1 : 0)
      if (count === 0) return { state: 'done', detail: 'nothing installed by kindling', found: installed }
      const parts = [
        installed.releases.length ? `Helm release(s) ${installed.releases.map((entry) => `${entry.namespace}/${entry.release}`).join(', ')}` : '',
        installed.objects.length ? `${installed.objects.length} object(s) kindling applied` : '',
        installed.namespaces.length ? `namespace(s) ${installed.namespaces.join(', ')}` : '',
        installed.record ? 'its adoption record' : 'no adoption record: engines and namespaces are left alone',
      ].filter(Boolean)
      const removed = parts.filter((part) => !part.startsWith('no adoption record'))
      return { state: 'todo', detail: parts.join('; '), did: `removed ${removed.join('; ')}`, found: installed }
    },
    async plan(ctx, found) {
      return uninstallActions(spec, found ?? (await findInstalled(await ctx.kube())))
    },
  }
}
