import { existsSync } from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { parse } from 'yaml'
import { BadInputError, errorMessage, ExitCode, exitCodeOf, type ExitCode as ExitCodeValue } from '../engine/errors.js'
import { kubeconfigCheckCommand, kubeconfigTextProblem } from '../kube/kubeconfig.js'
import { quoted, redactUrlCredentials, urlCredentials } from '../spec/credentials.js'
import { DEFAULTS } from '../spec/defaults.js'
import { expandHome, specFileOf } from '../spec/load.js'
import { MAX_KUBECONFIG_BYTES, plainFileProblem, readPlainFile, UnusableFileError } from '../tools/files.js'
import type { Runner } from '../tools/runner.js'
import { Redactor } from '../tools/secrets.js'
import { formatError } from '../ui/format.js'
import { CLOUDS, collectAnswers, type Cloud, type InvalidFlags, type KubeContexts, type Prompter, type WizardAnswers } from '../ui/wizard.js'
import { isNetworkUrl } from '../ui/wizard-checks.js'
import { originNote } from '../ui/wizard-origin.js'
import { describeAnswers, writeSpec } from '../ui/wizard-spec.js'
import { contradictingRepeat, flagError, unexpectedArgument } from './args.js'
import { folderGoneError } from './cwd.js'
import { findRepoRoot } from './repo.js'
import { kindlingCommand } from '../project.js'

export const WIZARD_HELP = `Usage: kindling wizard [flags]     (npx kindling wizard, npm run -s wizard --, devbox run wizard)

Write clusters/<name>/cluster.yaml for a first cluster and the files bootstrap renders from it
(engine, root sync, components, the example app), then offer to bootstrap it. Asks on a
terminal, checking each answer with the spec's own rules as it is given, and shows a summary to
agree to before writing; every answer can be a flag instead, so it also runs without a terminal
(and then never asks).

Flags:
  -c, --cluster NAME           cluster name, a folder under clusters/ (also --name)
      --provider kind|existing
      --workers N              kind: worker nodes, 0 to 10 (default 0)
      --http-port PORT         kind: host port for HTTP into the cluster (default 8080)
      --https-port PORT        kind: host port for HTTPS into the cluster (default 8443);
                               neither may be ${DEFAULTS.kind.localRegistryPort}, the local registry's
      --kubeconfig FILE        existing: kubeconfig file (default: the first file in
                               $KUBECONFIG, else ~/.kube/config); with --context, and no
                               --provider, an existing cluster is meant
      --context NAME           existing: the one context kindling may use
      --engine flux|argocd     (default flux)
      --repo URL               repository the engine reads (default: this checkout's origin
                               when it is a network URL, else "" (or none): no remote, a Git
                               server inside the cluster that bootstrap pushes this checkout to)
      --branch NAME            (default main)
      --auth none|https|ssh    ssh (a deploy key) is the one for ssh:// and git@ URLs, and is
                               chosen for them
      --token-env NAME         https: environment variable holding the token (implies --auth https)
      --[no-]crossplane        install Crossplane and the PostgresInstance API (default yes)
      --clouds LIST            Crossplane clouds for databases: azure,gcp,hetzner (default none)
      --gcp-project ID         gcp: the Google Cloud project the databases go in (alone,
                               implies --clouds gcp)
      --[no-]monitoring        install kube-prometheus-stack (default yes)
      --[no-]apps              deploy the example app (default yes)
      --[no-]sops              encrypt secrets in Git with SOPS (default yes)
  -y, --yes                    replace an existing clusters/<name>/cluster.yaml without asking
  -h, --help                   show this help

A flag with a wrong value is asked for again on a terminal; flags that contradict each other
(--kubeconfig with --provider kind, --clouds or --gcp-project with --no-crossplane, --auth https
or --token-env with an SSH URL) stop the wizard before the first question.

Exit codes: 0 written (or declined at the summary: nothing written), 2 bad input or a missing
answer without a terminal, 130 interrupted; after you accept the offered bootstrap, the
bootstrap's own exit code.
`

export interface WizardIo {
  stdout: (text: string) => void
  stderr: (text: string) => void
  /** The folder the wizard runs in; undefined when it was deleted or moved away (refused after --help). */
  cwd: string | undefined
  runner: Runner
  /** Present when a person can answer. */
  prompter?: Prompter
  /** Runs `kindling bootstrap -c <name>` when the person agrees; its exit code becomes the wizard's. */
  bootstrap?: (cluster: string) => Promise<ExitCodeValue>
}

/**
 * The flags as answers. A value that is not one of its choices is left out and named in
 * `invalid`, so a person is asked for it and a run without a terminal lists it with the rest.
 */
function parseWizardFlags(argv: readonly string[]): { answers: Partial<WizardAnswers>; invalid: InvalidFlags; help: boolean } {
  let values: Record<string, string | boolean | undefined>
  let repeated: string | undefined
  try {
    const parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowNegative: true,
      allowPositionals: true,
      tokens: true,
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
    })
    values = parsed.values
    if (parsed.positionals.length > 0) throw unexpectedArgument('wizard', parsed.positionals[0]!)
    repeated = contradictingRepeat(parsed.tokens)
  } catch (cause) {
    if (cause instanceof BadInputError) throw cause
    // `--workers -1` reads as a flag with no value: say what to write instead.
    throw new BadInputError(flagError(cause), { details: ['see: kindling wizard --help'] })
  }
  if (repeated) throw new BadInputError(repeated, { details: ['see: kindling wizard --help'] })
  if (values.name !== undefined && values.cluster !== undefined && values.name !== values.cluster) {
    throw new BadInputError('--name and --cluster name the same thing: give one', { details: ['see: kindling wizard --help'] })
  }
  const invalid: InvalidFlags = {}
  const oneOf = <K extends keyof WizardAnswers, T extends string>(key: K, value: string | boolean | undefined, choices: readonly T[]): T | undefined => {
    if (value === undefined) return undefined
    if (choices.includes(value as T)) return value as T
    invalid[key] = `must be one of: ${choices.join(', ')}`
    return undefined
  }
  const number = (key: keyof WizardAnswers, value: string | boolean | undefined): number | undefined => {
    if (value === undefined) return undefined
    if (/^\d+$/.test(String(value))) return Number(value)
    invalid[key] = 'must be a whole number'
    return undefined
  }
  const clouds =
    values.clouds === undefined
      ? undefined
      : String(values.clouds)
          .split(',')
          .map((cloud) => cloud.trim())
          .filter(Boolean)
  const unknownClouds = (clouds ?? []).filter((cloud) => !(CLOUDS as readonly string[]).includes(cloud))
  if (unknownClouds.length)
    invalid.clouds = `${unknownClouds.map((cloud) => quoted(cloud)).join(', ')} ${unknownClouds.length === 1 ? 'is' : 'are'} not one of ${CLOUDS.join(', ')}`
  const answers: Partial<WizardAnswers> = {
    name: (values.cluster ?? values.name) as string | undefined,
    replace: values.yes ? true : undefined,
    provider: oneOf('provider', values.provider, ['kind', 'existing'] as const),
    workers: number('workers', values.workers),
    httpPort: number('httpPort', values['http-port']),
    httpsPort: number('httpsPort', values['https-port']),
    kubeconfig: values.kubeconfig as string | undefined,
    context: values.context as string | undefined,
    engine: oneOf('engine', values.engine, ['flux', 'argocd'] as const),
    repoUrl: values.repo as string | undefined,
    branch: values.branch as string | undefined,
    auth: oneOf('auth', values.auth, ['none', 'https', 'ssh'] as const),
    tokenEnv: values['token-env'] as string | undefined,
    crossplane: values.crossplane as boolean | undefined,
    clouds: unknownClouds.length ? undefined : (clouds as Cloud[] | undefined),
    gcpProject: values['gcp-project'] as string | undefined,
    monitoring: values.monitoring as boolean | undefined,
    apps: values.apps as boolean | undefined,
    sops: values.sops as boolean | undefined,
  }
  return {
    answers: Object.fromEntries(Object.entries(answers).filter(([, v]) => v !== undefined)) as Partial<WizardAnswers>,
    invalid,
    help: Boolean(values.help),
  }
}

/** The context names of a kubeconfig file and its current one (none when it cannot be read): plain YAML, no API client to load. */
function kubeContexts(file: string): KubeContexts {
  let text: string | undefined
  try {
    // Read the way every kubeconfig kindling opens is: a pipe or /dev/zero would never end.
    text = readPlainFile(expandHome(file), { maxBytes: MAX_KUBECONFIG_BYTES })?.toString('utf8')
  } catch (error) {
    if (error instanceof UnusableFileError) return { names: [], problem: error.problem }
    throw error
  }
  // Not there: "does not exist", or where the link that is there points.
  if (text === undefined) return { names: [], problem: plainFileProblem(expandHome(file), MAX_KUBECONFIG_BYTES)?.problem ?? 'does not exist' }
  // What bootstrap's API client would refuse, said now and in the same words: never the file's lines.
  const problem = kubeconfigTextProblem(text)
  if (problem) return { names: [], problem: `${problem}: check it with \`${kubeconfigCheckCommand(file)}\` and correct it` }
  const config = parse(text) as { contexts?: { name?: unknown }[]; 'current-context'?: unknown } | null
  const names = (Array.isArray(config?.contexts) ? config.contexts : []).flatMap((context) => (typeof context?.name === 'string' ? [context.name] : []))
  const current = config?.['current-context']
  return { names, current: typeof current === 'string' && names.includes(current) ? current : undefined }
}

/** The kubeconfig kubectl would read: the first file in $KUBECONFIG, else ~/.kube/config. */
function defaultKubeconfig(): string {
  return process.env.KUBECONFIG?.split(path.delimiter).find(Boolean) ?? DEFAULTS.existing.kubeconfig
}

/**
 * The files bootstrap renders under clusters/<name>/ (engine, root sync, components), written now
 * so they can be read before the first run; bootstrap finds them as it would write them. Returns
 * the files written, relative to the repository root.
 */
async function writeClusterFolder(repoRoot: string, name: string): Promise<{ written: string[]; leftOver: string[] }> {
  // Loaded only now: the questions above need none of the renderers.
  const [{ loadClusterSpec }, { renderedFiles }, { fileWrites }, { writeFileAction }, { leftoverFiles }] = await Promise.all([
    import('../spec/load.js'),
    import('../steps/gitops/push-state.js'),
    import('../steps/gitops/repo.js'),
    import('../engine/actions.js'),
    import('../steps/gitops/leftovers.js'),
  ])
  const spec = await loadClusterSpec(repoRoot, name)
  const rendered = await renderedFiles(spec)
  const writes = await fileWrites(spec, rendered)
  for (const write of writes) await writeFileAction(write)
  // A replaced spec may need less than the one before: what the earlier one rendered stays, unused,
  // for the person to read and delete.
  const leftOver = leftoverFiles(spec, rendered)
  return { written: writes.map((write) => path.relative(repoRoot, write.path)), leftOver }
}

/** `kindling wizard`: ask (or read flags), validate, write the spec, offer to bootstrap. Returns the exit code. */
export async function runWizard(argv: readonly string[], outer: WizardIo): Promise<ExitCodeValue> {
  // Everything it prints passes the same mask as a run's output: a token typed where a name or a
  // path belongs is refused without being repeated.
  const redactor = new Redactor()
  const io: WizardIo = { ...outer, stdout: (text) => outer.stdout(redactor.redact(text)), stderr: (text) => outer.stderr(redactor.redact(text)) }
  try {
    const { answers: given, invalid, help } = parseWizardFlags(argv)
    if (help) {
      io.stdout(WIZARD_HELP)
      return ExitCode.ok
    }
    const cwd = io.cwd
    if (cwd === undefined) throw folderGoneError()
    const repoRoot = findRepoRoot(cwd)
    const remote = await io.runner
      .run({ file: 'git', args: ['-C', repoRoot, 'remote', 'get-url', 'origin'], readOnly: true, okExitCodes: [2, 128] })
      .catch(() => undefined)
    const remoteUrl = remote?.exitCode === 0 ? remote.stdout.trim() || undefined : undefined
    // On a terminal and off it: a default nobody typed is said out loud, and a warning when it looks like someone else's.
    if (given.repoUrl === undefined && isNetworkUrl(remoteUrl)) {
      io.stderr(await originNote(io.runner, repoRoot, remoteUrl, io.prompter !== undefined))
    } else if (given.repoUrl === undefined && remoteUrl && urlCredentials(remoteUrl)) {
      io.stderr(
        `note: this checkout's origin, ${redactUrlCredentials(remoteUrl)}, holds credentials in its URL, so it is not the default repository; give the URL without them (the token goes in an environment variable, auth https).\n`,
      )
    }
    const answers = await collectAnswers(
      given,
      io.prompter,
      {
        remoteUrl,
        clusterExists: (name) => existsSync(specFileOf(repoRoot, name)),
        contextsOf: kubeContexts,
        kubeconfig: defaultKubeconfig(),
        cwd,
        note: (text) => io.stderr(`note: ${text}\n`),
      },
      invalid,
    )
    io.stderr(`\n${describeAnswers(answers).join('\n')}\n`)
    // The summary is the last chance to change a mind: nothing is written before a yes.
    if (io.prompter && !(await io.prompter.confirm({ message: `Write clusters/${answers.name}/ with these answers?`, default: true }))) {
      io.stdout('nothing written; run the wizard again to change an answer\n')
      return ExitCode.ok
    }
    const file = await writeSpec(repoRoot, answers)
    io.stdout(`wrote ${path.relative(cwd, file) || file}\n`)
    const { written, leftOver } = await writeClusterFolder(repoRoot, answers.name)
    const folder = path.relative(cwd, path.dirname(file)) || '.'
    if (written.length)
      io.stdout(
        `wrote ${written.length} file(s) bootstrap renders from it under ${folder}/ (the engine, its root sync, the components): read them now; bootstrap commits and pushes them\n`,
      )
    if (leftOver.length) {
      const list = leftOver.map((left) => `  ${left}\n`).join('')
      io.stderr(
        `note: ${leftOver.length} file(s) under ${folder}/ were rendered for the spec this one replaces and no kustomization lists them now; left as they were (delete what you no longer need):\n${list}`,
      )
    }
    if (io.prompter && io.bootstrap && (await io.prompter.confirm({ message: `Bootstrap ${answers.name} now?`, default: true })))
      return await io.bootstrap(answers.name)
    io.stdout(`next: ${kindlingCommand(`bootstrap -c ${answers.name}`)}   (add --dry-run to see the plan first)\n`)
    return ExitCode.ok
  } catch (error) {
    const wrapped =
      error instanceof Error && /Unknown option|argument/.test(error.message) && !(error instanceof BadInputError)
        ? new BadInputError(errorMessage(error))
        : error
    io.stderr(`${formatError(wrapped, (t) => t).join('\n')}\n`)
    return exitCodeOf(wrapped)
  }
}
