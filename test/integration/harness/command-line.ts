import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { expect } from 'vitest'
import type { CommandName } from '../../../bootstrap/cli/args.js'
import { runCommand } from '../../../bootstrap/cli/main.js'
import type { KubeClient } from '../../../bootstrap/kube/client.js'
import { pinnedVersions } from '../../../bootstrap/tools/catalog.js'
import { ExecRunner } from '../../../bootstrap/tools/exec-runner.js'
import { formatCommand, type Command, type RunOptions, type RunResult, type Runner } from '../../../bootstrap/tools/runner.js'
import { Redactor } from '../../../bootstrap/tools/secrets.js'
import { FakeToolsRunner } from '../gitops/fakes.js'

/**
 * The processes the command line starts, recorded and run for real, except two tools this machine
 * lacks: helm (it could not pull the chart here; answered as FakeToolsRunner does) and age-keygen,
 * whose version the preflight asks for. Both answer at the versions devbox.json pins.
 */
export class CommandLineTools implements Runner {
  readonly commands: Command[] = []
  private readonly helm: FakeToolsRunner
  private readonly real = new ExecRunner(new Redactor())
  constructor(kube: KubeClient) {
    this.helm = new FakeToolsRunner(kube, '')
  }

  /** Every argument of every process started, one process a line. */
  get argumentLines(): string {
    return this.commands.map((command) => [command.file, ...command.args].join(' ')).join('\n')
  }

  async run(command: Command, options?: RunOptions): Promise<RunResult> {
    this.commands.push(command)
    const pinned = pinnedVersions()
    const answer = (stdout: string): RunResult => ({ command: formatCommand(command), exitCode: 0, stdout, stderr: '' })
    if (command.file === 'helm' && command.args[0] === 'version') return answer(`v${pinned.get('kubernetes-helm')}.0+g0000000`)
    if (command.file === 'age-keygen' && command.args[0] === '--version') return answer(`v${pinned.get('age')}.0`)
    if (command.file === 'helm') return this.helm.run(command)
    return this.real.run(command, options)
  }
}

/** One command as the command line runs it (off a terminal), with what it printed. */
export async function runCli(
  command: CommandName,
  argv: readonly string[],
  cwd: string,
  runner: Runner,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = { stdout: '', stderr: '' }
  const io = {
    stdout: (text: string) => void (out.stdout += text),
    stderr: (text: string) => void (out.stderr += text),
    isTTY: false,
    canAsk: false,
    cwd,
    signal: new AbortController().signal,
    runner,
  }
  return { code: await runCommand(command, argv, io), ...out }
}

/** Every file under `dir`, at any depth. */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name))
}

/** The files' contents, one after another: one text to search. */
export function contentsOf(files: readonly string[]): string {
  return files.map((file) => readFileSync(file, 'utf8')).join('\n')
}

/** Fails, naming the secret and the output, when any secret value appears in any output. */
export function expectNoSecretIn(outputs: Readonly<Record<string, string>>, secrets: Readonly<Record<string, string>>): void {
  for (const [secret, value] of Object.entries(secrets)) {
    for (const [where, text] of Object.entries(outputs)) expect(text.includes(value), `${secret} in ${where}`).toBe(false)
  }
}
