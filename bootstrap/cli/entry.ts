import { ExitCode } from '../engine/errors.js'
import type { CommandName } from './args.js'
import { runCommand } from './main.js'

/**
 * Wire a command to the real process: argv, stdout/stderr, TTY detection and signals.
 * The first Ctrl-C stops cleanly (running steps are cancelled, exit 130); a second one exits at once.
 */
export async function runEntry(command: CommandName): Promise<void> {
  const controller = new AbortController()
  let interrupts = 0
  const onSignal = (): void => {
    interrupts += 1
    if (interrupts > 1) process.exit(ExitCode.interrupted)
    process.stderr.write('\ninterrupted: stopping after cleaning up (Ctrl-C again to exit now)\n')
    controller.abort()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  const code = await runCommand(command, process.argv.slice(2), {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    isTTY: Boolean(process.stdout.isTTY) && process.env.CI !== 'true',
    cwd: process.cwd(),
    signal: controller.signal,
  })
  process.exit(code)
}
