#!/usr/bin/env -S npx tsx
// Entry point of `npm run wizard` and `devbox run wizard`; all logic lives in bootstrap/.
import { runWizard } from '../bootstrap/cli/wizard.js'
import { ExecRunner } from '../bootstrap/tools/exec-runner.js'
import { Redactor } from '../bootstrap/tools/secrets.js'
import { terminalPrompter } from '../bootstrap/ui/prompts.js'

const interactive = Boolean(process.stdin.isTTY && process.stderr.isTTY) && process.env.CI !== 'true'
const code = await runWizard(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  cwd: process.cwd(),
  runner: new ExecRunner(new Redactor(), () => {}),
  prompter: interactive ? terminalPrompter : undefined,
})
process.exit(code)
