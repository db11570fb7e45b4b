#!/usr/bin/env -S npx tsx
// Entry point of `kindling wizard` (npx kindling, npm and devbox scripts); all logic lives in bootstrap/.
import { shellFolder } from '../bootstrap/cli/cwd.js'
import { exitAfterOutput, exitOnSignals, keepOnWhenReaderLeaves } from '../bootstrap/cli/entry.js'
import { personCanAnswer } from '../bootstrap/cli/terminal.js'
import { runWizard } from '../bootstrap/cli/wizard.js'
import { ExecRunner } from '../bootstrap/tools/exec-runner.js'
import { Redactor } from '../bootstrap/tools/secrets.js'
import { terminalPrompter } from '../bootstrap/ui/prompts.js'

keepOnWhenReaderLeaves()
const prompter = personCanAnswer() ? terminalPrompter : undefined
// On a terminal the prompt library answers signals itself (and puts the terminal back); a
// wizard that asks nothing is stopped here, with the commands it started.
if (!prompter) exitOnSignals('nothing written beyond any "wrote" line above; run the wizard again')
const code = await runWizard(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  cwd: shellFolder(),
  runner: new ExecRunner(new Redactor(), () => {}),
  prompter,
  // Accepted at the end of the wizard: the same bootstrap as `kindling bootstrap -c <name>`, signals included.
  bootstrap: async (cluster) => {
    const { runWithSignals } = await import('../bootstrap/cli/entry.js')
    return runWithSignals('bootstrap', ['--cluster', cluster])
  },
})
await exitAfterOutput(code)
