import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { isDeclined } from '../engine/errors.js'
import type { RunReport } from '../engine/run.js'
import { stateDir, unwritableReason } from '../state.js'
import { seconds } from './format.js'

/** A run as saved in the reports folder: the `--json` document (already redacted) and when it ran. */
export interface SavedRun {
  file: string
  finishedAt: string
  totalMs: number
  /** Whether the run made (bootstrap) or removed (destroy) the cluster or its engine: see `builds`. */
  built?: boolean
}

/**
 * Whether a run's document shows it made the cluster or its engine from nothing (bootstrap's
 * `cluster` or `engine` step applied) or took them away (destroy's `cluster` step applied). Such a
 * run takes minutes where a re-run that finds everything in place takes seconds: compared with
 * each other, a rebuild after a re-run read "2900% slower", and the re-run after it "97% faster".
 */
function builds(document: Record<string, unknown>): boolean {
  const steps = Array.isArray(document.steps) ? (document.steps as unknown[]) : []
  return steps.some((step) => {
    const { name, status } = (step ?? {}) as Record<string, unknown>
    return status === 'applied' && (name === 'cluster' || name === 'engine')
  })
}

/** Where the reports of one cluster go: outside Git, beside the run locks. */
export function reportsDir(cluster: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(stateDir(env), 'reports', cluster)
}

/**
 * Save a finished run's JSON document as `<finished at>-<command>.json` and return the previous
 * successful run of the same command, if any, to compare with. Never throws: a report that cannot
 * be written is not worth failing a run for, but why it was not written is returned to be said.
 */
export function saveRunReport(
  dir: string,
  command: string,
  document: Record<string, unknown>,
  finishedAt = new Date(),
): { saved?: SavedRun; previous?: SavedRun; problem?: string } {
  try {
    const built = builds(document)
    const previous = previousRun(dir, command, built)
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    const file = path.join(dir, `${finishedAt.toISOString().replaceAll(':', '-')}-${command}.json`)
    writeFileSync(file, `${JSON.stringify({ ...document, finishedAt: finishedAt.toISOString() }, null, 2)}\n`, { mode: 0o600 })
    return { saved: { file, finishedAt: finishedAt.toISOString(), totalMs: Number(document.totalMs ?? 0), built }, previous }
  } catch (error) {
    return { problem: `the run report was not saved under ${dir} (${unwritableReason(error)}); the run itself is not affected` }
  }
}

/** The latest successful run of `command` that did the same kind of work (see `builds`). */
function previousRun(dir: string, command: string, built: boolean): SavedRun | undefined {
  let names: string[]
  try {
    names = readdirSync(dir).filter((name) => name.endsWith(`-${command}.json`))
  } catch {
    return undefined
  }
  for (const name of names.sort().reverse()) {
    try {
      // Only regular files are read: a named pipe among the reports would wait for a writer forever.
      // A report is a few KiB: a huge file there is not one, and reading it would stall the run.
      const stats = statSync(path.join(dir, name))
      if (!stats.isFile() || stats.size > MAX_REPORT_BYTES) continue
      const saved = savedRun(path.join(dir, name), JSON.parse(readFileSync(path.join(dir, name), 'utf8')))
      if (saved && saved.built === built) return saved
    } catch {
      // A torn or foreign file: skip it.
    }
  }
  return undefined
}

/** Far more than any run's JSON document. */
const MAX_REPORT_BYTES = 16 * 1024 * 1024
/** Longer than any run takes: a report that says more was not written by one. */
const MAX_RUN_MS = 7 * 24 * 3_600_000

/**
 * A successful run as a report file holds it, or undefined when the file is no such report: the
 * folder is the user's, and a hand-edited or foreign file there (a number where the time belongs)
 * must not end a run that finished, or put what it holds on the terminal.
 */
function savedRun(file: string, document: unknown): SavedRun | undefined {
  if (typeof document !== 'object' || document === null) return undefined
  const { ok, totalMs, finishedAt } = document as Record<string, unknown>
  if (ok !== true || typeof totalMs !== 'number' || !(totalMs > 0 && totalMs < MAX_RUN_MS)) return undefined
  if (typeof finishedAt !== 'string' || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(finishedAt) || Number.isNaN(Date.parse(finishedAt))) return undefined
  return { file, finishedAt, totalMs, built: builds(document as Record<string, unknown>) }
}

/**
 * "this bootstrap took 41.0s, 38% faster than the previous rebuild (2026-11-30 04:10, 66.1s)". A run
 * that failed or was stopped did less than a whole run: its time says nothing about speed.
 */
export function comparison(command: string, report: RunReport, previous: SavedRun | undefined): string {
  if (!report.ok) return `this ${command} ${report.interrupted ? 'was stopped' : declined(report) ? 'was declined' : 'failed'} after ${seconds(report.totalMs)}`
  const now = `this ${command} took ${seconds(report.totalMs)}`
  if (!previous || previous.totalMs <= 0) return now
  const change = (report.totalMs - previous.totalMs) / previous.totalMs
  // Under a second apart is noise (process start-up, a busy machine), whatever percentage it makes of a short run.
  const word =
    Math.abs(change) < 0.05 || Math.abs(report.totalMs - previous.totalMs) < 1000
      ? 'about as long as'
      : `${Math.round(Math.abs(change) * 100)}% ${change < 0 ? 'faster than' : 'slower than'}`
  return `${now}, ${word} the previous ${kindOfRun(command, previous)} (${previous.finishedAt.slice(0, 16).replace('T', ' ')}, ${seconds(previous.totalMs)})`
}

/** What the run compared with was, so the comparison says it is like with like. */
function kindOfRun(command: string, previous: SavedRun): string {
  if (previous.built === undefined) return 'one'
  if (command === 'bootstrap') return previous.built ? 'rebuild' : 're-run'
  if (command === 'destroy') return previous.built ? 'one that deleted the cluster' : 'one with nothing to delete'
  return 'one'
}

/** Steps a run found already done: what a re-run skipped. A step that had no work (a check that passed) skipped nothing. */
export function skippedSteps(report: RunReport): string[] {
  return report.steps.filter((step) => step.status === 'done' && !step.verdict).map((step) => step.name)
}

/** A run that ended only because the person answered no at a confirmation. */
export function declined(report: RunReport): boolean {
  const failed = report.steps.filter((step) => step.status === 'failed')
  return failed.length > 0 && failed.every((step) => isDeclined(step.error))
}
