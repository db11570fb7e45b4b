import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { Document } from 'yaml'
import { BadInputError } from '../engine/errors.js'
import { DEFAULTS, SPEC_API_VERSION, SPEC_KIND } from '../spec/defaults.js'
import { parseClusterSpec, specFileOf } from '../spec/load.js'

/** Everything the wizard asks. Each answer can also come from a flag, so it runs without a person. */
export interface WizardAnswers {
  name: string
  provider: 'kind' | 'existing'
  workers: number
  kubeconfig: string
  context: string
  engine: 'flux' | 'argocd'
  repoUrl: string
  branch: string
  auth: 'none' | 'ssh' | 'https'
  tokenEnv: string
  crossplane: boolean
  monitoring: boolean
}

/** The questions, answered by a person (inquirer) or by a test; the only way the wizard asks. */
export interface Prompter {
  input(question: { message: string; default?: string; validate?: (value: string) => true | string }): Promise<string>
  select<T extends string>(question: { message: string; choices: { value: T; name: string }[]; default?: T }): Promise<T>
  confirm(question: { message: string; default?: boolean }): Promise<boolean>
}

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/

/**
 * Fill in every answer the flags did not give: ask when a person is there, use defaults for
 * optional answers otherwise, and refuse (exit 2) when a required one is missing.
 */
export async function collectAnswers(given: Partial<WizardAnswers>, prompter: Prompter | undefined, hints: { remoteUrl?: string; contexts: string[] }): Promise<WizardAnswers> {
  const missing: string[] = []
  const ask = async <K extends keyof WizardAnswers>(key: K, flag: string, question: () => Promise<WizardAnswers[K]>, fallback?: WizardAnswers[K]): Promise<WizardAnswers[K]> => {
    if (given[key] !== undefined) return given[key] as WizardAnswers[K]
    if (prompter) return question()
    if (fallback !== undefined) return fallback
    missing.push(flag)
    return undefined as never
  }
  const p = prompter!
  const name = await ask('name', '--name NAME', () => p.input({ message: 'Cluster name', default: 'homelab', validate: (v) => NAME.test(v) || 'lowercase letters, digits and -' }), undefined)
  const provider = await ask('provider', '--provider kind|existing', () =>
    p.select({
      message: 'Where does the cluster run?',
      choices: [
        { value: 'kind', name: 'kind: a local cluster in Docker on this machine' },
        { value: 'existing', name: 'existing: a cluster that already runs (k3s, Talos, kubeadm, managed)' },
      ],
    }), 'kind')
  const workers = provider === 'kind' ? await ask('workers', '--workers N', async () => Number(await p.input({ message: 'Worker nodes', default: '0', validate: (v) => /^\d+$/.test(v) || 'a whole number' })), 0) : 0
  const kubeconfig = provider === 'existing' ? await ask('kubeconfig', '--kubeconfig FILE', () => p.input({ message: 'Kubeconfig file', default: DEFAULTS.existing.kubeconfig }), DEFAULTS.existing.kubeconfig) : ''
  const context =
    provider === 'existing'
      ? await ask('context', '--context NAME', () =>
          hints.contexts.length > 0
            ? p.select({ message: 'Kubeconfig context (kindling will touch no other)', choices: hints.contexts.map((c) => ({ value: c, name: c })) })
            : p.input({ message: 'Kubeconfig context (kindling will touch no other)' }))
      : ''
  const engine = await ask('engine', '--engine flux|argocd', () =>
    p.select({
      message: 'GitOps engine',
      choices: [
        { value: 'flux', name: 'Flux (Flux Operator, Kustomizations, SOPS built in)' },
        { value: 'argocd', name: 'Argo CD (Applications, web UI)' },
      ],
    }), 'flux')
  const repoUrl = await ask('repoUrl', '--repo URL', () => p.input({ message: 'Git repository the engine reads', default: hints.remoteUrl }), hints.remoteUrl)
  const branch = await ask('branch', '--branch NAME', () => p.input({ message: 'Branch', default: DEFAULTS.repository.branch }), DEFAULTS.repository.branch)
  const sshUrl = /^(ssh:\/\/|git@)/.test(repoUrl ?? '')
  const auth = sshUrl
    ? 'ssh'
    : await ask('auth', '--auth none|https', () =>
        p.select({
          message: 'Repository access',
          choices: [
            { value: 'none', name: 'public: no credentials' },
            { value: 'https', name: 'private over HTTPS: a token read from an environment variable' },
          ],
        }), 'none')
  const tokenEnv = auth === 'https' ? await ask('tokenEnv', '--token-env NAME', () => p.input({ message: 'Environment variable holding the token', default: 'GITHUB_TOKEN' }), 'GITHUB_TOKEN') : ''
  const crossplane = await ask('crossplane', '--crossplane / --no-crossplane', () => p.confirm({ message: 'Install Crossplane?', default: true }), true)
  const monitoring = await ask('monitoring', '--monitoring / --no-monitoring', () => p.confirm({ message: 'Install kube-prometheus-stack (Prometheus, Grafana)?', default: true }), true)
  if (missing.length > 0) {
    throw new BadInputError(`the wizard needs answers it cannot ask for without a terminal: ${missing.join(', ')}`, { details: ['pass them as flags, e.g. npm run wizard -- --name lab --repo https://example.com/lab.git'] })
  }
  return { name, provider, workers, kubeconfig, context, engine, repoUrl, branch, auth, tokenEnv, crossplane, monitoring }
}

/** The cluster.yaml text for a set of answers, with the schema header editors use. Pure. */
export function renderSpecYaml(answers: WizardAnswers): string {
  const provider =
    answers.provider === 'kind'
      ? { type: 'kind', kubernetesVersion: DEFAULTS.kind.kubernetesVersion, nodes: { controlPlanes: 1, workers: answers.workers }, registryCaches: { enabled: true } }
      : { type: 'existing', kubeconfig: answers.kubeconfig, context: answers.context }
  const auth = answers.auth === 'https' ? { type: 'https', tokenEnv: answers.tokenEnv } : { type: answers.auth }
  const doc = new Document({
    apiVersion: SPEC_API_VERSION,
    kind: SPEC_KIND,
    metadata: { name: answers.name },
    spec: {
      provider,
      gitops: { engine: answers.engine },
      repository: { url: answers.repoUrl, branch: answers.branch, auth },
      components: { crossplane: { enabled: answers.crossplane }, monitoring: { enabled: answers.monitoring, grafana: { enabled: answers.monitoring } } },
      secrets: { sops: { enabled: true } },
    },
  })
  doc.commentBefore = ' yaml-language-server: $schema=../../bootstrap/spec/cluster.schema.json\n Written by `npm run wizard`; edit freely. Defaults: bootstrap/spec/defaults.ts'
  return doc.toString({ lineWidth: 0 })
}

/** Validate and write clusters/<name>/cluster.yaml; an existing file is replaced only when allowed. */
export async function writeSpec(repoRoot: string, answers: WizardAnswers, allowOverwrite: boolean): Promise<string> {
  const file = specFileOf(repoRoot, answers.name)
  const text = renderSpecYaml(answers)
  // Same validation as bootstrap: the wizard never writes a spec bootstrap would reject.
  parseClusterSpec(text, file, repoRoot, answers.name)
  if (existsSync(file) && !allowOverwrite) {
    throw new BadInputError(`${path.relative(repoRoot, file)} already exists`, { details: ['pass --yes to replace it, or choose another --name'] })
  }
  await mkdir(path.dirname(file), { recursive: true })
  await writeFile(file, text)
  return file
}
