import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { RunReport } from '../../../bootstrap/engine/run.js'
import { comparison, saveRunReport, skippedSteps } from '../../../bootstrap/ui/run-report.js'

const dir = mkdtempSync(path.join(os.tmpdir(), 'kindling-reports-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const run = (totalMs: number, statuses: Record<string, 'done' | 'applied'> = {}): RunReport => ({
  ok: true,
  dryRun: false,
  interrupted: false,
  totalMs,
  steps: Object.entries(statuses).map(([name, status]) => ({ name, title: name, status, timings: { total: 1 } })),
})

describe('run reports', () => {
  it('are saved outside Git and compared with the previous successful run of the same command', () => {
    const first = saveRunReport(dir, 'bootstrap', { ok: true, totalMs: 100_000 }, new Date('2026-11-30T04:00:00Z'))
    expect(first.previous).toBeUndefined()
    expect(JSON.parse(readFileSync(first.saved!.file, 'utf8'))).toMatchObject({ ok: true, totalMs: 100_000, finishedAt: '2026-11-30T04:00:00.000Z' })
    // A failed run is saved but never the baseline.
    saveRunReport(dir, 'bootstrap', { ok: false, totalMs: 5_000 }, new Date('2026-11-30T04:30:00Z'))
    saveRunReport(dir, 'destroy', { ok: true, totalMs: 1_000 }, new Date('2026-11-30T04:40:00Z'))
    const second = saveRunReport(dir, 'bootstrap', { ok: true, totalMs: 62_000 }, new Date('2026-11-30T05:00:00Z'))
    expect(second.previous).toMatchObject({ totalMs: 100_000, finishedAt: '2026-11-30T04:00:00.000Z' })
    expect(comparison('bootstrap', run(62_000), second.previous)).toBe(
      'this bootstrap took 62.0s, 38% faster than the previous re-run (2026-11-30 04:00, 100.0s)',
    )
    expect(comparison('bootstrap', run(130_000), second.previous)).toContain('30% slower than')
    expect(comparison('bootstrap', run(101_000), second.previous)).toContain('about as long as')
    expect(comparison('bootstrap', run(1_000), undefined)).toBe('this bootstrap took 1.0s')
    // A destroy with nothing to delete takes a fraction of a second: 0.2s against 0.4s is no trend.
    expect(comparison('destroy', run(400), { ...second.previous!, totalMs: 150 })).toContain(
      'took 0.4s, about as long as the previous one with nothing to delete',
    )
  })

  it('compare a rebuild with the previous rebuild and a re-run with the previous re-run, never one with the other', () => {
    const own = path.join(dir, 'kinds')
    const steps = (cluster: 'applied' | 'done', engine: 'applied' | 'done' = cluster) => [
      { name: 'preflight', status: 'done' },
      { name: 'cluster', status: cluster },
      { name: 'engine', status: engine },
      { name: 'push', status: 'applied' },
    ]
    const save = (totalMs: number, at: string, cluster: 'applied' | 'done', engine?: 'applied' | 'done') =>
      saveRunReport(own, 'bootstrap', { ok: true, totalMs, steps: steps(cluster, engine) }, new Date(at))
    // A first build (5 min), then a re-run that found everything in place (12s).
    expect(save(300_000, '2026-11-30T01:00:00Z', 'applied').previous).toBeUndefined()
    expect(save(12_000, '2026-11-30T02:00:00Z', 'done').previous).toBeUndefined()
    // destroy, then a rebuild: compared with the first build, not with the 12s re-run ("2400% slower").
    const rebuild = save(186_000, '2026-11-30T03:00:00Z', 'applied')
    expect(rebuild.previous).toMatchObject({ totalMs: 300_000, built: true })
    expect(comparison('bootstrap', run(186_000), rebuild.previous)).toBe(
      'this bootstrap took 186.0s, 38% faster than the previous rebuild (2026-11-30 01:00, 300.0s)',
    )
    // The re-run after it is compared with the earlier re-run, not with the rebuild ("94% faster").
    const rerun = save(11_800, '2026-11-30T04:00:00Z', 'done')
    expect(comparison('bootstrap', run(11_800), rerun.previous)).toBe(
      'this bootstrap took 11.8s, about as long as the previous re-run (2026-11-30 02:00, 12.0s)',
    )
    // The engine installed anew on a cluster that was there (an existing cluster after destroy) is a rebuild too.
    expect(save(90_000, '2026-11-30T05:00:00Z', 'done', 'applied').previous).toMatchObject({ totalMs: 186_000 })
    // destroy: deleting a cluster is not compared with a destroy that found nothing to delete.
    saveRunReport(own, 'destroy', { ok: true, totalMs: 300, steps: [{ name: 'cluster', status: 'done' }] }, new Date('2026-11-30T06:00:00Z'))
    const deleted = saveRunReport(
      own,
      'destroy',
      { ok: true, totalMs: 21_000, steps: [{ name: 'cluster', status: 'applied' }] },
      new Date('2026-11-30T07:00:00Z'),
    )
    expect(deleted.previous).toBeUndefined()
    expect(comparison('destroy', run(21_000), deleted.previous)).toBe('this destroy took 21.0s')
  })

  it('compare only a successful run: one that failed or was stopped early is not "faster"', () => {
    const previous = { file: 'x', finishedAt: '2026-11-30T04:00:00.000Z', totalMs: 300_000 }
    expect(comparison('bootstrap', { ...run(200), ok: false }, previous)).toBe('this bootstrap failed after 0.2s')
    expect(comparison('destroy', { ...run(1_500), ok: false, interrupted: true }, previous)).toBe('this destroy was stopped after 1.5s')
  })

  it('read only regular files: a named pipe or a folder among the reports is skipped, never opened', () => {
    const own = path.join(dir, 'pipes')
    mkdirSync(own)
    writeFileSync(
      path.join(own, '2026-11-30T03-00-00.000Z-bootstrap.json'),
      JSON.stringify({ ok: true, totalMs: 40_000, finishedAt: '2026-11-30T03:00:00.000Z' }),
    )
    // A pipe opened for reading waits for a writer: the run would never end.
    expect(spawnSync('mkfifo', [path.join(own, '2026-11-30T04-00-00.000Z-bootstrap.json')]).status).toBe(0)
    mkdirSync(path.join(own, '2026-11-30T04-30-00.000Z-bootstrap.json'))
    const saved = saveRunReport(own, 'bootstrap', { ok: true, totalMs: 50_000 }, new Date('2026-11-30T05:00:00Z'))
    expect(saved.previous).toMatchObject({ totalMs: 40_000, finishedAt: '2026-11-30T03:00:00.000Z' })
  })

  it('skip a report that is not one of their own: a foreign or hand-edited file never ends a run that finished', () => {
    const own = path.join(dir, 'foreign')
    mkdirSync(own)
    const good = { ok: true, totalMs: 40_000, finishedAt: '2026-11-30T03:00:00.000Z' }
    writeFileSync(path.join(own, '2026-11-30T03-00-00.000Z-bootstrap.json'), JSON.stringify(good))
    const foreign = [
      { ok: true, totalMs: 5, finishedAt: 5 },
      { ok: true, totalMs: 5, finishedAt: {} },
      { ok: true, totalMs: 5, finishedAt: '\u001b[2J' },
      { ok: true, totalMs: 1e308, finishedAt: '2026-11-30T03:30:00.000Z' },
      { ok: true, totalMs: '5', finishedAt: '2026-11-30T03:30:00.000Z' },
      { ok: 'yes', totalMs: 5, finishedAt: '2026-11-30T03:30:00.000Z' },
      null,
      [1, 2],
    ]
    foreign.forEach((document, i) => writeFileSync(path.join(own, `2026-11-30T04-00-0${i}.000Z-bootstrap.json`), JSON.stringify(document)))
    const saved = saveRunReport(own, 'bootstrap', { ok: true, totalMs: 50_000 }, new Date('2026-11-30T05:00:00Z'))
    expect(saved.previous).toMatchObject({ totalMs: good.totalMs, finishedAt: good.finishedAt })
    expect(comparison('bootstrap', run(50_000), saved.previous)).toBe(
      'this bootstrap took 50.0s, 25% slower than the previous re-run (2026-11-30 03:00, 40.0s)',
    )
  })

  it('say why a report could not be saved (a file where the folder belongs), and still never throw', () => {
    const blocked = path.join(dir, 'blocked')
    writeFileSync(blocked, 'not a folder')
    const saved = saveRunReport(path.join(blocked, 'lab'), 'bootstrap', { ok: true, totalMs: 1 })
    expect(saved.saved).toBeUndefined()
    expect(saved.problem).toBe(
      `the run report was not saved under ${path.join(blocked, 'lab')} (a part of that path is a file, not a folder); the run itself is not affected`,
    )
  })

  it('name what a re-run skipped as already done', () => {
    expect(skippedSteps(run(1, { cluster: 'done', 'root-sync': 'applied' }))).toEqual(['cluster'])
  })

  it('do not count a step that had no work (a check that passed) as skipped', () => {
    const report = run(1, { preflight: 'done', cluster: 'done' })
    report.steps[0]!.verdict = 'passed'
    expect(skippedSteps(report)).toEqual(['cluster'])
  })
})
