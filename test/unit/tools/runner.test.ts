import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { ExitCode, exitCodeOf, InterruptedError, PrerequisiteError } from '../../../bootstrap/engine/errors.js'
import { clip } from '../../../bootstrap/spec/quoting.js'
import { DryRunRunner } from '../../../bootstrap/tools/dry-run-runner.js'
import { killRunningGroups } from '../../../bootstrap/tools/children.js'
import { ExecRunner } from '../../../bootstrap/tools/exec-runner.js'
import { RecordingRunner } from '../../../bootstrap/tools/recording-runner.js'
import { CommandError, formatCommand } from '../../../bootstrap/tools/runner.js'
import { Redactor, Secret } from '../../../bootstrap/tools/secrets.js'

const node = process.execPath
// Tiny real programs instead of mocks: each is `node -e <script>`.
const program = (script: string) => ({ file: node, args: ['-e', script] })

describe('ExecRunner', () => {
  it('returns stdout, stderr and the exit code', async () => {
    const result = await new ExecRunner(new Redactor()).run(program('console.log("out"); console.error("err")'))
    expect(result).toMatchObject({ exitCode: 0, stdout: 'out', stderr: 'err' })
  })

  it('fails with the pasteable command, the exit code and the stderr tail', async () => {
    const error = await new ExecRunner(new Redactor())
      .run(program('for (let i = 0; i < 30; i++) console.error("line " + i); process.exit(4)'))
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CommandError)
    const failure = error as CommandError
    expect(failure.commandExitCode).toBe(4)
    expect(failure.command).toBe(`${node} -e 'for (let i = 0; i < 30; i++) console.error("line " + i); process.exit(4)'`)
    expect(failure.details).toHaveLength(15)
    expect(failure.details.at(-1)).toBe('line 29')
    expect(exitCodeOf(failure)).toBe(ExitCode.failed)
  })

  it('treats listed exit codes as results', async () => {
    const result = await new ExecRunner(new Redactor()).run({ ...program('process.exit(1)'), okExitCodes: [1] })
    expect(result.exitCode).toBe(1)
  })

  it('reports a missing program as a missing prerequisite with an install hint', async () => {
    const error = await new ExecRunner(new Redactor()).run({ file: 'kind-does-not-exist', args: [] }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(PrerequisiteError)
    expect((error as PrerequisiteError).message).toBe('kind-does-not-exist is not installed or not on PATH')
  })

  it('under --verbose, says which command each exit belongs to, and which one did not start: commands run side by side', async () => {
    const logged: string[] = []
    const runner = new ExecRunner(new Redactor(), (line) => logged.push(line))
    await Promise.all([
      runner.run({ ...program('setTimeout(() => process.exit(3), 300)'), okExitCodes: [3] }),
      runner.run(program('process.exit(0)')),
      runner.run({ file: 'kind-does-not-exist', args: ['version'] }).catch(() => undefined),
    ])
    // A long line is cut: what the exit belongs to is in its first 60 characters.
    const head = (line: string) => clip(line, 60)
    expect(logged).toContain(`  exit 0: ${head(`${node} -e 'process.exit(0)'`)}`)
    expect(logged).toContain(`  exit 3: ${head(`${node} -e 'setTimeout(() => process.exit(3), 300)'`)}`)
    expect(logged).toContain('  did not start: kind-does-not-exist version')
  })

  it('stops a command whose output never ends, and says so rather than only "exit 1"', async () => {
    const runner = new ExecRunner(new Redactor())
    const endless =
      'console.error("looping over ./a"); process.stdout.on("error", () => process.exit(1)); const b = "x".repeat(1 << 20) + "\\n"; const w = () => { while (process.stdout.write(b)); process.stdout.once("drain", w) }; w()'
    const error = await runner.run(program(endless)).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(CommandError)
    expect((error as CommandError).message).toMatch(/^command stopped \(too much output\): /)
    expect((error as CommandError).details).toEqual(['printed more than 100 MB, far more than it should; stopped it and what it started', 'looping over ./a'])
  })

  it('passes secrets through stdin and env only, and masks them in logs and errors', async () => {
    const redactor = new Redactor()
    const token = new Secret('tok-0123456789-abcdef', 'GITHUB_TOKEN')
    redactor.add(token)
    const logged: string[] = []
    const runner = new ExecRunner(redactor, (line) => logged.push(line))
    const ok = await runner.run({
      ...program('process.stdin.on("data", d => process.stdout.write(String(d).length + ":" + process.env.TOKEN.length))'),
      input: token,
      env: { TOKEN: token },
    })
    expect(ok.stdout).toBe('21:21')
    const error = (await runner
      .run({ ...program('console.error("denied for " + process.env.TOKEN); process.exit(2)'), env: { TOKEN: token } })
      .catch((e: unknown) => e)) as CommandError
    const everything = [...logged, error.message, ...error.details, ok.command].join('\n')
    expect(everything).not.toContain('tok-0123456789-abcdef')
    expect(error.details).toEqual(['denied for ***'])
    expect(logged[0]).toContain('TOKEN=<GITHUB_TOKEN>')
  })

  it('stops the process and raises an interrupt when the signal fires', async () => {
    const controller = new AbortController()
    const pending = new ExecRunner(new Redactor()).run(program('setTimeout(() => {}, 60000)'), { signal: controller.signal })
    setTimeout(() => controller.abort(), 50)
    await expect(pending).rejects.toBeInstanceOf(InterruptedError)
  })
})

/**
 * A command that starts a grandchild which holds the output pipes open (as `git` does with
 * `git-remote-https`), writes the grandchild's pid to a file, and waits for ever.
 */
function withGrandchild(): { command: { file: string; args: string[] }; grandchild: () => number; started: () => Promise<void> } {
  const pidFile = path.join(mkdtempSync(path.join(tmpdir(), 'kindling-runner-')), 'pid')
  const script = `const { spawn } = require('node:child_process'); const c = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 600000)'], { stdio: 'inherit' }); require('node:fs').writeFileSync(${JSON.stringify(pidFile)}, String(c.pid)); setTimeout(() => {}, 600000)`
  // On a loaded machine node can take seconds to start: wait for the grandchild, not a fixed time.
  const started = async (): Promise<void> => {
    for (let i = 0; i < 400 && !existsSync(pidFile); i++) await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return { command: program(script), grandchild: () => Number(readFileSync(pidFile, 'utf8')), started }
}

/** Running, not a zombie waiting for whoever adopted it to reap it. */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return false
  }
}

async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 40 && alive(pid); i++) await new Promise((resolve) => setTimeout(resolve, 50))
  return !alive(pid)
}

describe('ExecRunner deadlines', () => {
  it('stops a command at its deadline, with what it started, and says so', async () => {
    const { command, grandchild } = withGrandchild()
    const started = Date.now()
    const error = (await new ExecRunner(new Redactor()).run({ ...command, timeoutMs: 3000 }).catch((e: unknown) => e)) as CommandError
    expect(Date.now() - started).toBeLessThan(8000)
    expect(error).toBeInstanceOf(CommandError)
    expect(error.commandExitCode).toBe(124)
    expect(error.details.join('\n')).toMatch(/did not finish within 3 s/)
    expect(await gone(grandchild())).toBe(true)
  })

  it('stops what a cancelled command started, not only the command', async () => {
    const { command, grandchild, started } = withGrandchild()
    const controller = new AbortController()
    const pending = new ExecRunner(new Redactor()).run(command, { signal: controller.signal })
    await started()
    controller.abort()
    await expect(pending).rejects.toBeInstanceOf(InterruptedError)
    expect(await gone(grandchild())).toBe(true)
  })

  it('runs a command that may ask the person at the terminal in its own process group, and still stops it', async () => {
    const script = `process.stdout.write(require('node:fs').readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ')[2]); setTimeout(() => {}, 60000)`
    const controller = new AbortController()
    const pending = new ExecRunner(new Redactor()).run({ ...program(script), foreground: true }, { signal: controller.signal })
    setTimeout(() => controller.abort(), 500)
    await expect(pending).rejects.toBeInstanceOf(InterruptedError)
    const group = await new ExecRunner(new Redactor()).run({ ...program(script.replace('; setTimeout(() => {}, 60000)', '')), foreground: true })
    const own = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ')[2]
    expect(group.stdout).toBe(own)
  })

  it('kills every command still running when the process exits', async () => {
    const { command, grandchild, started } = withGrandchild()
    const pending = new ExecRunner(new Redactor()).run(command).catch((e: unknown) => e)
    await started()
    const pid = grandchild()
    killRunningGroups()
    expect(await pending).toBeInstanceOf(CommandError)
    expect(await gone(pid)).toBe(true)
  })
})

describe('ExecRunner stopping', () => {
  it('never signals its own process group (and the shell that started it) when a run is cancelled', async () => {
    // Cancelled at many moments against commands that start, fail to start and finish: a kill of a
    // command that never started once reached pid 0, this process's own group.
    let signalled = 0
    const onSignal = (): void => void (signalled += 1)
    process.on('SIGTERM', onSignal)
    try {
      for (const delay of [-1, 0, 1, 2, 5, 10, 20, 40]) {
        const controller = new AbortController()
        // -1: already stopped when the commands are asked for.
        if (delay < 0) controller.abort()
        const runner = new ExecRunner(new Redactor())
        const runs = [
          ...Array.from({ length: 3 }, () => runner.run({ file: 'kindling-no-such-command', args: [] }, { signal: controller.signal })),
          ...Array.from({ length: 3 }, () => runner.run({ file: 'sh', args: ['-c', 'exit 1'], okExitCodes: [1] }, { signal: controller.signal })),
          ...Array.from({ length: 3 }, () => runner.run(program('setTimeout(() => {}, 60000)'), { signal: controller.signal })),
        ]
        if (delay >= 0) setTimeout(() => controller.abort(), delay)
        await Promise.allSettled(runs)
      }
      await new Promise((resolve) => setTimeout(resolve, 300))
    } finally {
      process.off('SIGTERM', onSignal)
    }
    expect(signalled).toBe(0)
  })
})

describe('DryRunRunner', () => {
  it('runs read-only commands and records everything else without running it', async () => {
    const inner = new RecordingRunner([{ match: 'kind get clusters', stdout: 'homelab' }])
    const runner = new DryRunRunner(inner, new Redactor())
    expect((await runner.run({ file: 'kind', args: ['get', 'clusters'], readOnly: true })).stdout).toBe('homelab')
    await runner.run({ file: 'kind', args: ['delete', 'cluster', '--name', 'homelab'] })
    expect(inner.lines).toEqual(['kind get clusters'])
    expect(runner.skipped).toEqual(['kind delete cluster --name homelab'])
  })
})

describe('formatCommand', () => {
  it('quotes arguments the way a shell needs them and shows stdin', () => {
    expect(formatCommand({ file: 'kind', args: ['create', 'cluster', '--config', '-'], input: 'x' })).toBe('kind create cluster --config - < <stdin>')
    expect(formatCommand({ file: 'sh', args: ['-c', "echo 'hi' there"] })).toBe(`sh -c 'echo '\\''hi'\\'' there'`)
  })
})

describe('Redactor', () => {
  it('masks whole secrets and each long line of a multi-line key', () => {
    const redactor = new Redactor()
    redactor.add(new Secret('AGE-SECRET-KEY-1ABCDEFGHIJKLMNOPQRSTUVWXYZ\nsecond-line-of-the-key-material', 'age key'))
    expect(redactor.redact('key: AGE-SECRET-KEY-1ABCDEFGHIJKLMNOPQRSTUVWXYZ; then second-line-of-the-key-material')).toBe('key: ***; then ***')
  })

  it('masks a secret percent-encoded in a URL and base64-encoded in a Secret, not only as typed', () => {
    const password = 'p@ss/w0rd+with:signs'
    const redactor = new Redactor()
    redactor.add(new Secret(password, 'password'))
    const percent = encodeURIComponent(password)
    const base64 = Buffer.from(password).toString('base64')
    const said = redactor.redact(
      `git fetch https://example.org/?t=${percent}; data: {password: ${base64}}; jwt: ${Buffer.from(password).toString('base64url')}`,
    )
    expect(said).toBe('git fetch https://example.org/?t=***; data: {password: ***}; jwt: ***')
    // A URL's password keeps `+`, `&`, `$` and `,` as they are, where a query escapes them.
    const withSigns = 'p@ss+word&1'
    redactor.add(withSigns)
    const url = new URL('https://host/')
    url.password = withSigns
    expect([url.password, encodeURIComponent(withSigns)]).toEqual(['p%40ss+word&1', 'p%40ss%2Bword%261'])
    expect(redactor.redact(`${url.password} ${encodeURIComponent(withSigns)}`)).toBe('*** ***')
  })

  it('never masks short values that would hide ordinary words', () => {
    const redactor = new Redactor()
    redactor.add('abc')
    expect(redactor.redact('abc')).toBe('abc')
  })

  it('shows a label, never the value, when a Secret is printed by mistake', () => {
    const secret = new Secret('hunter2-hunter2', 'password')
    expect(`${secret}`).toBe('<secret password>')
    expect(JSON.stringify({ secret })).toBe('{"secret":"<secret password>"}')
  })
})
