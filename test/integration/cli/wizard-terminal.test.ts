import { execFileSync, spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ExitCode } from '../../../bootstrap/engine/errors.js'

// The wizard as a first-time user meets it: `kindling wizard` (bin/kindling.js, built as shipped)
// on a real pseudo-terminal (`script`), answered key by key, with the slips people make. Each bad
// answer must be shown as wrong and asked again on the spot; the spec it writes must load, and the
// dry run must get past the spec (to the missing Docker of this machine, exit 3, after its plan).

const ROOT = path.resolve(import.meta.dirname, '../../..')
const CLI = path.join(ROOT, 'bin', 'kindling.js')
const TOKEN = 'ghp_WizardSentinelToken0123456789abcdef'
const dirs: string[] = []

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

/** A new checkout of a GitOps repository: a clusters/ folder and nothing else, no remote. */
function newRepository(): { root: string; home: string } {
  const root = mkdtempSync(path.join(os.tmpdir(), 'kindling-wizard-'))
  dirs.push(root)
  mkdirSync(path.join(root, 'clusters'))
  // The user's home is elsewhere: keys kindling makes there must stay out of the repository.
  const home = mkdtempSync(path.join(os.tmpdir(), 'kindling-wizard-home-'))
  dirs.push(home)
  execFileSync('git', ['init', '--quiet', '--initial-branch=main'], { cwd: root })
  return { root, home }
}

/** A user at a terminal: not CI, a home and state of their own, nothing on PATH but the basics. */
function terminalEnv(home: string): NodeJS.ProcessEnv {
  const { CI: _ci, NO_COLOR: _noColor, FORCE_COLOR: _forceColor, ...env } = process.env
  return { ...env, TERM: 'xterm', HOME: home, XDG_STATE_HOME: path.join(home, 'state'), XDG_CONFIG_HOME: path.join(home, 'config') }
}

/** The screen as text: escape sequences dropped. */
// eslint-disable-next-line no-control-regex -- stripping terminal escapes is the point
const plain = (text: string): string => text.replace(/\u001b\[[0-9;?]*[a-zA-Z]|\u001b[()][0-9A-Z]|\r/g, '')

interface Terminal {
  /** Wait until the screen (since the last answer) shows `pattern`, then type `keys`. */
  answer(pattern: RegExp, keys: string): Promise<string>
  exited: Promise<number | null>
  output(): string
  /** What the terminal received, escape sequences included. */
  raw(): string
}

/** `kindling <args>` on a terminal; `redirect` is shell text after it (`| tee log`, `</dev/null`). */
function openTerminal(args: string[], cwd: string, env: NodeJS.ProcessEnv, redirect = ''): Terminal {
  const command = [process.execPath, CLI, ...args].map((part) => `'${part}'`).join(' ')
  // A pipe after the command needs the shell that starts it: `exec` would leave nothing to read it.
  const run = redirect ? `${command} ${redirect}` : `exec ${command}`
  const child: ChildProcessWithoutNullStreams = spawn('script', ['-qfec', `stty cols 200 rows 50; ${run}`, '/dev/null'], { cwd, env })
  let output = ''
  let seen = 0
  const waiters: (() => void)[] = []
  const onData = (chunk: Buffer): void => {
    output += chunk.toString()
    for (const wake of waiters.splice(0)) wake()
  }
  child.stdout.on('data', onData)
  child.stderr.on('data', onData)
  const guard = setTimeout(() => child.kill('SIGKILL'), 60_000)
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => (clearTimeout(guard), resolve(code))))
  return {
    exited,
    output: () => plain(output),
    raw: () => output,
    async answer(pattern, keys) {
      const deadline = Date.now() + 20_000
      for (;;) {
        const screen = plain(output.slice(seen))
        if (pattern.test(screen)) {
          seen = output.length
          // The prompt draws before it listens to keys: a moment, then type.
          await new Promise((resolve) => setTimeout(resolve, 150))
          child.stdin.write(keys)
          return screen
        }
        if (Date.now() > deadline) throw new Error(`the terminal never showed ${pattern}; it shows:\n${screen.slice(-2000)}`)
        await new Promise<void>((resolve) => {
          waiters.push(resolve)
          setTimeout(resolve, 200)
        })
      }
    },
  }
}

const ENTER = '\r'
const ERASE = '\u007f'.repeat(60)
const DOWN = '\u001b[B'

describe('the wizard on a real terminal, answered as a new user would', () => {
  it('asks again at once after each bad answer, never echoes a token, and writes a spec the dry run accepts', async () => {
    const { root, home } = newRepository()
    const term = openTerminal(['wizard'], root, terminalEnv(home))
    // A name the spec refuses, then a good one.
    await term.answer(/Cluster name/, `My_Lab${ENTER}`)
    // Each wait for an error line under the question is the check: an answer taken would move on
    // to the next question, and the wait would time out naming what the terminal showed instead.
    await term.answer(/> .*must/, `${ERASE}lab${ENTER}`)
    await term.answer(/Where does the cluster run\?/, ENTER)
    // 100 workers, then 1.
    await term.answer(/Worker nodes/, `${ERASE}100${ENTER}`)
    await term.answer(/> .*from 0 to 10/, `${ERASE}1${ENTER}`)
    await term.answer(/Host port for HTTP /, ENTER)
    await term.answer(/Host port for HTTPS/, ENTER)
    await term.answer(/GitOps engine/, ENTER)
    // Not a URL, then a private remote over HTTPS.
    await term.answer(/repository/i, `${ERASE}not a url${ENTER}`)
    await term.answer(/> .*must be an https:\/\//, `${ERASE}https://git.lab.invalid/me/lab.git${ENTER}`)
    await term.answer(/Branch/, ENTER)
    await term.answer(/Repository access/, `${DOWN}${ENTER}`)
    // The token itself where its variable's name belongs: refused without showing it, then the name.
    await term.answer(/Name of the environment variable holding the token/, `${ERASE}${TOKEN}${ENTER}`)
    const tokenError = await term.answer(/> .*looks like a token/, `${ERASE}LAB_GIT_TOKEN${ENTER}`)
    expect(tokenError).toMatch(/not the name of an environment variable/)
    // A yes/no question answered with neither: asked again, not taken as the default.
    await term.answer(/Install Crossplane/, `maybe${ENTER}`)
    await term.answer(/> answer y or n/, `${ERASE}y${ENTER}`)
    await term.answer(/Clouds Crossplane may create databases in/, ENTER)
    await term.answer(/Install Prometheus and Grafana/, ENTER)
    await term.answer(/Deploy the example app/, ENTER)
    await term.answer(/Encrypt secrets in Git with SOPS/, ENTER)
    await term.answer(/Write clusters\/lab\/ with these answers\?/, ENTER)
    await term.answer(/Bootstrap lab now\?/, `n${ENTER}`)
    const code = await term.exited
    const output = term.output()
    expect(code, output).toBe(ExitCode.ok)
    // Only the echo of the keys typed may show the token; no line the wizard printed repeats it.
    const printed = output.split('\n').filter((line) => !line.includes('Name of the environment variable'))
    expect(printed.join('\n')).not.toContain(TOKEN)

    const spec = readFileSync(path.join(root, 'clusters', 'lab', 'cluster.yaml'), 'utf8')
    expect(spec).not.toContain(TOKEN)
    expect(spec).toMatch(/workers: 1\b/)
    expect(spec).toMatch(/url: https:\/\/git\.lab\.invalid\/me\/lab\.git/)
    expect(spec).toMatch(/tokenEnv: LAB_GIT_TOKEN/)

    // The spec it wrote loads: the dry run gets past it to this machine's missing Docker (exit 3), after the plan.
    const dryRun = spawnSync(process.execPath, [CLI, 'bootstrap', '-c', 'lab', '--dry-run', '--yes'], {
      cwd: root,
      env: { ...terminalEnv(home), CI: 'true', PATH: '/usr/bin:/bin', LAB_GIT_TOKEN: 'a-token-for-the-dry-run-0123' },
      encoding: 'utf8',
      timeout: 60_000,
    })
    expect(dryRun.status, dryRun.stdout + dryRun.stderr).toBe(ExitCode.missingPrerequisite)
    expect(dryRun.stdout).toContain('Plan (dry run: nothing was changed)')
    expect(dryRun.stderr).not.toMatch(/not a valid cluster spec/)
  }, 120_000)

  it('Ctrl-C halfway exits 130 and writes nothing', async () => {
    const { root, home } = newRepository()
    const term = openTerminal(['wizard'], root, terminalEnv(home))
    await term.answer(/Cluster name/, `${ERASE}lab${ENTER}`)
    await term.answer(/Where does the cluster run\?/, '\u0003')
    expect(await term.exited, term.output()).toBe(ExitCode.interrupted)
    expect(existsSync(path.join(root, 'clusters', 'lab'))).toBe(false)
  }, 60_000)
})

describe('who is asked: a person types on stdin and reads the questions on stderr, wherever stdout goes', () => {
  it('wizard | tee: the bootstrap it offers asks on the terminal too, instead of refusing the push as if nobody were there', async () => {
    const { root, home } = newRepository()
    const log = path.join(home, 'wizard.log')
    // No kind, Docker or helm here: the bootstrap stops at its preflight (exit 3), before anything is made.
    const term = openTerminal(
      ['wizard', '-c', 'lab', '--provider', 'kind', '--repo', '', '--no-crossplane', '--no-monitoring'],
      root,
      { ...terminalEnv(home), PATH: '/usr/bin:/bin' },
      `| tee '${log}'`,
    )
    for (const question of [
      /Worker nodes/,
      /Host port for HTTP /,
      /Host port for HTTPS/,
      /GitOps engine/,
      /Branch/,
      /example app/,
      /SOPS/,
      /Write clusters\/lab\//,
    ])
      await term.answer(question, ENTER)
    await term.answer(/Bootstrap lab now\?/, `y${ENTER}`)
    expect(await term.exited, term.output()).toBe(0)
    const output = term.output()
    // The script's own exit is tee's; the bootstrap's verdict is in what it printed.
    expect(output).toContain('kind installed: kind is not installed')
    expect(output).not.toMatch(/push answer|cannot ask before pushing/)
    expect(output).toContain('to run it again: npx kindling bootstrap -c lab (the spec stays as written: no need to answer the wizard again)')
    // stdout went to the file, plain: the progress lines, and no question drawn there.
    const saved = readFileSync(log, 'utf8')
    expect(saved).toContain('wrote clusters/lab/cluster.yaml')
    expect(saved).toContain('Check prerequisites')
    expect(saved).not.toContain('Bootstrap lab now')
    expect(saved).not.toContain('\u001b')
  }, 120_000)

  it('bootstrap </dev/null on a terminal, or with --json: nobody can agree to the push, so preflight says so, and why, before anything is made', async () => {
    const { root, home } = newRepository()
    const written = spawnSync(process.execPath, [CLI, 'wizard', '-c', 'lab'], { cwd: root, env: terminalEnv(home), encoding: 'utf8', timeout: 60_000 })
    expect(written.status, written.stderr).toBe(ExitCode.ok)
    const term = openTerminal(['bootstrap', '-c', 'lab'], root, { ...terminalEnv(home), PATH: '/usr/bin:/bin' }, '</dev/null')
    expect(await term.exited, term.output()).toBe(ExitCode.missingPrerequisite)
    expect(term.output()).toContain('push answer: off a terminal bootstrap cannot ask before pushing clusters/lab/')
    // On the terminal, with --json: asked nothing, and told that --json is why.
    const json = openTerminal(['bootstrap', '-c', 'lab', '--json'], root, { ...terminalEnv(home), PATH: '/usr/bin:/bin' })
    expect(await json.exited, json.output()).toBe(ExitCode.missingPrerequisite)
    expect(json.output()).toContain('push answer: under --json bootstrap cannot ask before pushing clusters/lab/')
  }, 60_000)
})

describe('colour on a real terminal', () => {
  it('NO_COLOR: a dry run prints no escape sequence at all (no colour, no live redrawing); without it, the terminal gets both', async () => {
    const { root, home } = newRepository()
    const written = spawnSync(process.execPath, [CLI, 'wizard', '-c', 'lab'], { cwd: root, env: terminalEnv(home), encoding: 'utf8', timeout: 60_000 })
    expect(written.status, written.stderr).toBe(ExitCode.ok)
    const run = async (env: NodeJS.ProcessEnv): Promise<string> => {
      const term = openTerminal(['bootstrap', '-c', 'lab', '--dry-run', '--yes'], root, { ...env, PATH: '/usr/bin:/bin' })
      expect(await term.exited, term.output()).toBe(ExitCode.missingPrerequisite)
      expect(term.output()).toContain('Plan (dry run: nothing was changed)')
      return term.raw()
    }
    expect(await run(terminalEnv(home))).toContain('\u001b[')
    expect(await run({ ...terminalEnv(home), NO_COLOR: '1' })).not.toContain('\u001b')
  }, 120_000)
})
