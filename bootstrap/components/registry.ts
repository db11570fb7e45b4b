import type { ClusterSpec } from '../spec/load.js'
import type { Component, ComponentDescription } from './component.js'
import { apps } from './apps.js'
import { crossplane } from './crossplane.js'
import { crossplaneConfig } from './crossplane-config.js'
import { crossplanePackages } from './crossplane-packages.js'
import { monitoring } from './monitoring.js'
import { monitoringConfig } from './monitoring-config.js'
import { postgres } from './postgres.js'

/**
 * Every component kindling can install through the engine, in display order. Adding one is a
 * module, a line here and its golden files; both engines pick it up. Read when asked for, never
 * while modules load: the monitoring components ask the engine for its monitors, and the Argo CD
 * engine reads this registry, so these modules import each other.
 */
export function allComponents(): readonly Component[] {
  return [crossplane, crossplanePackages, crossplaneConfig, postgres, monitoring, monitoringConfig, apps]
}

/** The components the spec enables, described for its engine to render; `last` ones after all the others. */
export function enabledComponents(spec: ClusterSpec): ComponentDescription[] {
  const described = allComponents()
    .filter((component) => component.enabled(spec))
    .map((component) => component.describe(spec))
  const platform = described.filter((component) => !component.last).map((component) => component.name)
  return described.map((component) => (component.last ? { ...component, dependsOn: [...new Set([...component.dependsOn, ...platform])] } : component))
}
