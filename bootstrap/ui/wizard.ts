import os from 'node:os'
import path from 'node:path'
import { BadInputError } from '../engine/errors.js'
import { quoted, typed } from '../spec/credentials.js'
import { DEFAULTS } from '../spec/defaults.js'
import {
  branchName,
  dnsLabel,
  envName,
  fieldCheck,
  gcpProjectId,
  isPlaceholderUrl,
  isSshUrl,
  PLACEHOLDER_URL_MESSAGE,
  port,
  repositoryUrl,
  workerCount,
} from '../spec/fields.js'

export const CLOUDS = ['azure', 'gcp', 'hetzner'] as const
export type Cloud = (typeof CLOUDS)[number]

/** Everything the wizard asks. Each answer can also come from a flag, so it runs without a person. */
export interface WizardAnswers {
  name: string
  /** Replace an existing clusters/<name>/cluster.yaml. */
  replace: boolean
  provider: 'kind' | 'existing'
  workers: number
  httpPort: number
  httpsPort: number
  kubeconfig: string
  context: string
  engine: 'flux' | 'argocd'
  repoUrl: string
  branch: string
  auth: 'none' | 'ssh' | 'https'
  tokenEnv: string
  crossplane: boolean
  clouds: Cloud[]
  /** gcp: the project the databases go in. */
  gcpProject: string
  monitoring: boolean
  apps: boolean
  sops: boolean
}

type Validate = (value: string) => true | string

/** The questions, answered by a person (inquirer) or by a test; the only way the wizard asks. */
export interface Prompter {
  input(question: { message: string; default?: string; validate?: Validate }): Promise<string>
  select<T extends string>(question: { message: string; choices: { value: T; name: string }[]; default?: T }): Promise<T>
  confirm(question: { message: string; default?: boolean }): Promise<boolean>
  checkbox<T extends string>(question: { message: string; choices: { value: T; name: string; checked?: boolean }[] }): Promise<T[]>
}

/** A kubeconfig's context names and the one it marks current, or why the file cannot be read. */
export interface KubeContexts {
  names: string[]
  current?: string
  problem?: string
}

/** What the wizard learns from the machine: the origin remote, the clusters already there, a kubeconfig's contexts. */
export interface WizardHints {
  remoteUrl?: string
  clusterExists(name: string): boolean
  contextsOf(kubeconfig: string): KubeContexts
  /** The kubeconfig offered first: the first file in $KUBECONFIG, else ~/.kube/config. */
  kubeconfig?: string
  /** Where relative paths typed or passed are read from (the shell's directory). */
  cwd?: string
  /** Says something to the person without asking (a flag that cannot be used, a default explained). */
  note?(text: string): void
}

/** Flags whose values are missing or wrong before any question: the answer, if any, is asked again or refused. */
export type InvalidFlags = Partial<Record<keyof WizardAnswers, string>>

const KUBE_FLAGS = ['kubeconfig', 'context'] as const
const KIND_FLAGS = ['workers', 'httpPort', 'httpsPort'] as const
const FLAG_NAMES: Partial<Record<keyof WizardAnswers, string>> = {
  kubeconfig: '--kubeconfig',
  context: '--context',
  workers: '--workers',
  httpPort: '--http-port',
  httpsPort: '--https-port',
  provider: '--provider',
  engine: '--engine',
  auth: '--auth',
  clouds: '--clouds',
}

/**
 * Flags that contradict each other, found before the first question so no answer is typed in
 * vain: `--kubeconfig` for a kind cluster, `--clouds` with `--no-crossplane`, `--auth https` with an
 * SSH URL, and the like. A flag that means nothing for the others given is a mistake worth naming.
 */
/** The flags given among `keys`, as typed: `--kubeconfig`, `--context`. */
function namedFlags(given: Partial<WizardAnswers>, keys: readonly (keyof WizardAnswers)[]): string[] {
  return keys.filter((key) => given[key] !== undefined).map((key) => FLAG_NAMES[key]!)
}

export function conflictingFlags(given: Partial<WizardAnswers>): string[] {
  const problems: string[] = []
  const named = (keys: readonly (keyof WizardAnswers)[]): string[] => namedFlags(given, keys)
  if (given.provider === 'kind' && named(KUBE_FLAGS).length)
    problems.push(`${named(KUBE_FLAGS).join(' and ')}: only for --provider existing (kind makes its own context)`)
  if (given.provider === 'existing' && named(KIND_FLAGS).length)
    problems.push(`${named(KIND_FLAGS).join(', ')}: only for --provider kind (an existing cluster's nodes and ports are its own)`)
  if (given.provider === undefined && named(KUBE_FLAGS).length && named(KIND_FLAGS).length) {
    problems.push(
      `${[...named(KUBE_FLAGS), ...named(KIND_FLAGS)].join(', ')}: flags of an existing cluster and of a kind cluster together; give --provider and only its flags`,
    )
  }
  if (given.httpPort !== undefined && given.httpPort === given.httpsPort)
    problems.push(`--http-port and --https-port: ${given.httpPort} twice; give each its own port`)
  if (given.crossplane === false && given.clouds?.length) problems.push('--clouds: needs Crossplane; drop --no-crossplane')
  if (given.gcpProject !== undefined && given.clouds !== undefined && !given.clouds.includes('gcp')) problems.push('--gcp-project: only with --clouds gcp')
  const url = given.repoUrl?.trim()
  if (url && given.auth === 'ssh' && !isSshUrl(url)) problems.push('--auth ssh: needs an ssh:// or git@host:path URL in --repo')
  if (url && (given.auth === 'https' || given.auth === 'none') && isSshUrl(url))
    problems.push(
      `--auth ${given.auth}: ssh:// and git@ URLs are read with a deploy key (auth ssh, chosen for them); give an https:// URL for ${given.auth === 'https' ? 'token access' : 'a public repository'}`,
    )
  if (url?.startsWith('file://') && (given.auth === 'https' || given.auth === 'ssh'))
    problems.push(`--auth ${given.auth}: a file:// repository is read from disk, without credentials`)
  if (given.tokenEnv !== undefined && given.auth !== undefined && given.auth !== 'https')
    problems.push(`--token-env: only with --auth https (not ${given.auth})`)
  // Alone, --token-env means --auth https, and meets the same URLs.
  if (url && given.tokenEnv !== undefined && given.auth === undefined && isSshUrl(url))
    problems.push('--token-env: a token is for https:// URLs; ssh:// and git@ URLs are read with a deploy key (auth ssh, chosen for them)')
  if (url?.startsWith('file://') && given.tokenEnv !== undefined && given.auth === undefined)
    problems.push('--token-env: a file:// repository is read from disk, without credentials')
  return problems
}

/** `kc.yaml` typed in ~/lab: the path as the spec will read it from anywhere (`~/lab/kc.yaml`). */
export function kubeconfigPath(file: string, cwd: string | undefined, home = os.homedir()): string {
  const trimmed = file.trim()
  if (trimmed === '~' || trimmed.startsWith('~/') || path.isAbsolute(trimmed) || cwd === undefined) return trimmed
  const absolute = path.resolve(cwd, trimmed)
  return absolute.startsWith(`${home}${path.sep}`) ? `~/${path.relative(home, absolute)}` : absolute
}

const checkName = fieldCheck(dnsLabel)
const checkPort = fieldCheck(port)
const checkUrl = fieldCheck(repositoryUrl)
const checkBranch = fieldCheck(branchName)
const checkEnv = fieldCheck(envName)
const checkProject = fieldCheck(gcpProjectId)
const checkWorkers = (value: string): true | string =>
  /^\d+$/.test(value.trim()) ? fieldCheck(workerCount)(Number(value)) : 'must be a whole number from 0 to 10'
const asPort = (value: string): true | string => (/^\d+$/.test(value.trim()) ? checkPort(Number(value)) : 'must be a port between 1 and 65535')

/**
 * The wizard's kind spec turns the registry caches on, and their local registry publishes
 * DEFAULTS.kind.localRegistryPort on this machine: an HTTP or HTTPS port there would be refused
 * when the spec is loaded, after every answer.
 */
function notRegistryPort(value: number): true | string {
  return value === DEFAULTS.kind.localRegistryPort ? `${value} is the local registry's host port (the registry caches are on); give another port` : true
}

/** A remote the engine can read from another machine (not a local path or file:// URL). */
export function isNetworkUrl(url: string | undefined): url is string {
  return url !== undefined && /^(https:\/\/|ssh:\/\/|git@)/.test(url) && checkUrl(url) === true
}

/**
 * Fill in every answer the flags did not give: ask when a person is there (each answer checked
 * with the spec's own rule as it is given, and asked again until it passes), use defaults for
 * optional answers otherwise, and refuse (exit 2) when a flag is invalid or a required answer is
 * missing without a terminal; every such problem is listed at once.
 */
export async function collectAnswers(
  given: Partial<WizardAnswers>,
  prompter: Prompter | undefined,
  hints: WizardHints,
  invalid: InvalidFlags = {},
): Promise<WizardAnswers> {
  const conflicts = conflictingFlags(given)
  // On a terminal, before the first question: nothing typed is thrown away.
  if (prompter && conflicts.length)
    throw new BadInputError(`these flags do not go together (${conflicts.length})`, { details: [...conflicts, 'see: kindling wizard --help'] })
  const problems: string[] = [...conflicts]
  const note = (text: string): void => hints.note?.(text)
  // The answers a question was reached for: a wrong flag value whose question never comes is named at the end.
  const reached = new Set<keyof WizardAnswers>()
  type Options<K extends keyof WizardAnswers> = { fallback?: WizardAnswers[K]; check?: (value: WizardAnswers[K]) => true | string }
  const ask = async <K extends keyof WizardAnswers>(
    key: K,
    flag: string,
    question: () => Promise<WizardAnswers[K]>,
    options: Options<K> = {},
  ): Promise<WizardAnswers[K]> => {
    reached.add(key)
    const value = given[key]
    const verdict = invalid[key] ?? (value === undefined ? true : (options.check?.(value as WizardAnswers[K]) ?? true))
    if (verdict !== true) {
      // A person is there: say what was wrong with the flag and ask for the answer instead.
      if (prompter) note(`${flag}: ${verdict}: asking instead`)
      else problems.push(`${flag}: ${verdict}`)
      // Without a terminal the run is refused with the rest of the problems; the default keeps the others checkable.
      return prompter ? question() : ((value ?? options.fallback) as WizardAnswers[K])
    }
    if (value !== undefined) return value as WizardAnswers[K]
    if (prompter) return question()
    if (options.fallback !== undefined) {
      // A default nobody typed is held to the same rule (the kubeconfig kubectl would read may not exist).
      const fallbackVerdict = options.check?.(options.fallback) ?? true
      if (fallbackVerdict !== true) problems.push(`${flag}: ${fallbackVerdict}`)
      return options.fallback
    }
    problems.push(`${flag}: needed (there is no terminal to ask on)`)
    return undefined as never
  }
  const p = prompter!
  const named = (keys: readonly (keyof WizardAnswers)[]): string[] => namedFlags(given, keys)

  let name = await ask(
    'name',
    '--cluster NAME (or -c)',
    () => p.input({ message: 'Cluster name (a folder under clusters/)', default: 'homelab', validate: checkName }),
    { check: checkName },
  )
  let replace = given.replace ?? false
  while (name && checkName(name) === true && !replace && hints.clusterExists(name)) {
    if (!prompter) {
      problems.push(`--cluster ${name}: clusters/${name}/cluster.yaml already exists: pass --yes to replace it, or choose another name`)
      break
    }
    const choice = await p.select({
      message: `clusters/${name}/cluster.yaml already exists`,
      choices: [
        { value: 'other', name: 'pick another name' },
        { value: 'replace', name: `replace clusters/${name}/cluster.yaml` },
      ],
    })
    if (choice === 'replace') replace = true
    // An existing name typed again comes back to this choice: replacing it stays possible.
    else name = await p.input({ message: 'Cluster name', validate: checkName })
  }

  // --kubeconfig or --context without --provider: an existing cluster is meant.
  const impliedProvider = KUBE_FLAGS.some((key) => given[key] !== undefined) ? 'existing' : 'kind'
  const provider = await ask(
    'provider',
    '--provider kind|existing',
    () =>
      p.select({
        message: 'Where does the cluster run?',
        choices: [
          { value: 'kind', name: 'kind: a local cluster in Docker on this machine' },
          { value: 'existing', name: 'existing: a cluster that already runs (k3s, Talos, kubeadm, managed)' },
        ],
        default: impliedProvider,
      }),
    { fallback: impliedProvider },
  )
  const kind = provider === 'kind'
  const unused = kind ? named(KUBE_FLAGS) : named(KIND_FLAGS)
  // Flags of both providers together are a conflict, reported already: no note besides.
  const mixed = named(KUBE_FLAGS).length > 0 && named(KIND_FLAGS).length > 0
  if (unused.length && given.provider === undefined && !mixed) note(`${unused.join(', ')}: not used for ${kind ? 'a kind cluster' : 'an existing cluster'}`)
  const workers = kind
    ? await ask(
        'workers',
        '--workers N',
        async () => Number(await p.input({ message: 'Worker nodes (0 to 10; the control plane runs workloads too)', default: '0', validate: checkWorkers })),
        { fallback: 0, check: (value) => fieldCheck(workerCount)(value) },
      )
    : 0
  // Each port question also refuses the other port, typed or given as a flag (a leading zero included),
  // and the local registry's: the spec turns its registry caches on, and both cannot bind one port.
  const notPort =
    (other: number | undefined, what: string) =>
    (value: string): true | string =>
      asPort(value) !== true ? asPort(value) : Number(value.trim()) === other ? `is already the ${what} port` : notRegistryPort(Number(value.trim()))
  const httpQuestion = async (): Promise<number> =>
    Number(
      await p.input({
        message: 'Host port for HTTP into the cluster (node port 30080)',
        default: '8080',
        validate: notPort(given.httpsPort, 'HTTPS (--https-port)'),
      }),
    )
  const checkKindPort = (value: number): true | string => (checkPort(value) === true ? notRegistryPort(value) : checkPort(value))
  const httpPort = kind ? await ask('httpPort', '--http-port PORT', httpQuestion, { fallback: 8080, check: checkKindPort }) : 8080
  const httpsQuestion = async (): Promise<number> =>
    Number(await p.input({ message: 'Host port for HTTPS into the cluster (node port 30443)', default: '8443', validate: notPort(httpPort, 'HTTP') }))
  const httpsPort = kind ? await ask('httpsPort', '--https-port PORT', httpsQuestion, { fallback: 8443, check: checkKindPort }) : 8443
  // Both given and equal is a flag conflict, reported already.
  const bothGiven = given.httpPort !== undefined && given.httpsPort !== undefined
  if (kind && httpPort === httpsPort && !bothGiven) problems.push(`--https-port: ${httpsPort} is already the HTTP port`)

  // A relative path is read from where the wizard runs, and written so the spec finds it from anywhere.
  const located = (file: string): string => kubeconfigPath(file, hints.cwd)
  const checkKubeconfig = (file: string): true | string => {
    const { names, problem } = hints.contextsOf(located(file))
    if (problem) return `${typed(file)} ${problem}`
    return names.length ? true : `${typed(file)} has no contexts`
  }
  const defaultKubeconfig = hints.kubeconfig ?? DEFAULTS.existing.kubeconfig
  const typedKubeconfig = kind
    ? ''
    : await ask('kubeconfig', '--kubeconfig FILE', () => p.input({ message: 'Kubeconfig file', default: defaultKubeconfig, validate: checkKubeconfig }), {
        fallback: defaultKubeconfig,
        check: checkKubeconfig,
      })
  const kubeconfig = kind || typedKubeconfig === undefined ? typedKubeconfig : located(typedKubeconfig)
  const { names: contexts, current } = kind || kubeconfig === undefined ? { names: [] } : hints.contextsOf(kubeconfig)
  const context = kind
    ? ''
    : await ask(
        'context',
        '--context NAME',
        () =>
          p.select({
            message: 'Kubeconfig context (kindling will touch no other)',
            choices: contexts.map((c) => ({ value: c, name: c === current ? `${c} (current)` : c })),
            default: current,
          }),
        {
          // A kubeconfig that cannot be read is one problem, not two.
          check: (value) =>
            contexts.includes(value) ||
            checkKubeconfig(typedKubeconfig) !== true ||
            `${typed(kubeconfig ?? '')} has no context ${quoted(value)} (it has: ${contexts.join(', ') || 'none'})`,
        },
      )

  const engine = await ask(
    'engine',
    '--engine flux|argocd',
    () =>
      p.select({
        message: 'GitOps engine',
        choices: [
          { value: 'flux', name: 'Flux (Flux Operator, Kustomizations, SOPS built in)' },
          { value: 'argocd', name: 'Argo CD (Applications, web UI)' },
        ],
      }),
    { fallback: 'flux' },
  )
  const remote = isNetworkUrl(hints.remoteUrl) ? hints.remoteUrl : undefined
  // Empty (or `none`, when a default fills the line) means no remote yet: bootstrap runs a Git
  // server in the cluster and pushes this checkout to it.
  const noRemote = (value: string): boolean => value.trim() === '' || value.trim() === 'none'
  // --token-env alone implies --auth https: the repository is held to the same rules.
  const wantedAuth = given.auth ?? (given.tokenEnv !== undefined ? 'https' : undefined)
  const authFlag = given.auth !== undefined ? `--auth ${given.auth}` : '--token-env (implies --auth https)'
  const checkRepo = (value: string): true | string => {
    const url = value.trim()
    const verdict = noRemote(value) ? true : checkUrl(url)
    // Refused now, not at bootstrap's preflight: the same rule, with the same words.
    if (verdict === true && !noRemote(value) && isPlaceholderUrl(url)) return `${PLACEHOLDER_URL_MESSAGE}: give the URL of your own fork of this repository`
    // A typed or default URL must suit --auth (flag against flag is a conflict, reported already).
    if (verdict !== true || wantedAuth === undefined || given.repoUrl !== undefined) return verdict
    if (noRemote(value))
      return wantedAuth === 'none'
        ? true
        : `${authFlag} needs a repository URL (without one the engine reads the in-cluster Git server, which needs no credentials)`
    if (wantedAuth === 'ssh' && !isSshUrl(url)) return '--auth ssh needs an ssh:// or git@host:path URL'
    if (wantedAuth !== 'ssh' && isSshUrl(url)) return `${authFlag} needs an https:// URL (ssh:// and git@ URLs are read with a deploy key)`
    return wantedAuth === 'https' && !url.startsWith('https://') ? `${authFlag} needs an https:// URL` : true
  }
  const repoQuestion = `Git repository the engine reads (your own fork; ${remote ? '`none`' : 'empty'}: a Git server inside the cluster, fed from this checkout)`
  const typedRepo = await ask('repoUrl', '--repo URL', () => p.input({ message: repoQuestion, default: remote ?? '', validate: checkRepo }), {
    fallback: remote ?? '',
    check: checkRepo,
  })
  const repoUrl = noRemote(typedRepo) ? '' : typedRepo.trim()
  const branch = await ask('branch', '--branch NAME', () => p.input({ message: 'Branch', default: DEFAULTS.repository.branch, validate: checkBranch }), {
    fallback: DEFAULTS.repository.branch,
    check: checkBranch,
  })
  const sshUrl = isSshUrl(repoUrl ?? '')
  if (!repoUrl && given.repoUrl !== undefined && wantedAuth !== undefined && wantedAuth !== 'none')
    problems.push(`${authFlag}: needs --repo URL (without a remote the engine reads the in-cluster Git server, which needs no credentials)`)
  // --token-env without --auth: a token is meant.
  const impliedAuth = given.tokenEnv !== undefined ? 'https' : 'none'
  // A file:// remote is read from disk: there are no credentials to ask for.
  const auth = !repoUrl
    ? (given.auth ?? 'none')
    : sshUrl
      ? 'ssh'
      : repoUrl.startsWith('file://')
        ? 'none'
        : await ask(
            'auth',
            '--auth none|https',
            () =>
              p.select({
                message: 'Repository access',
                choices: [
                  { value: 'none', name: 'public: no credentials' },
                  { value: 'https', name: 'private over HTTPS: a token read from an environment variable' },
                ],
                default: impliedAuth,
              }),
            { fallback: impliedAuth },
          )
  // Only a person who picked public access is left with an unused --token-env: any other way is refused above.
  if (given.tokenEnv !== undefined && given.auth === undefined && reached.has('auth') && auth !== 'https')
    note('--token-env: not used (the repository is read without credentials)')
  const tokenEnv =
    auth === 'https'
      ? await ask(
          'tokenEnv',
          '--token-env NAME',
          () => p.input({ message: 'Name of the environment variable holding the token (not the token)', default: 'GITHUB_TOKEN', validate: checkEnv }),
          { fallback: 'GITHUB_TOKEN', check: checkEnv },
        )
      : ''

  const crossplane = await ask(
    'crossplane',
    '--[no-]crossplane',
    () => p.confirm({ message: 'Install Crossplane (and the PostgresInstance API)?', default: true }),
    { fallback: true },
  )
  const clouds = crossplane
    ? await ask(
        'clouds',
        '--clouds azure,gcp,hetzner',
        () =>
          p.checkbox({
            message: 'Clouds Crossplane may create databases in (each adds its provider; none is fine)',
            choices: [
              { value: 'azure', name: 'Azure (Flexible Server)' },
              { value: 'gcp', name: 'Google Cloud (Cloud SQL)' },
              { value: 'hetzner', name: 'Hetzner (a server with Postgres)' },
            ],
          }),
        { fallback: [] },
      )
    : []
  // Against --no-crossplane or a --clouds without gcp these are conflicts, reported already.
  if (given.clouds?.length && !crossplane && given.crossplane !== false) note('--clouds: not used without Crossplane')
  if (given.gcpProject !== undefined && !clouds.includes('gcp') && given.clouds === undefined) note('--gcp-project: not used without the gcp cloud')
  const gcpProject = clouds.includes('gcp')
    ? await ask(
        'gcpProject',
        '--gcp-project ID',
        () => p.input({ message: 'Google Cloud project the databases go in (`gcloud config get-value project`)', validate: checkProject }),
        { check: checkProject },
      )
    : ''
  const monitoring = await ask(
    'monitoring',
    '--[no-]monitoring',
    () => p.confirm({ message: 'Install Prometheus and Grafana (kube-prometheus-stack)?', default: true }),
    { fallback: true },
  )
  const apps = await ask('apps', '--[no-]apps', () => p.confirm({ message: `Deploy the example app (podinfo) from clusters/${name}/apps/?`, default: true }), {
    fallback: true,
  })
  const sops = await ask('sops', '--[no-]sops', () => p.confirm({ message: 'Encrypt secrets in Git with SOPS and an age key?', default: true }), {
    fallback: true,
  })

  // A wrong value whose question never came (--auth token without a remote) is still wrong.
  for (const [key, verdict] of Object.entries(invalid) as [keyof WizardAnswers, string][]) {
    if (reached.has(key)) continue
    if (prompter) note(`${FLAG_NAMES[key] ?? key}: ${verdict}: not used`)
    else problems.push(`${FLAG_NAMES[key] ?? key}: ${verdict}`)
  }
  if (problems.length > 0) {
    throw new BadInputError(`the wizard cannot write a spec from these answers (${problems.length} problem${problems.length === 1 ? '' : 's'})`, {
      details: [...problems, 'every question is a flag: see kindling wizard --help'],
    })
  }
  return {
    name,
    replace,
    provider,
    workers,
    httpPort,
    httpsPort,
    kubeconfig,
    context,
    engine,
    repoUrl,
    branch,
    auth,
    tokenEnv,
    crossplane,
    clouds,
    gcpProject,
    monitoring,
    apps,
    sops,
  }
}
