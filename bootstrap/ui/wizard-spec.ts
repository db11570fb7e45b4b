import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { BadInputError } from '../engine/errors.js'
import { DEFAULTS, ENGINE_TITLES, SPEC_API_VERSION, SPEC_KIND } from '../spec/defaults.js'
import { parseClusterSpec, specFileOf } from '../spec/load.js'
import type { WizardAnswers } from './wizard.js'

// What the wizard makes of its answers: the cluster.yaml text, the summary shown before writing,
// and the write itself. Asking for the answers is wizard.ts.

/** A YAML scalar: plain when safe, quoted otherwise (a path with spaces, a value YAML would read as another type). */
function scalar(value: string | number | boolean): string {
  if (typeof value !== 'string') return String(value)
  return /^[\w./@:~-]+$/.test(value) && !/^(true|false|yes|no|on|off|null|~|[\d.]+)$/i.test(value) ? value : JSON.stringify(value)
}

/** The cluster.yaml text for a set of answers: the schema header editors use and a comment per section. Pure. */
function renderSpecYaml(answers: WizardAnswers): string {
  const provider =
    answers.provider === 'kind'
      ? [
          '  # A local kind cluster in Docker. Ports and node counts are fixed when it is created.',
          '  provider:',
          '    type: kind',
          `    kubernetesVersion: ${DEFAULTS.kind.kubernetesVersion}`,
          '    nodes:',
          '      controlPlanes: 1',
          `      workers: ${answers.workers}`,
          '    portMappings:',
          '      # Gateway / ingress traffic, bound to this machine only.',
          '      - containerPort: 30080',
          `        hostPort: ${answers.httpPort}`,
          '      - containerPort: 30443',
          `        hostPort: ${answers.httpsPort}`,
          '    registryCaches:',
          '      enabled: true',
          ...(answers.registryPort === DEFAULTS.kind.localRegistryPort
            ? []
            : ["      # Another cluster's local registry takes the default port.", '      localRegistry:', `        hostPort: ${answers.registryPort}`]),
        ]
      : [
          '  # A cluster that already runs; kindling uses this one context and no other.',
          '  provider:',
          '    type: existing',
          `    kubeconfig: ${scalar(answers.kubeconfig)}`,
          `    context: ${scalar(answers.context)}`,
        ]
  const auth =
    answers.auth === 'https'
      ? ['      type: https', '      # The token itself stays in this environment variable, never in Git.', `      tokenEnv: ${answers.tokenEnv}`]
      : [`      type: ${answers.auth}`]
  const clouds = answers.clouds.length
    ? [
        '      # Each cloud reads its credentials from a SOPS-encrypted Secret: see the README.',
        '      clouds:',
        ...answers.clouds.flatMap((cloud) => [
          `        ${cloud}:`,
          '          enabled: true',
          ...(cloud === 'gcp' ? [`          projectID: ${answers.gcpProject}`] : []),
        ]),
      ]
    : []
  return [
    '# yaml-language-server: $schema=../../bootstrap/spec/cluster.schema.json',
    '# Written by `kindling wizard`; edit freely. Every field not written here takes its default',
    '# (see bootstrap/spec/defaults.ts).',
    `apiVersion: ${SPEC_API_VERSION}`,
    `kind: ${SPEC_KIND}`,
    'metadata:',
    `  name: ${answers.name}`,
    'spec:',
    ...provider,
    '  gitops:',
    `    engine: ${answers.engine}`,
    '    # Versions written out so Renovate (renovate.json) can move them; the rendered files follow.',
    // The engine's pins, as the spec names them (Flux: version and operatorVersion; Argo CD: version).
    ...Object.entries(DEFAULTS.gitops[answers.engine]).map(([field, version]) => `    ${field}: ${version}`),
    '  repository:',
    ...(answers.repoUrl
      ? [
          `    # The engine reads clusters/${answers.name}/ from here.`,
          `    url: ${scalar(answers.repoUrl)}`,
          `    branch: ${scalar(answers.branch)}`,
          '    auth:',
          ...auth,
        ]
      : [
          '    # No url: bootstrap runs a Git server inside the cluster and pushes this checkout to it.',
          '    # Set url (your fork) later and the same command moves the cluster to it.',
          `    branch: ${scalar(answers.branch)}`,
        ]),
    '  components:',
    '    crossplane:',
    `      enabled: ${answers.crossplane}`,
    `      version: ${DEFAULTS.components.crossplane.version}`,
    ...clouds,
    '    monitoring:',
    `      enabled: ${answers.monitoring}`,
    `      version: ${DEFAULTS.components.monitoring.version}`,
    '      grafana:',
    `        enabled: ${answers.monitoring}`,
    '    apps:',
    `      enabled: ${answers.apps}`,
    '  secrets:',
    '    sops:',
    `      enabled: ${answers.sops}`,
    '',
  ].join('\n')
}

/** What the answers make, in a few lines, before anything is written. */
export function describeAnswers(answers: WizardAnswers): string[] {
  const where =
    answers.provider === 'kind'
      ? `kind, 1 control plane + ${answers.workers} worker(s), HTTP on 127.0.0.1:${answers.httpPort}, HTTPS on 127.0.0.1:${answers.httpsPort}`
      : `existing cluster, context ${answers.context} in ${answers.kubeconfig}`
  const components = [
    answers.crossplane && `Crossplane${answers.clouds.length ? ` (+ ${answers.clouds.join(', ')})` : ''}`,
    answers.monitoring && 'Prometheus and Grafana',
    answers.apps && 'the example app',
  ].filter(Boolean)
  return [
    `cluster ${answers.name}: ${where}`,
    `engine: ${ENGINE_TITLES[answers.engine]} reading branch ${answers.branch} of ${repository(answers)}`,
    `components: ${components.join(', ') || 'none'}; secrets ${answers.sops ? 'encrypted with SOPS' : 'not managed'}`,
  ]
}

/** The repository in the summary, with how the engine reads it; the in-cluster server needs no credentials. */
function repository(answers: WizardAnswers): string {
  if (!answers.repoUrl) return 'a Git server inside the cluster (this checkout, pushed by bootstrap)'
  const access = answers.auth === 'https' ? `token from $${answers.tokenEnv}` : answers.auth === 'ssh' ? 'deploy key' : 'public'
  return `${answers.repoUrl} (${access})`
}

/** Validate and write clusters/<name>/cluster.yaml; an existing file is replaced only when the answers say so. */
export async function writeSpec(repoRoot: string, answers: WizardAnswers): Promise<string> {
  const file = specFileOf(repoRoot, answers.name)
  const text = renderSpecYaml(answers)
  // Same validation as bootstrap: the wizard never writes a spec bootstrap would reject.
  parseClusterSpec(text, file, repoRoot, answers.name)
  if (existsSync(file) && !answers.replace) {
    throw new BadInputError(`${path.relative(repoRoot, file)} already exists`, { details: ['pass --yes to replace it, or choose another --cluster'] })
  }
  await mkdir(path.dirname(file), { recursive: true })
  await writeFile(file, text)
  return file
}
