import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ExitCode, exitCodeOf } from '../../../bootstrap/engine/errors.js'
import { acquireRunLock } from '../../../bootstrap/engine/lock.js'
import { homeFolder, stateDir, usableStateDir } from '../../../bootstrap/state.js'
import { refusalOf } from '../support/refusal.js'

const dir = mkdtempSync(path.join(os.tmpdir(), 'kindling-locks-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const refusal = (work: () => unknown): unknown => refusalOf(work)

describe('the run lock of a cluster', () => {
  it('refuses a second holder while the first runs, naming it, with exit 3; free again once released', () => {
    const lock = acquireRunLock('lab', 'bootstrap', dir)
    let refusal: unknown
    try {
      acquireRunLock('lab', 'destroy', dir)
    } catch (error) {
      refusal = error
    }
    expect(exitCodeOf(refusal)).toBe(ExitCode.missingPrerequisite)
    expect(String(refusal)).toContain(`another kindling bootstrap of cluster lab is running (process ${process.pid}`)
    // Another cluster is not blocked.
    acquireRunLock('other', 'bootstrap', dir).release()
    lock.release()
    expect(existsSync(lock.file)).toBe(false)
    acquireRunLock('lab', 'bootstrap', dir).release()
  })

  it('shows what a live holder wrote escaped: an escape sequence put into the lock file never reaches the terminal', () => {
    const locks = path.join(dir, 'escaped')
    mkdirSync(locks)
    writeFileSync(
      path.join(locks, 'lab.lock'),
      JSON.stringify({ pid: process.pid, host: hostname(), command: 'bootstrap\u001b]0;x\u0007', startedAt: '\u001b[2Jnow' }),
    )
    const refused = refusal(() => acquireRunLock('lab', 'destroy', locks))
    expect(exitCodeOf(refused)).toBe(ExitCode.missingPrerequisite)
    expect(String(refused)).not.toContain('\u001b')
    expect(String(refused)).toContain(`is running (process ${process.pid}, since "\\u001b[2Jnow")`)
  })

  it('takes over a lock left by a run that was killed', () => {
    // A process that has exited: its pid is free (and not reused within this test).
    const dead = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' })
    const file = path.join(dir, 'killed.lock')
    writeFileSync(file, JSON.stringify({ pid: Number(dead.stdout.trim()), host: hostname(), command: 'bootstrap', startedAt: '2026-01-01T00:00:00Z' }))
    const lock = acquireRunLock('killed', 'bootstrap', dir)
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ pid: process.pid })
    lock.release()
  })

  it('takes over a lock file that is empty or half-written', () => {
    writeFileSync(path.join(dir, 'torn.lock'), '{"pid":')
    acquireRunLock('torn', 'bootstrap', dir).release()
  })
})

describe('where kindling keeps its state, when that place is unusable', () => {
  it('a file in the way of the locks folder, or a folder where the lock file goes, is named with the fix (exit 3, like every unusable state place)', () => {
    const file = path.join(dir, 'a-file')
    writeFileSync(file, '')
    const blocked = refusal(() => acquireRunLock('lab', 'bootstrap', path.join(file, 'locks')))
    expect(exitCodeOf(blocked)).toBe(ExitCode.missingPrerequisite)
    expect(String(blocked)).toContain(`cannot keep kindling's run locks in ${path.join(file, 'locks')}: a part of that path is a file, not a folder`)
    mkdirSync(path.join(dir, 'folder.lock'))
    const folder = refusal(() => acquireRunLock('folder', 'bootstrap', dir))
    expect(exitCodeOf(folder)).toBe(ExitCode.missingPrerequisite)
    expect(String(folder)).toContain(`${path.join(dir, 'folder.lock')} is a folder where kindling keeps the lock file of cluster folder`)
  })

  it('a named pipe where the lock file goes is named with the fix (exit 3), never opened (that would wait forever)', () => {
    const pipe = path.join(dir, 'piped.lock')
    expect(spawnSync('mkfifo', [pipe]).status).toBe(0)
    const refused = refusal(() => acquireRunLock('piped', 'destroy', dir))
    expect(exitCodeOf(refused)).toBe(ExitCode.missingPrerequisite)
    expect(String(refused)).toContain(`${pipe} is a named pipe (FIFO) where kindling keeps the lock file of cluster piped`)
    expect((refused as { details: string[] }).details).toEqual([`remove it (rm ${pipe}) and run this again`])
    // A device through a link is a device.
    symlinkSync('/dev/null', path.join(dir, 'device.lock'))
    expect(String(refusal(() => acquireRunLock('device', 'destroy', dir)))).toContain('is a device where kindling keeps the lock file of cluster device')
  })

  it('XDG_STATE_HOME under /proc, /sys or /dev is refused at once as bad input (a recursive mkdir under /proc never returns); a relative one is ignored', () => {
    const proc = refusal(() => stateDir({ XDG_STATE_HOME: '/proc/1' }))
    expect(exitCodeOf(proc)).toBe(ExitCode.badInput)
    expect(String(proc)).toContain('XDG_STATE_HOME=/proc/1 is a kernel file system')
    for (const kernel of ['/proc', '/sys/fs', '/dev', '/dev/null', '/dev/shmx'])
      expect(exitCodeOf(refusal(() => stateDir({ XDG_STATE_HOME: kernel })))).toBe(ExitCode.badInput)
    // Without XDG_STATE_HOME the folder comes from HOME, and the message names HOME.
    const home = refusal(() => stateDir({ HOME: '/proc' }))
    expect(exitCodeOf(home)).toBe(ExitCode.badInput)
    expect(String(home)).toContain('HOME=/proc, whose /proc/.local/state is a kernel file system')
    // A link into /proc leads there: the path it resolves to is what counts, not its text.
    const link = path.join(dir, 'proclink')
    symlinkSync('/proc', link)
    const linked = refusal(() => stateDir({ XDG_STATE_HOME: path.join(link, 'x', 'y') }))
    expect(exitCodeOf(linked)).toBe(ExitCode.badInput)
    expect(String(linked)).toContain(`XDG_STATE_HOME=${path.join(link, 'x', 'y')} (/proc/x/y) is a kernel file system`)
    // /dev/shm is a writable tmpfs, not a kernel file system.
    expect(stateDir({ XDG_STATE_HOME: '/dev/shm/ks' })).toBe('/dev/shm/ks/kindling')
    expect(stateDir({ XDG_STATE_HOME: 'relative/state' })).toBe(path.join(os.homedir(), '.local', 'state', 'kindling'))
    expect(stateDir({ XDG_STATE_HOME: '/srv/state' })).toBe('/srv/state/kindling')
  })

  it('refuses a HOME that is empty, relative or not a folder (exit 2): the age key and reports would land in the repository, or in a folder made anywhere', () => {
    const file = path.join(dir, 'a-file')
    writeFileSync(file, '')
    // A folder whose name holds a line separator is there, but would break every line that names it.
    const separated = path.join(dir, 'a\u2028b')
    mkdirSync(separated)
    for (const home of ['', 'rel/home', '.', '/tmp\n', separated, path.join(dir, 'missing'), file, path.join(file, 'below')]) {
      const refused = refusal(() => homeFolder({ HOME: home }))
      expect(exitCodeOf(refused)).toBe(ExitCode.badInput)
      expect(String(refused)).toMatch(
        /^.*HOME=".*" (is not an absolute path to a folder|is not a folder that exists|holds a line break or a control character)/,
      )
      expect((refused as { details: string[] }).details.join('\n')).toContain('set HOME to your home folder')
    }
    expect(String(refusal(() => homeFolder({ HOME: separated })))).toContain('holds a line break or a control character')
    // The default state folder is under HOME: the same refusal, before anything is made there.
    expect(exitCodeOf(refusal(() => stateDir({ HOME: 'rel/home' })))).toBe(ExitCode.badInput)
    expect(homeFolder({ HOME: dir })).toBe(dir)
    expect(homeFolder({})).toBe(os.homedir())
  })

  it('refuses a state folder inside the repository or under a file (exit 2), so a dry run answers as the real run would', () => {
    const repo = path.join(dir, 'repo')
    mkdirSync(repo)
    const inside = refusal(() => usableStateDir(repo, { XDG_STATE_HOME: path.join(repo, 'state') }))
    expect(exitCodeOf(inside)).toBe(ExitCode.badInput)
    expect(String(inside)).toContain(`kindling's state folder ${path.join(repo, 'state', 'kindling')} is inside the repository ${repo}`)
    expect(exitCodeOf(refusal(() => usableStateDir(repo, { HOME: repo })))).toBe(ExitCode.badInput)
    const file = path.join(dir, 'state-file')
    writeFileSync(file, '')
    const underFile = refusal(() => usableStateDir(repo, { XDG_STATE_HOME: path.join(file, 'x') }))
    expect(exitCodeOf(underFile)).toBe(ExitCode.badInput)
    expect(String(underFile)).toContain(`${file} is not a folder`)
    expect(usableStateDir(repo, { XDG_STATE_HOME: path.join(dir, 'elsewhere', 'state') })).toBe(path.join(dir, 'elsewhere', 'state', 'kindling'))
  })

  it('refuses a state folder that is a link into the repository (exit 2): the reports would land in the checkout', () => {
    const repo = path.join(dir, 'linked-repo')
    mkdirSync(path.join(repo, 'st'), { recursive: true })
    symlinkSync(path.join(repo, 'st'), path.join(dir, 'state-link'))
    const linked = refusal(() => usableStateDir(repo, { XDG_STATE_HOME: path.join(dir, 'state-link') }))
    expect(exitCodeOf(linked)).toBe(ExitCode.badInput)
    expect(String(linked)).toContain(`is inside the repository ${repo}`)
    mkdirSync(path.join(repo, 'h'))
    symlinkSync(path.join(repo, 'h'), path.join(dir, 'home-link'))
    expect(exitCodeOf(refusal(() => usableStateDir(repo, { HOME: path.join(dir, 'home-link') })))).toBe(ExitCode.badInput)
    // A cluster's reports folder linked into the checkout, the state folder itself outside it.
    const state = path.join(dir, 'linked-state')
    mkdirSync(path.join(state, 'kindling', 'reports'), { recursive: true })
    symlinkSync(path.join(repo, 'st'), path.join(state, 'kindling', 'reports', 'lab'))
    expect(usableStateDir(repo, { XDG_STATE_HOME: state }, 'other')).toBe(path.join(state, 'kindling'))
    const reports = refusal(() => usableStateDir(repo, { XDG_STATE_HOME: state }, 'lab'))
    expect(exitCodeOf(reports)).toBe(ExitCode.badInput)
    expect(String(reports)).toContain(
      `${path.join(state, 'kindling', 'reports', 'lab')} (through a link, ${path.join(repo, 'st')}) is inside the repository ${repo}`,
    )
  })
})
