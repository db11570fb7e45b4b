import { CommandError, formatCommand, type Command, type RunResult, type Runner } from './runner.js'

/** A scripted reply: matched against the pasteable command line. */
export interface Reply {
  match: string | RegExp
  exitCode?: number
  stdout?: string
  stderr?: string
}

/**
 * Records every command and answers from a script; for tests of code that drives CLIs
 * (kind, docker, git) where the real program cannot run. Unmatched commands succeed silently.
 */
export class RecordingRunner implements Runner {
  readonly commands: Command[] = []

  constructor(private readonly replies: Reply[] = []) {}

  get lines(): string[] {
    return this.commands.map(formatCommand)
  }

  async run(command: Command): Promise<RunResult> {
    this.commands.push(command)
    const line = formatCommand(command)
    const reply = this.replies.find((r) => (typeof r.match === 'string' ? line.startsWith(r.match) : r.match.test(line)))
    const result = { command: line, exitCode: reply?.exitCode ?? 0, stdout: reply?.stdout ?? '', stderr: reply?.stderr ?? '' }
    if (result.exitCode !== 0 && !(command.okExitCodes ?? []).includes(result.exitCode)) {
      throw new CommandError(line, result.exitCode, result.stderr)
    }
    return result
  }
}
