import { BadInputError } from '../engine/errors.js'
import { startAsking } from './wizard-asking.js'
import { askName, askPlacement } from './wizard-cluster.js'
import { askComponents } from './wizard-components.js'
import { conflictingFlags, FLAG_NAMES } from './wizard-flags.js'
import { askGitops } from './wizard-gitops.js'
import type { KubeContexts } from '../kube/contexts.js'

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
  /**
   * The local registry's host port: not asked, the default unless another cluster's spec binds it
   * (then the next free one, written out).
   */
  registryPort: number
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

/** What the wizard learns from the machine: the origin remote, the clusters already there, a kubeconfig's contexts. */
export interface WizardHints {
  remoteUrl?: string
  clusterExists(name: string): boolean
  /** Why clusters/<name>/ cannot hold a spec (a file where the folder goes); undefined when it can. */
  folderProblem?(name: string): string | undefined
  contextsOf(kubeconfig: string): KubeContexts
  /** The kubeconfig offered first: the first file in $KUBECONFIG, else ~/.kube/config. */
  kubeconfig?: string
  /** Every file $KUBECONFIG lists (kubectl merges them): where to look for a context the chosen file lacks. */
  kubeconfigs?: readonly string[]
  /** Where relative paths typed or passed are read from (the shell's directory). */
  cwd?: string
  /** The host ports the other kind clusters' specs under clusters/ bind, each to the cluster folder that binds it; read when asked. */
  portsTaken?(name: string): Promise<ReadonlyMap<number, string>>
  /** Says something to the person without asking (a flag that cannot be used, a default explained). */
  note?(text: string): void
}

/** Flags whose values are missing or wrong before any question: the answer, if any, is asked again or refused. */
export type InvalidFlags = Partial<Record<keyof WizardAnswers, string>>

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
  const asking = startAsking(given, prompter, hints, invalid, [...conflicts])
  const { problems, reached, note } = asking

  const { name, replace } = await askName(asking)
  const placement = await askPlacement(asking, name)
  const gitops = await askGitops(asking)
  const components = await askComponents(asking, name)

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
  asking.releaseNotes()
  return { name, replace, ...placement, ...gitops, ...components }
}
