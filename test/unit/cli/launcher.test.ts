import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { colorEnabled } from '../../../bootstrap/ui/color.js'

// bin/kindling.js as `npx kindling` runs it: commands, version and bad input without a stack trace.

const ROOT = path.resolve(import.meta.dirname, '../../..')
const BIN = path.join(ROOT, 'bin', 'kindling.js')
const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8' })

describe('the kindling launcher', () => {
  it('prints the package version', () => {
    const version = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version
    expect(execFileSync(process.execPath, [BIN, '--version'], { encoding: 'utf8' })).toBe(`${version}\n`)
  })

  it('lists the commands on --help and exits 0; with no command it exits 2', () => {
    const help = run('--help')
    expect(help.status).toBe(0)
    for (const command of ['bootstrap', 'status', 'destroy', 'wizard']) expect(help.stdout).toMatch(new RegExp(`^  ${command} `, 'm'))
    // Without a command the usage is the error's fix, on stderr, so nothing reads it as output.
    const none = run()
    expect(none.status).toBe(2)
    expect(none.stdout).toBe('')
    expect(none.stderr).toMatch(/^error: no command given\n\nUsage: kindling <command>/)
  })

  it('says flags go after the command when one comes first', () => {
    const result = run('--json', 'status')
    expect(result.status).toBe(2)
    expect(result.stderr).toContain('put the command first and its flags after it: kindling status [flags]')
  })

  it('refuses an unknown command with exit 2, naming it and the known ones, without a stack trace', () => {
    const result = run('boostrap')
    expect(result.status).toBe(2)
    expect(result.stderr).toContain('unknown command "boostrap"')
    expect(result.stderr).toContain('bootstrap, status, destroy, wizard')
    expect(result.stderr).not.toMatch(/\n\s+at /)
    const verbose = run('-v')
    expect(verbose.status).toBe(2)
    expect(verbose.stderr).toContain("-v is a command's --verbose; the version is kindling --version")
  })

  it('under npm, names the flags npm kept for itself when they came before --, with the line that passes them on', () => {
    const npm = { npm_lifecycle_event: 'status', npm_config_call: 'homelab', npm_config_json: 'true', npm_config_yes: '', npm_config_dry_run: 'false' }
    const env = { ...process.env, ...npm }
    const result = spawnSync(process.execPath, [BIN, 'status'], { cwd: ROOT, encoding: 'utf8', env })
    expect(result.status).toBe(2)
    expect(result.stderr).toContain(
      "note: npm kept -c, --json for itself, so kindling did not get them: put kindling's flags after --, as in npm run -s status -- -c homelab --json\n",
    )
    // Flags given after -- reach kindling, and npm's variables of another script say nothing about this one.
    const afterDashes = { ...env, npm_config_call: '', npm_config_json: '' }
    expect(spawnSync(process.execPath, [BIN, 'status', '--bogus'], { cwd: ROOT, encoding: 'utf8', env: afterDashes }).stderr).not.toContain('npm kept')
    expect(spawnSync(process.execPath, [BIN, 'destroy', '--bogus'], { cwd: ROOT, encoding: 'utf8', env }).stderr).not.toContain('npm kept')
  })

  it('under npm, names --no-push when npm kept it, and not --push, which is no flag of kindling', () => {
    const npm = (push: string) => ({ ...process.env, npm_lifecycle_event: 'bootstrap', npm_config_push: push })
    const noPush = spawnSync(process.execPath, [BIN, 'bootstrap', '--bogus'], { cwd: ROOT, encoding: 'utf8', env: npm('') })
    expect(noPush.status).toBe(2)
    expect(noPush.stderr).toContain(
      "error: npm kept --no-push for itself, so kindling did not get it; without --no-push it would commit and push, so nothing was run\n  put kindling's flags after --, as in npm run -s bootstrap -- --no-push\n",
    )
    expect(spawnSync(process.execPath, [BIN, 'bootstrap', '--bogus'], { cwd: ROOT, encoding: 'utf8', env: npm('true') }).stderr).not.toContain('npm kept')
  })

  it('under npm, runs nothing when npm kept --dry-run or --no-push: the run would do what the person held back', () => {
    // Started as npm starts a script: the command in npm_lifecycle_event, npm's own settings beside it.
    const underNpm = (command: string, config: Record<string, string>) =>
      spawnSync(process.execPath, [BIN, command, '-c', 'homelab', '--yes'], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, npm_lifecycle_event: command, ...config },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
    // The cluster is a real one and --yes is given after --: without the stop, destroy would delete it.
    const destroy = underNpm('destroy', { npm_config_dry_run: 'true' })
    expect(destroy.status).toBe(2)
    expect(destroy.stdout).toBe('')
    expect(destroy.stderr).toBe(
      "error: npm kept --dry-run for itself, so kindling did not get it; without --dry-run this would be a real destroy, so nothing was run\n  put kindling's flags after --, as in npm run -s destroy -- --dry-run\n",
    )
    const bootstrap = underNpm('bootstrap', { npm_config_push: '' })
    expect(bootstrap.status).toBe(2)
    expect(bootstrap.stderr).toContain('without --no-push it would commit and push, so nothing was run\n')
    expect(bootstrap.stderr).not.toContain('Check prerequisites')
  })

  it("under npm, names the wizard's flags npm kept, and none a command does not take, so the line shown runs", () => {
    const npm = (command: string, config: Record<string, string>) => ({ ...process.env, npm_lifecycle_event: command, ...config })
    const wizard = spawnSync(process.execPath, [BIN, 'wizard', '2'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: npm('wizard', { npm_config_workers: 'true', npm_config_crossplane: '', npm_config_sops: 'true' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    expect(wizard.status).toBe(2)
    expect(wizard.stderr).toContain(
      "note: npm kept --workers, --no-crossplane, --sops for itself, so kindling did not get them: put kindling's flags after --, as in npm run -s wizard -- --workers N --no-crossplane --sops\n",
    )
    // status takes no --dry-run, and schema no flag at all: nothing of theirs was lost.
    const status = spawnSync(process.execPath, [BIN, 'status', '--bogus'], { cwd: ROOT, encoding: 'utf8', env: npm('status', { npm_config_dry_run: 'true' }) })
    expect(status.stderr).not.toContain('npm kept')
    const schema = spawnSync(process.execPath, [BIN, 'schema', '--bogus'], { cwd: ROOT, encoding: 'utf8', env: npm('schema', { npm_config_json: 'true' }) })
    expect(schema.stderr).not.toContain('npm kept')
  })

  it('under npm run from a subfolder, reads a relative path as typed there, not at the package root npm starts in', () => {
    const repo = mkdtempSync(path.join(os.tmpdir(), 'kindling-npm-'))
    try {
      execFileSync('git', ['init', '--quiet'], { cwd: repo })
      mkdirSync(path.join(repo, 'clusters', 'kube'), { recursive: true })
      writeFileSync(path.join(repo, 'package.json'), JSON.stringify({ name: 'gitops', private: true, scripts: { wizard: `node '${BIN}' wizard` } }))
      const contexts = {
        contexts: [{ name: 'lab-admin', context: { cluster: 'c', user: 'u' } }],
        clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:6443' } }],
      }
      writeFileSync(
        path.join(repo, 'clusters', 'kube', 'config'),
        JSON.stringify({ apiVersion: 'v1', kind: 'Config', users: [{ name: 'u', user: {} }], ...contexts }),
      )
      const args = ['run', '-s', 'wizard', '--', '-c', 'lab', '--kubeconfig', 'kube/config', '--context', 'lab-admin', '--repo', '']
      const env = { ...process.env, XDG_STATE_HOME: path.join(os.tmpdir(), 'kindling-npm-state') }
      const result = spawnSync('npm', args, { cwd: path.join(repo, 'clusters'), encoding: 'utf8', env, input: '' })
      expect(result.status, result.stderr).toBe(0)
      expect(readFileSync(path.join(repo, 'clusters', 'lab', 'cluster.yaml'), 'utf8')).toContain(`kubeconfig: ${path.join(repo, 'clusters', 'kube', 'config')}`)
      // What it wrote is named from where the person stands.
      expect(result.stdout).toContain('wrote lab/cluster.yaml\n')
    } finally {
      rmSync(repo, { recursive: true, force: true })
    }
  })

  it('repeats no token or URL password typed as the command, and cuts a long one short', () => {
    const token = run('ghp_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123')
    expect(token.status).toBe(2)
    expect(token.stderr).toContain('unknown command the value given (not printed: it looks like a token)')
    expect(token.stderr).not.toContain('ABCDEFGHIJ')
    expect(run('aZ3kP9qLmW2xR7tY5vB8nC1d').stderr).not.toContain('aZ3kP9qLmW2xR7tY5vB8nC1d')
    const url = run('https://u:S3CR3Tpw@h/x')
    expect(url.stderr).toContain('unknown command "https://***@h/x"')
    expect(url.stderr).not.toContain('S3CR3T')
    const long = run('x'.repeat(5000))
    expect(long.status).toBe(2)
    expect(long.stderr).toContain(`unknown command "${'x'.repeat(60)}…" (5000 characters)`)
    expect(long.stderr.length).toBeLessThan(300)
    const schema = run('schema', 'ghp_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123')
    expect(schema.status).toBe(2)
    expect(schema.stderr).toContain('schema takes no flags or arguments (got the value given (not printed: it looks like a token))')
  })

  it('exits only after a slow reader has taken all of a large --json document (a pipe holds 64 KiB)', async () => {
    const script = `import { exitAfterOutput } from './bootstrap/cli/entry.js'
process.stdout.write(JSON.stringify({ ok: true, plan: 'x'.repeat(300_000) }) + '\\n')
await exitAfterOutput(0)`
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] })
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
    // Nothing is read for a while: the process must wait for its reader, not exit and drop the rest.
    child.stdout.pause()
    await new Promise((resolve) => setTimeout(resolve, 1500))
    const chunks: Buffer[] = []
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk))
    child.stdout.resume()
    expect(await exited).toBe(0)
    expect(JSON.parse(Buffer.concat(chunks).toString('utf8'))).toMatchObject({ ok: true })
  }, 20_000)

  it('ends with its own exit code and no stack trace when the reader of its output has left (`kindling status | head -1`)', async () => {
    const closedStdout = async (...args: string[]): Promise<{ code: number | null; stderr: string }> => {
      const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
      // The reader leaves before the command writes anything: every write to stdout meets a closed pipe.
      child.stdout.destroy()
      let stderr = ''
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
      return { code, stderr }
    }
    for (const [args, code] of [
      [['status', '--help'], 0],
      [['bootstrap', '--json', '--bogus'], 2],
    ] as const) {
      const result = await closedStdout(...args)
      expect(result.stderr, args.join(' ')).not.toContain('EPIPE')
      expect(result.stderr, args.join(' ')).not.toMatch(/\n\s+at /)
      expect(result.code, args.join(' ')).toBe(code)
    }
  }, 20_000)

  it("hands the command's flags through: a command's --help is its own", () => {
    const result = run('status', '--help')
    expect(result.status).toBe(0)
    expect(result.stdout).toContain('Usage: kindling status')
    // `help <command>` is the same question, asked the other common way.
    const asked = run('help', 'status')
    expect(asked.status).toBe(0)
    expect(asked.stdout).toBe(result.stdout)
    // ...and about a command there is none of, the answer is that there is none (exit 2), not the usage.
    const unknown = run('help', 'nope')
    expect(unknown.status).toBe(2)
    expect(unknown.stdout).toBe('')
    expect(unknown.stderr).toContain('unknown command "nope"')
  })
})

describe("the launcher's choice between the build and the sources", () => {
  // A checkout of its own, so the test can age files without touching this one's build.
  function checkout(): string {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kindling-launcher-'))
    const files: Record<string, string> = {
      'package.json': '{"version": "0.0.0"}\n',
      'tsconfig.json': '{}\n',
      'tsconfig.build.json': '{}\n',
      'bootstrap/spec/schema.ts': 'export {}\n',
      'bootstrap/spec/cluster.schema.json': '{}\n',
      'scripts/status.ts': "process.stdout.write('sources\\n')\n",
      'dist/scripts/status.js': "process.stdout.write('build\\n')\n",
      'dist/scripts/bootstrap.js': '',
      'dist/.built': '',
    }
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(path.join(dir, path.dirname(file)), { recursive: true })
      writeFileSync(path.join(dir, file), text)
    }
    mkdirSync(path.join(dir, 'bin'))
    for (const file of readdirSync(path.dirname(BIN))) copyFileSync(path.join(path.dirname(BIN), file), path.join(dir, 'bin', file))
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'))
    const old = new Date(Date.now() - 60_000)
    for (const name of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
      if (name !== 'node_modules') utimesSync(path.join(dir, name), old, old)
    }
    return dir
  }
  const touch = (dir: string, file: string): void => utimesSync(path.join(dir, file), new Date(), new Date())
  const status = (dir: string): string => execFileSync(process.execPath, [path.join(dir, 'bin', 'kindling.js'), 'status'], { encoding: 'utf8' })

  it('keeps using the build after `kindling schema` regenerates the JSON Schema, which nothing compiled reads', () => {
    const dir = checkout()
    try {
      expect(status(dir)).toBe('build\n')
      touch(dir, 'bootstrap/spec/cluster.schema.json')
      expect(status(dir)).toBe('build\n')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 20_000)

  it('in a folder deleted under the shell: help answers, the wizard refuses with exit 2, --json stays JSON, never a stack trace', () => {
    const inGone = (...args: string[]) => {
      const gone = mkdtempSync(path.join(os.tmpdir(), 'kindling-gone-'))
      const line = ['cd', gone, '&&', 'rmdir', gone, '&&', 'exec', process.execPath, BIN, ...args].map((word) => `'${word}'`).join(' ')
      return spawnSync('bash', ['-c', line.replaceAll("'&&'", '&&')], {
        encoding: 'utf8',
        env: { ...process.env, XDG_STATE_HOME: path.join(os.tmpdir(), 'kindling-gone-state') },
      })
    }
    const help = inGone('wizard', '--help')
    expect(help.status, help.stderr).toBe(0)
    expect(help.stdout).toContain('Usage: kindling wizard')
    const wizard = inGone('wizard', '-c', 'zz', '--yes')
    expect(wizard.status).toBe(2)
    expect(wizard.stderr).toContain('the current folder no longer exists')
    expect(wizard.stderr).not.toMatch(/\n\s+at |uv_cwd/)
    const status = inGone('status', '--json')
    expect(status.status).toBe(2)
    expect(JSON.parse(status.stdout)).toMatchObject({ command: 'status', ok: false, exitCode: 2 })
  })

  it("`prepare` (npm ci, and the first `npx kindling`, which installs the checkout into npx's cache) compiles only when the build is stale", () => {
    const dir = checkout()
    try {
      // The check `prepare` runs before `npm run build`: exit 0 skips the build.
      const prepare = (): number | null => spawnSync(process.execPath, [path.join(dir, 'bin', 'build-state.js')]).status
      expect(prepare()).toBe(0)
      touch(dir, 'scripts/status.ts')
      expect(prepare()).toBe(1)
      expect(JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts.prepare).toBe('node bin/build-state.js || npm run build')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 20_000)

  it('runs the sources once a TypeScript file is newer than the build', () => {
    const dir = checkout()
    try {
      touch(dir, 'bootstrap/spec/schema.ts')
      expect(status(dir)).toBe('sources\n')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 20_000)
})

describe('colours', () => {
  it('follow NO_COLOR and FORCE_COLOR, and otherwise only a terminal', () => {
    expect(colorEnabled({}, true)).toBe(true)
    expect(colorEnabled({}, false)).toBe(false)
    expect(colorEnabled({ NO_COLOR: '1' }, true)).toBe(false)
    expect(colorEnabled({ TERM: 'dumb' }, true)).toBe(false)
    expect(colorEnabled({ FORCE_COLOR: '1' }, false)).toBe(true)
    expect(colorEnabled({ FORCE_COLOR: '0' }, true)).toBe(false)
  })

  it('with both NO_COLOR and FORCE_COLOR set, FORCE_COLOR wins without a warning from Node on stderr', () => {
    const env = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '1' }
    const result = spawnSync(process.execPath, [BIN, 'bootstrap', '-c', 'homelab', '--dry-run'], { cwd: ROOT, encoding: 'utf8', env })
    expect(result.stdout).toContain('\u001b[')
    expect(result.stderr).not.toContain('Warning')
    expect(result.stderr).not.toContain('NO_COLOR')
  }, 20_000)
})
