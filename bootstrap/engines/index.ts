import type { ClusterSpec, EngineName } from '../spec/load.js'
import { argocdEngine } from './argocd.js'
import type { Engine } from './engine.js'
import { fluxEngine } from './flux.js'

const ENGINES: Record<EngineName, Engine> = { flux: fluxEngine, argocd: argocdEngine }

/** The engine a spec chooses: the one place that picks an implementation by `gitops.engine`. */
export function engineOf(spec: ClusterSpec): Engine {
  return ENGINES[spec.gitops.engine]
}

/** Every engine kindling can install. */
export function allEngines(): Engine[] {
  return Object.values(ENGINES)
}

export type { Engine } from './engine.js'
