import { DEFAULTS } from './defaults.js'

// Which engine versions kindling's rendered objects work with. The check exists for the slip a
// user makes when switching engines in cluster.yaml: `version: 2.9.5` (Flux's) left under
// `engine: argocd` would otherwise install the argo-cd chart 2.9.5, from 2021.

type Engine = keyof typeof DEFAULTS.gitops

const FLUX_FLOOR = [2, 6, 0] as const
const ARGOCD_FLOOR = [8, 0, 0] as const

/** `v1.2.3-rc.1` as [1, 2, 3]; the spec's own pattern has already checked the shape. */
function parts(version: string): number[] {
  return version
    .replace(/^v/, '')
    .split('-')[0]!
    .split('.')
    .map((part) => Number(part))
}

function below(version: readonly number[], floor: readonly number[]): boolean {
  for (let index = 0; index < floor.length; index++) {
    if (version[index]! !== floor[index]!) return version[index]! < floor[index]!
  }
  return false
}

const isFluxLike = (version: readonly number[]): boolean => version[0] === 2
const isArgocdChartLike = (version: readonly number[]): boolean => !below(version, ARGOCD_FLOOR)

/** Why `version` cannot be the `engine`'s, with the fix; undefined when it can. */
export function engineVersionProblem(engine: Engine, version: string): string | undefined {
  const given = parts(version)
  const pinned = DEFAULTS.gitops[engine].version
  const remove = `remove the line to use the pinned ${pinned}`
  if (engine === 'flux') {
    if (isArgocdChartLike(given)) return `${version} looks like an argo-cd chart version, left from engine: argocd? Flux versions are 2.x: ${remove}`
    if (given[0] !== 2) return `Flux ${version} is not a Flux 2 release, the line kindling renders for; ${remove}`
    if (below(given, FLUX_FLOOR))
      return `Flux ${version} is older than 2.6.0, the first release that serves OCIRepository source.toolkit.fluxcd.io/v1, which kindling renders; ${remove}`
    return undefined
  }
  if (isFluxLike(given)) return `${version} looks like a Flux version, left from engine: flux? argo-cd chart versions are 8.0.0 or later: ${remove}`
  if (below(given, ARGOCD_FLOOR)) return `argo-cd chart ${version} is older than 8.0.0: charts before it ship Argo CD 2.x, past its end of life; ${remove}`
  return undefined
}

/** A field that belongs to the other engine's settings, named with what to do about it. */
export function otherEngineField(engine: string, field: string): string | undefined {
  if (engine === 'argocd' && field === 'operatorVersion') return 'is the Flux Operator chart version, which means nothing with engine: argocd; remove it'
  return undefined
}
