import { formatCommand, type Command, type RunOptions, type RunResult, type Runner } from './runner.js'
import type { Redactor } from './secrets.js'

/**
 * Runs read-only commands for real (checks need live answers) and records every other command
 * instead of running it, so a dry run can never change anything.
 */
export class DryRunRunner implements Runner {
  readonly skipped: string[] = []

  constructor(
    private readonly inner: Runner,
    private readonly redactor: Redactor,
  ) {}

  async run(command: Command, options?: RunOptions): Promise<RunResult> {
    if (command.readOnly) return this.inner.run(command, options)
    const line = this.redactor.redact(formatCommand(command))
    this.skipped.push(line)
    return { command: line, exitCode: 0, stdout: '', stderr: '' }
  }
}
