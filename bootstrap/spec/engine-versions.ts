import { DEFAULTS } from './defaults.js'

// Which engine versions kindling's rendered objects work with. The check exists for the slip a
// user makes when switching engines in cluster.yaml: `version: 2.9.5` (Flux's) left under
// `engine: argocd` would otherwise install the argo-cd chart 2.9.5, from 2021.

type Engine = keyof typeof DEFAULTS.gitops
type Version = readonly number[]

/** `v1.2.3-rc.1` as [1, 2, 3]; the spec's own pattern has already checked the shape. */
function parts(version: string): number[] {
  return version
    .replace(/^v/, '')
    .split('-')[0]!
    .split('.')
    .map((part) => Number(part))
}

function below(version: Version, floor: Version): boolean {
  for (let index = 0; index < floor.length; index++) {
    if (version[index]! !== floor[index]!) return version[index]! < floor[index]!
  }
  return false
}

/** What each engine's `version` means, the oldest kindling renders for, and how to tell it from the other engine's. */
interface VersionRule {
  /** A value outside the engine's own release line, named; undefined when inside it. */
  outside?: (given: Version, version: string) => string | undefined
  floor: Version
  tooOld: (version: string) => string
  /** The other engine's versions, as they look: a value left behind by a switch. */
  looksLikeOther: (version: Version) => boolean
  leftFromOther: (version: string) => string
}

const ARGOCD_FLOOR = [8, 0, 0] as const
const isFluxLike = (version: Version): boolean => version[0] === 2
const isArgocdChartLike = (version: Version): boolean => !below(version, ARGOCD_FLOOR)

const RULES: Record<Engine, VersionRule> = {
  flux: {
    outside: (given, version) => (isFluxLike(given) ? undefined : `Flux ${version} is not a Flux 2 release, the line kindling renders for`),
    floor: [2, 8, 0],
    tooOld: (version) =>
      `Flux ${version} is older than 2.8.0, the first release whose HelmRelease takes healthCheckExprs (helm-controller v1.5.0), which kindling renders to wait for a chart's own objects`,
    looksLikeOther: isArgocdChartLike,
    leftFromOther: (version) => `${version} looks like an argo-cd chart version, left from engine: argocd? Flux versions are 2.x:`,
  },
  argocd: {
    floor: ARGOCD_FLOOR,
    tooOld: (version) => `argo-cd chart ${version} is older than 8.0.0: charts before it ship Argo CD 2.x, past its end of life`,
    looksLikeOther: isFluxLike,
    leftFromOther: (version) => `${version} looks like a Flux version, left from engine: flux? argo-cd chart versions are 8.0.0 or later:`,
  },
}

/** Why `version` cannot be the `engine`'s, with the fix; undefined when it can. */
export function engineVersionProblem(engine: Engine, version: string): string | undefined {
  // `latest` or `2.x` is no version at all, which the field's own rule says: guessing an engine from it misleads.
  if (!/^v?\d+\.\d+\.\d+/.test(version)) return undefined
  const given = parts(version)
  const rule = RULES[engine]
  const remove = `remove the line to use the pinned ${DEFAULTS.gitops[engine].version}`
  if (rule.looksLikeOther(given)) return `${rule.leftFromOther(version)} ${remove}`
  const outside = rule.outside?.(given, version)
  if (outside) return `${outside}; ${remove}`
  if (below(given, rule.floor)) return `${rule.tooOld(version)}; ${remove}`
  return undefined
}

/** Settings that belong to one engine only, and what they are. */
const ENGINE_ONLY_FIELDS: Readonly<Record<string, { engine: Engine; what: string }>> = {
  operatorVersion: { engine: 'flux', what: 'the Flux Operator chart version' },
}

/** A field that belongs to the other engine's settings, named with what to do about it. */
export function otherEngineField(engine: string, field: string): string | undefined {
  const owner = ENGINE_ONLY_FIELDS[field]
  if (!owner || owner.engine === engine || !(engine in RULES)) return undefined
  return `is ${owner.what}, which means nothing with engine: ${engine}; remove it`
}
