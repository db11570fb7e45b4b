import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ExitCode, exitCodeOf } from '../../bootstrap/engine/errors.js'
import { homeFolder, stateDir, usableStateDir } from '../../bootstrap/state.js'

const dir = mkdtempSync(path.join(os.tmpdir(), 'kindling-state-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** The error `act` throws. */
function refusal(act: () => unknown): unknown {
  try {
    act()
  } catch (error) {
    return error
  }
  throw new Error('expected a refusal')
}

describe("kindling's places on this machine", () => {
  it('refuse a HOME that is empty, relative or not a folder (exit 2): the age key and reports would land in the repository, or in a folder made anywhere', () => {
    const file = path.join(dir, 'a-file')
    writeFileSync(file, '')
    for (const home of ['', 'rel/home', '.', '/tmp\n', path.join(dir, 'missing'), file, path.join(file, 'below')]) {
      const refused = refusal(() => homeFolder({ HOME: home }))
      expect(exitCodeOf(refused)).toBe(ExitCode.badInput)
      expect(String(refused)).toMatch(/^.*HOME=".*" is not (an absolute path to a folder|a folder that exists)/)
      expect((refused as { details: string[] }).details.join('\n')).toContain('set HOME to your home folder')
    }
    // The default state folder is under HOME: the same refusal, before anything is made there.
    expect(exitCodeOf(refusal(() => stateDir({ HOME: 'rel/home' })))).toBe(ExitCode.badInput)
    expect(homeFolder({ HOME: dir })).toBe(dir)
    expect(homeFolder({})).toBe(os.homedir())
  })

  it('refuse a state folder inside the repository (exit 2) or under a file (exit 3), so a dry run answers as the real run would', () => {
    const repo = path.join(dir, 'repo')
    mkdirSync(repo)
    const inside = refusal(() => usableStateDir(repo, { XDG_STATE_HOME: path.join(repo, 'state') }))
    expect(exitCodeOf(inside)).toBe(ExitCode.badInput)
    expect(String(inside)).toContain(`kindling's state folder ${path.join(repo, 'state', 'kindling')} is inside the repository ${repo}`)
    expect(exitCodeOf(refusal(() => usableStateDir(repo, { HOME: repo })))).toBe(ExitCode.badInput)
    const file = path.join(dir, 'state-file')
    writeFileSync(file, '')
    const underFile = refusal(() => usableStateDir(repo, { XDG_STATE_HOME: path.join(file, 'x') }))
    expect(exitCodeOf(underFile)).toBe(ExitCode.missingPrerequisite)
    expect(String(underFile)).toContain(`${file} is not a folder`)
    expect(usableStateDir(repo, { XDG_STATE_HOME: path.join(dir, 'elsewhere', 'state') })).toBe(path.join(dir, 'elsewhere', 'state', 'kindling'))
  })
})
