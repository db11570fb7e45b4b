/**
 * Small Grafana dashboards built from data, so kindling ships its own rather than copies. Every
 * panel queries the datasource kube-prometheus-stack provisions (`uid: prometheus`,
 * `grafana.sidecar.datasources.uid` in charts/kube-prometheus-stack/values.yaml at
 * kube-prometheus-stack-88.5.3) by its uid, so the JSON has no `${...}` variables for a GitOps
 * engine's substitution to touch.
 */

const DATASOURCE = { type: 'prometheus', uid: 'prometheus' } as const
const ROW_HEIGHT = 8

/** One query of a panel. */
export interface Query {
  expr: string
  /** Series name, e.g. `{{controller}}`. */
  legend?: string
}

/** A panel: a single number, a graph over time, or a table of the current series. */
export interface Panel {
  type: 'stat' | 'timeseries' | 'table'
  title: string
  queries: Query[]
  /** Grafana unit, e.g. `s` or `ops`. */
  unit?: string
  description?: string
}

/** The Grafana dashboard JSON model, as much of it as these dashboards use. */
export type Dashboard = Record<string, unknown>

function panelJson(panel: Panel, id: number, gridPos: { x: number; y: number; w: number; h: number }): Record<string, unknown> {
  const instant = panel.type !== 'timeseries'
  return {
    id,
    type: panel.type,
    title: panel.title,
    ...(panel.description ? { description: panel.description } : {}),
    datasource: DATASOURCE,
    gridPos,
    targets: panel.queries.map((query, index) => ({
      refId: String.fromCharCode(65 + index),
      datasource: DATASOURCE,
      expr: query.expr,
      ...(query.legend ? { legendFormat: query.legend } : {}),
      ...(instant ? { instant: true, range: false } : { range: true }),
      ...(panel.type === 'table' ? { format: 'table' } : {}),
    })),
    fieldConfig: { defaults: { ...(panel.unit ? { unit: panel.unit } : {}) }, overrides: [] },
    options: panel.type === 'stat' ? { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'value', graphMode: 'none' } : {},
  }
}

/**
 * A dashboard whose panels are laid out in rows: each row is 8 units high and its panels share
 * the full width (24) equally.
 */
export function dashboard(uid: string, title: string, rows: readonly (readonly Panel[])[]): Dashboard {
  let id = 0
  const panels = rows.flatMap((row, rowIndex) => {
    const width = Math.floor(24 / row.length)
    return row.map((panel, index) => panelJson(panel, ++id, { x: index * width, y: rowIndex * ROW_HEIGHT, w: width, h: ROW_HEIGHT }))
  })
  return {
    uid,
    title,
    tags: ['kindling'],
    editable: false,
    schemaVersion: 39,
    time: { from: 'now-6h', to: 'now' },
    refresh: '1m',
    timezone: 'browser',
    panels,
  }
}
