import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { parse } from 'yaml'
import { BadInputError, errorMessage, ExitCode, exitCodeOf, type ExitCode as ExitCodeValue } from '../engine/errors.js'
import { redactUrlCredentials } from '../spec/credentials.js'
import { expandHome, specFileOf } from '../spec/load.js'
import type { Runner } from '../tools/runner.js'
import { formatError } from '../ui/format.js'
import { CLOUDS, collectAnswers, describeAnswers, isNetworkUrl, writeSpec, type Cloud, type Prompter, type WizardAnswers } from '../ui/wizard.js'
import { findRepoRoot } from './repo.js'

export const WIZARD_HELP = `Usage: kindling wizard [flags]     (npx kindling wizard, npm run -s wizard --, devbox run wizard)

Write clusters/<name>/cluster.yaml for a first cluster and the files bootstrap renders from it
(engine, root sync, components, the example app), then offer to bootstrap it. Asks on a
terminal, checking each answer with the spec's own rules as it is given; every answer can be a
flag instead, so it also runs without a terminal (and then never asks).

Flags:
  -c, --cluster NAME           cluster name, a folder under clusters/ (also --name)
      --provider kind|existing
      --workers N              kind: worker nodes, 0 to 10 (default 0)
      --http-port PORT         kind: host port for HTTP into the cluster (default 8080)
      --https-port PORT        kind: host port for HTTPS into the cluster (default 8443)
      --kubeconfig FILE        existing: kubeconfig file (default ~/.kube/config)
      --context NAME           existing: the one context kindling may use
      --engine flux|argocd     (default flux)
      --repo URL               repository the engine reads (default: this checkout's origin
                               when it is a network URL, else "": no remote, a Git server
                               inside the cluster that bootstrap pushes this checkout to)
      --branch NAME            (default main)
      --auth none|https        ssh is chosen for ssh:// and git@ URLs
      --token-env NAME         https: environment variable holding the token
      --[no-]crossplane        install Crossplane and the PostgresInstance API (default yes)
      --clouds LIST            Crossplane clouds for databases: azure,gcp,hetzner (default none)
      --gcp-project ID         gcp: the Google Cloud project the databases go in
      --[no-]monitoring        install kube-prometheus-stack (default yes)
      --[no-]apps              deploy the example app (default yes)
      --[no-]sops              encrypt secrets in Git with SOPS (default yes)
  -y, --yes                    replace an existing cluster.yaml; without a terminal, do not bootstrap
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
  /** Runs `kindling bootstrap -c <name>` when the person agrees; its exit code becomes the wizard's. */
  bootstrap?: (cluster: string) => Promise<ExitCodeValue>
}

function parseWizardFlags(argv: readonly string[]): { answers: Partial<WizardAnswers>; help: boolean } {
  let values: Record<string, string | boolean | undefined>
  try {
    values = parseArgs({
      args: [...argv],
      strict: true,
      allowNegative: true,
      options: {
        name: { type: 'string' },
        cluster: { type: 'string', short: 'c' },
        provider: { type: 'string' },
        workers: { type: 'string' },
        'http-port': { type: 'string' },
        'https-port': { type: 'string' },
        kubeconfig: { type: 'string' },
        context: { type: 'string' },
        engine: { type: 'string' },
        repo: { type: 'string' },
        branch: { type: 'string' },
        auth: { type: 'string' },
        'token-env': { type: 'string' },
        crossplane: { type: 'boolean' },
        clouds: { type: 'string' },
        'gcp-project': { type: 'string' },
        monitoring: { type: 'boolean' },
        apps: { type: 'boolean' },
        sops: { type: 'boolean' },
        yes: { type: 'boolean', short: 'y', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).values
  } catch (cause) {
    // `--workers -1` reads as a flag named 1: say what to write instead.
    const message = errorMessage(cause)
    const ambiguous = /Option '(--[\w-]+)[^']*' argument is ambiguous/.exec(message)
    throw new BadInputError(ambiguous ? `${ambiguous[1]}: a value starting with "-" is not valid here` : message.replace(/\. To specify.*$/s, ''), { details: ['see: kindling wizard --help'] })
  }
  const problems: string[] = []
  const oneOf = <T extends string>(flag: string, value: string | boolean | undefined, choices: readonly T[]): T | undefined => {
    if (value === undefined) return undefined
    if (!choices.includes(value as T)) problems.push(`--${flag}: must be one of: ${choices.join(', ')}`)
    return value as T
  }
  const number = (flag: string, value: string | boolean | undefined): number | undefined => {
    if (value === undefined) return undefined
    if (!/^\d+$/.test(String(value))) problems.push(`--${flag}: must be a whole number`)
    return Number(value)
  }
  if (values.name !== undefined && values.cluster !== undefined && values.name !== values.cluster) problems.push('--name and --cluster name the same thing: give one')
  const clouds = values.clouds === undefined ? undefined : String(values.clouds).split(',').map((cloud) => cloud.trim()).filter(Boolean)
  for (const cloud of clouds ?? []) if (!(CLOUDS as readonly string[]).includes(cloud)) problems.push(`--clouds: "${cloud}" is not one of ${CLOUDS.join(', ')}`)
  const answers: Partial<WizardAnswers> = {
    name: (values.cluster ?? values.name) as string | undefined,
    replace: values.yes ? true : undefined,
    provider: oneOf('provider', values.provider, ['kind', 'existing'] as const),
    workers: number('workers', values.workers),
    httpPort: number('http-port', values['http-port']),
    httpsPort: number('https-port', values['https-port']),
    kubeconfig: values.kubeconfig as string | undefined,
    context: values.context as string | undefined,
    engine: oneOf('engine', values.engine, ['flux', 'argocd'] as const),
    repoUrl: values.repo as string | undefined,
    branch: values.branch as string | undefined,
    auth: oneOf('auth', values.auth, ['none', 'https', 'ssh'] as const),
    tokenEnv: values['token-env'] as string | undefined,
    crossplane: values.crossplane as boolean | undefined,
    clouds: clouds as Cloud[] | undefined,
    gcpProject: values['gcp-project'] as string | undefined,
    monitoring: values.monitoring as boolean | undefined,
    apps: values.apps as boolean | undefined,
    sops: values.sops as boolean | undefined,
  }
  if (problems.length) throw new BadInputError(`invalid flags (${problems.length})`, { details: [...problems, 'see: kindling wizard --help'] })
  return { answers: Object.fromEntries(Object.entries(answers).filter(([, v]) => v !== undefined)) as Partial<WizardAnswers>, help: Boolean(values.help) }
}

/** The context names of a kubeconfig file (none when it cannot be read): plain YAML, no API client to load. */
function kubeContexts(file: string): string[] {
  try {
    const config = parse(readFileSync(expandHome(file), 'utf8')) as { contexts?: { name?: unknown }[] } | null
    return (config?.contexts ?? []).flatMap((context) => (typeof context?.name === 'string' ? [context.name] : []))
  } catch {
    return []
  }
}

/**
 * The files bootstrap renders under clusters/<name>/ (engine, root sync, components), written now
 * so they can be read before the first run; bootstrap finds them as it would write them. Returns
 * the files written, relative to the repository root.
 */
async function writeClusterFolder(repoRoot: string, name: string): Promise<string[]> {
  // Loaded only now: the questions above need none of the renderers.
  const [{ loadClusterSpec }, { renderedFiles }, { fileWrites }, { writeFileAction }] = await Promise.all([
    import('../spec/load.js'),
    import('../steps/gitops/push.js'),
    import('../steps/gitops/repo.js'),
    import('../engine/actions.js'),
  ])
  const spec = await loadClusterSpec(repoRoot, name)
  const writes = await fileWrites(spec, await renderedFiles(spec))
  for (const write of writes) await writeFileAction(write)
  return writes.map((write) => path.relative(repoRoot, write.path))
}

/** `kindling wizard`: ask (or read flags), validate, write the spec, offer to bootstrap. Returns the exit code. */
export async function runWizard(argv: readonly string[], io: WizardIo): Promise<ExitCodeValue> {
  try {
    const { answers: given, help } = parseWizardFlags(argv)
    if (help) {
      io.stdout(WIZARD_HELP)
      return ExitCode.ok
    }
    const repoRoot = findRepoRoot(io.cwd)
    const remote = await io.runner.run({ file: 'git', args: ['-C', repoRoot, 'remote', 'get-url', 'origin'], readOnly: true, okExitCodes: [2, 128] }).catch(() => undefined)
    const remoteUrl = remote?.exitCode === 0 ? remote.stdout.trim() || undefined : undefined
    // On a terminal and off it: a default nobody typed is said out loud.
    if (given.repoUrl === undefined && isNetworkUrl(remoteUrl)) {
      io.stderr(`note: the default repository is this checkout's origin, ${redactUrlCredentials(remoteUrl)}. The engine reads it and bootstrap pushes clusters/<name>/ to it: use a repository you own (your fork), not someone else's.\n`)
    }
    const answers = await collectAnswers(given, io.prompter, {
      remoteUrl,
      clusterExists: (name) => existsSync(specFileOf(repoRoot, name)),
      contextsOf: kubeContexts,
    })
    io.stderr(`\n${describeAnswers(answers).join('\n')}\n`)
    const file = await writeSpec(repoRoot, answers)
    io.stdout(`wrote ${path.relative(io.cwd, file) || file}\n`)
    const folder = await writeClusterFolder(repoRoot, answers.name)
    if (folder.length) io.stdout(`wrote ${folder.length} file(s) bootstrap renders from it under ${path.relative(io.cwd, path.dirname(file)) || '.'}/ (the engine, its root sync, the components): read them now; bootstrap commits and pushes them\n`)
    if (io.prompter && io.bootstrap && (await io.prompter.confirm({ message: `Bootstrap ${answers.name} now?`, default: true }))) return await io.bootstrap(answers.name)
    io.stdout(`next: kindling bootstrap -c ${answers.name}   (add --dry-run to see the plan first)\n`)
    return ExitCode.ok
  } catch (error) {
    const wrapped = error instanceof Error && /Unknown option|argument/.test(error.message) && !(error instanceof BadInputError) ? new BadInputError(errorMessage(error)) : error
    io.stderr(`${formatError(wrapped, (t) => t).join('\n')}\n`)
    return exitCodeOf(wrapped)
  }
}
