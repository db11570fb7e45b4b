import { parseArgs } from 'node:util'
import { KubeConfig } from '@kubernetes/client-node'
import { BadInputError, errorMessage, ExitCode, exitCodeOf, type ExitCode as ExitCodeValue } from '../engine/errors.js'
import { expandHome } from '../spec/load.js'
import type { Runner } from '../tools/runner.js'
import { formatError } from '../ui/format.js'
import { collectAnswers, writeSpec, type Prompter, type WizardAnswers } from '../ui/wizard.js'
import { findRepoRoot } from './repo.js'

export const WIZARD_HELP = `Usage: kindling wizard [flags]     (npx kindling wizard, npm run -s wizard --, devbox run wizard)

Write clusters/<name>/cluster.yaml for a first cluster. Asks on a terminal; every answer can be
given as a flag instead, so it also runs without one.

Flags:
      --name NAME              cluster name (folder under clusters/)
      --provider kind|existing
      --workers N              kind worker nodes (default 0)
      --kubeconfig FILE        existing: kubeconfig file (default ~/.kube/config)
      --context NAME           existing: the one context kindling may use
      --engine flux|argocd     (default flux)
      --repo URL               repository the engine reads (default: this checkout's origin)
      --branch NAME            (default main)
      --auth none|https        ssh is chosen for ssh:// and git@ URLs
      --token-env NAME         https: environment variable holding the token
      --[no-]crossplane        install Crossplane (default yes)
      --[no-]monitoring        install kube-prometheus-stack (default yes)
  -y, --yes                    replace an existing cluster.yaml
  -h, --help                   show this help

Exit codes: 0 written, 2 bad input or a missing answer without a terminal, 130 interrupted.
`

export interface WizardIo {
  stdout: (text: string) => void
  stderr: (text: string) => void
  cwd: string
  runner: Runner
  /** Present when a person can answer. */
  prompter?: Prompter
}

function parseWizardFlags(argv: readonly string[]): { answers: Partial<WizardAnswers>; yes: boolean; help: boolean } {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowNegative: true,
    options: {
      name: { type: 'string' },
      provider: { type: 'string' },
      workers: { type: 'string' },
      kubeconfig: { type: 'string' },
      context: { type: 'string' },
      engine: { type: 'string' },
      repo: { type: 'string' },
      branch: { type: 'string' },
      auth: { type: 'string' },
      'token-env': { type: 'string' },
      crossplane: { type: 'boolean' },
      monitoring: { type: 'boolean' },
      yes: { type: 'boolean', short: 'y', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  const oneOf = <T extends string>(flag: string, value: string | undefined, choices: readonly T[]): T | undefined => {
    if (value === undefined) return undefined
    if (!choices.includes(value as T)) throw new BadInputError(`--${flag} must be one of: ${choices.join(', ')}`)
    return value as T
  }
  const workers = values.workers === undefined ? undefined : Number(values.workers)
  if (workers !== undefined && !(Number.isInteger(workers) && workers >= 0)) throw new BadInputError('--workers must be a whole number')
  const answers: Partial<WizardAnswers> = {
    name: values.name,
    provider: oneOf('provider', values.provider, ['kind', 'existing'] as const),
    workers,
    kubeconfig: values.kubeconfig,
    context: values.context,
    engine: oneOf('engine', values.engine, ['flux', 'argocd'] as const),
    repoUrl: values.repo,
    branch: values.branch,
    auth: oneOf('auth', values.auth, ['none', 'https', 'ssh'] as const),
    tokenEnv: values['token-env'],
    crossplane: values.crossplane,
    monitoring: values.monitoring,
  }
  return { answers: Object.fromEntries(Object.entries(answers).filter(([, v]) => v !== undefined)) as Partial<WizardAnswers>, yes: Boolean(values.yes), help: Boolean(values.help) }
}

function kubeContexts(file: string): string[] {
  try {
    const config = new KubeConfig()
    config.loadFromFile(expandHome(file))
    return config.getContexts().map((context) => context.name)
  } catch {
    return []
  }
}

/** `npm run wizard`: ask (or read flags), validate, write the spec. Returns the exit code. */
export async function runWizard(argv: readonly string[], io: WizardIo): Promise<ExitCodeValue> {
  try {
    const { answers: given, yes, help } = parseWizardFlags(argv)
    if (help) {
      io.stdout(WIZARD_HELP)
      return ExitCode.ok
    }
    const repoRoot = findRepoRoot(io.cwd)
    const remote = await io.runner.run({ file: 'git', args: ['-C', repoRoot, 'remote', 'get-url', 'origin'], readOnly: true, okExitCodes: [2, 128] }).catch(() => undefined)
    const remoteUrl = remote?.exitCode === 0 ? remote.stdout.trim() || undefined : undefined
    const answers = await collectAnswers(given, io.prompter, { remoteUrl, contexts: kubeContexts(given.kubeconfig ?? '~/.kube/config') })
    const file = await writeSpec(repoRoot, answers, yes)
    io.stdout(`wrote ${file}\nnext: npm run bootstrap -- --cluster ${answers.name}   (add --dry-run to see the plan first)\n`)
    return ExitCode.ok
  } catch (error) {
    const wrapped = error instanceof Error && /Unknown option|argument/.test(error.message) && !(error instanceof BadInputError) ? new BadInputError(errorMessage(error)) : error
    io.stderr(`${formatError(wrapped, (t) => t).join('\n')}\n`)
    return exitCodeOf(wrapped)
  }
}
