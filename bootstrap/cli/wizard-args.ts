import { parseArgs } from 'node:util'
import { BadInputError } from '../engine/errors.js'
import { quoted } from '../spec/quoting.js'
import { CLOUDS, type Cloud, type InvalidFlags, type WizardAnswers } from '../ui/wizard.js'
import { asPort, checkWorkers } from '../ui/wizard-checks.js'
import { contradictingRepeat, flagError, unexpectedArgument } from './args.js'

/** Every question as a flag (`--name` is another spelling of `--cluster`), as node:util parseArgs reads them. */
const WIZARD_OPTIONS = {
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
} as const

/** The flags that take a number, each with the rule its value is held to. */
const NUMBER_FLAGS: Readonly<Record<string, (value: string) => true | string>> = {
  '--workers': checkWorkers,
  '--http-port': asPort,
  '--https-port': asPort,
}

/**
 * `--workers -1` as `--workers=-1`: a number flag followed by a negative number means that number,
 * which is then refused with the flag's own rule ("a whole number from 0 to 10"). The parser would
 * take it for a flag and say the value is missing. Only before `--`, where flags end.
 */
function joinNegativeNumbers(argv: readonly string[]): string[] {
  const joined: string[] = []
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index]!
    if (arg === '--') return [...joined, ...argv.slice(index)]
    const next = argv[index + 1]
    if (Object.hasOwn(NUMBER_FLAGS, arg) && next !== undefined && /^-[\d.]/.test(next)) {
      joined.push(`${arg}=${next}`)
      index++
    } else joined.push(arg)
  }
  return joined
}

/**
 * The flags as answers. A value that is not one of its choices is left out and named in
 * `invalid`, so a person is asked for it and a run without a terminal lists it with the rest.
 */
export function parseWizardFlags(argv: readonly string[]): { answers: Partial<WizardAnswers>; invalid: InvalidFlags; help: boolean } {
  let values: Record<string, string | boolean | undefined>
  let repeated: string | undefined
  try {
    const parsed = parseArgs({
      args: joinNegativeNumbers(argv),
      strict: true,
      allowNegative: true,
      allowPositionals: true,
      tokens: true,
      options: WIZARD_OPTIONS,
    })
    values = parsed.values
    if (parsed.positionals.length > 0) throw unexpectedArgument('wizard', parsed.positionals[0]!)
    repeated = contradictingRepeat(parsed.tokens)
  } catch (cause) {
    if (cause instanceof BadInputError) throw cause
    // `--branch -x` reads as a flag with no value: say what to write instead.
    throw new BadInputError(flagError(cause, Object.keys(WIZARD_OPTIONS)), { details: ['see: kindling wizard --help'] })
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
  // Digits are a number, checked against the rest of the answers later; anything else is named
  // with the flag's own rule, as a typed answer would be.
  const number = (key: keyof WizardAnswers, value: string | boolean | undefined, rule: (value: string) => true | string): number | undefined => {
    if (value === undefined) return undefined
    if (/^\d+$/.test(String(value))) return Number(value)
    const verdict = rule(String(value))
    invalid[key] = verdict === true ? 'must be a whole number' : verdict
    return undefined
  }
  const clouds = values.clouds === undefined ? undefined : splitList(String(values.clouds))
  const unknownClouds = (clouds ?? []).filter((cloud) => !(CLOUDS as readonly string[]).includes(cloud))
  if (unknownClouds.length)
    invalid.clouds = `${unknownClouds.map((cloud) => quoted(cloud)).join(', ')} ${unknownClouds.length === 1 ? 'is' : 'are'} not one of ${CLOUDS.join(', ')}`
  const answers: Partial<WizardAnswers> = {
    name: (values.cluster ?? values.name) as string | undefined,
    replace: values.yes ? true : undefined,
    provider: oneOf('provider', values.provider, ['kind', 'existing'] as const),
    workers: number('workers', values.workers, NUMBER_FLAGS['--workers']!),
    httpPort: number('httpPort', values['http-port'], NUMBER_FLAGS['--http-port']!),
    httpsPort: number('httpsPort', values['https-port'], NUMBER_FLAGS['--https-port']!),
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

/** "azure, gcp," → ['azure', 'gcp'] */
function splitList(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)
}
