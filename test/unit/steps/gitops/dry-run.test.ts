import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest'
import { exitCodeOf } from '../../../../bootstrap/engine/errors.js'
import { newFacts } from '../../../../bootstrap/engine/facts.js'
import { runSteps, type RunReport } from '../../../../bootstrap/engine/run.js'
import { describeWaits } from '../../../../bootstrap/engine/waits.js'
import { gitopsSteps, gitopsStatusSteps } from '../../../../bootstrap/steps/gitops/index.js'
import { DryRunRunner } from '../../../../bootstrap/tools/dry-run-runner.js'
import { platformFetch } from '../../../../bootstrap/tools/git-host.js'
import { RecordingRunner } from '../../../../bootstrap/tools/recording-runner.js'
import { Redactor } from '../../../../bootstrap/tools/secrets.js'
import { formatPlan } from '../../../../bootstrap/ui/format.js'
import { toJsonReport } from '../../../../bootstrap/ui/json-report.js'
import { clusterStub, removeTempDirs, specYaml, tempRepo } from './support.js'
import { kindlingCommand, PROJECT_ROOT } from '../../../../bootstrap/project.js'
import { readGitopsStatus } from '../../../../bootstrap/steps/gitops/status.js'
import type { KubeClient } from '../../../../bootstrap/kube/client.js'
import { loadClusterSpec } from '../../../../bootstrap/spec/load.js'
import { componentWaits, healthGateStep } from '../../../../bootstrap/steps/gitops/health-gate.js'
import { testContext } from '../../support/context.js'
import { makeFifo, releaseFifo } from '../../support/fifo.js'
import { leftoverPaths } from '../../../../bootstrap/steps/gitops/leftovers.js'
import { renderedFiles } from '../../../../bootstrap/steps/gitops/push-state.js'

const TOKEN = 'ghp_T0kenThatMustNeverBePrinted0123456789'
const SHA = 'c0ffee0123456789abcdef0123456789abcdef01'

afterEach(() => vi.unstubAllEnvs())
afterAll(removeTempDirs)

async function dryRun(
  engine: 'flux' | 'argocd',
  repository: string,
  repoFiles: Record<string, string> = {},
  flags: { noPush?: boolean; yes?: boolean } = {},
  interactive = false,
  gitStatus = '',
) {
  const { spec, home, root } = tempRepo('lab', specYaml('lab', `engine: ${engine}`, repository))
  for (const [file, content] of Object.entries(repoFiles)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true })
    writeFileSync(path.join(root, file), content)
  }
  vi.stubEnv('HOME', home)
  vi.stubEnv('LAB_TOKEN', TOKEN)
  const redactor = new Redactor()
  const recorder = new RecordingRunner([
    { match: /ls-remote/, stdout: `${SHA}\trefs/heads/main\n` },
    { match: /status --porcelain/, stdout: gitStatus },
  ])
  const logs: string[] = []
  const report: RunReport = await runSteps([clusterStub, ...gitopsSteps(spec, { healthTimeoutMs: 120_000, interactive })], {
    spec,
    runner: new DryRunRunner(recorder, redactor),
    kube: async () => {
      throw new Error('no cluster in this test')
    },
    log: (line) => logs.push(line),
    signal: new AbortController().signal,
    secrets: redactor,
    flags: { dryRun: true, yes: false, recreate: false, purge: false, verbose: false, ...flags },
    facts: newFacts(),
    env: process.env,
    fetch: platformFetch,
  })
  const redact = (text: string): string => redactor.redact(text)
  return {
    root,
    spec,
    report,
    recorder,
    plan: formatPlan(report, redact),
    json: JSON.stringify(toJsonReport('bootstrap', 'lab', report, {}, redact)),
    logs: logs.join('\n'),
  }
}

describe('GitOps steps in a dry run', () => {
  it('refuse to generate a new age key when Git holds secrets encrypted for another (a rebuild without the backup)', async () => {
    const recipient = 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p'
    const run = await dryRun('flux', 'url: https://github.com/example/lab.git', {
      '.sops.yaml': `creation_rules:\n  - path_regex: clusters/lab/.*\\.sops\\.ya?ml$\n    age: ${recipient}\n`,
    })
    const step = run.report.steps.find((entry) => entry.name === 'sops-key')
    expect(exitCodeOf(step?.error)).toBe(3)
    expect(run.plan).toContain(`no age key at`)
    expect(run.plan).toContain(`restore the key for ${recipient} from your backup`)
    expect(run.plan).not.toContain('generate the age key')
  })

  it('print the Flux install, secret, sync and wait steps with the token masked everywhere', async () => {
    const run = await dryRun('flux', 'url: https://github.com/example/lab.git\nauth:\n  type: https\n  tokenEnv: LAB_TOKEN')
    expect(run.report.ok).toBe(true)
    expect(run.report.steps.map((step) => step.name)).toEqual([
      'cluster',
      'engine',
      'components',
      'component-secrets',
      'repo-credentials',
      'sops-key',
      'root-sync',
      'push',
      'health-gate',
      'hooks',
    ])
    expect(run.plan).toContain('$ helm upgrade --install flux-operator oci://ghcr.io/controlplaneio-fluxcd/charts/flux-operator --version 0.59.0')
    expect(run.plan).toMatch(/kind: FluxInstance[\s\S]*version: 2\.9\.5/)
    expect(run.plan).toMatch(/kind: Secret[\s\S]*password: <secret LAB_TOKEN>/)
    expect(run.plan).toMatch(/kind: GitRepository[\s\S]*kind: Kustomization[\s\S]*prune: true/)
    expect(run.plan).toContain(`then wait until GitRepository flux-system/flux-system is Ready=True at ${SHA.slice(0, 7)} (up to 120 s)`)
    expect(run.plan).toContain(`then wait until Kustomization flux-system/flux-system is Ready=True at ${SHA.slice(0, 7)} (up to 120 s)`)
    expect(run.plan).toContain('wait until CustomResourceDefinition fluxinstances.fluxcd.controlplane.io is Established=True')
    expect(run.plan).toMatch(/BACK UP .*lab\.agekey/)
    for (const output of [run.plan, run.json, run.logs, run.recorder.lines.join('\n')]) expect(output).not.toContain(TOKEN)
    expect(run.recorder.commands.every((command) => command.readOnly)).toBe(true)
    expect(run.recorder.commands.some((command) => Object.values(command.env ?? {}).some((value) => String(value) === TOKEN))).toBe(false)
  })

  it('print the Argo CD install, deploy key, root Application, refresh and wait steps', async () => {
    const run = await dryRun('argocd', 'url: git@github.com:example/lab.git\nauth:\n  type: ssh')
    expect(run.report.ok).toBe(true)
    expect(run.plan).toContain(
      '$ helm upgrade --install argocd argo-cd --repo https://argoproj.github.io/argo-helm --version 10.1.1 --namespace argocd --create-namespace --values',
    )
    expect(run.plan).toContain("$ ssh-keygen -q -t ed25519 -N ''")
    expect(run.plan).toMatch(/add it as a read-only deploy key at https:\/\/github\.com\/example\/lab\/settings\/keys/)
    expect(run.plan).toMatch(/kind: Application[\s\S]*name: root[\s\S]*ServerSideApply=true/)
    expect(run.plan).toContain('ask Argo CD to sync main now')
    expect(run.plan).toContain(`then wait until Application argocd/root is Synced and Healthy at ${SHA.slice(0, 7)}`)
  })

  it.each(['flux', 'argocd'] as const)(
    'list with %s the Crossplane chart, its providers and functions, the Postgres XRD and all four compositions, and wait for each',
    async (engine) => {
      const run = await dryRun(engine, 'url: https://github.com/example/lab.git')
      expect(run.report.ok).toBe(true)
      expect(run.plan).toContain('crossplane: Helm chart crossplane 2.4.2 from https://charts.crossplane.io/stable into crossplane-system')
      for (const pkg of ['provider-kubernetes', 'provider-helm', 'function-go-templating', 'function-auto-ready'])
        expect(run.plan).toMatch(new RegExp(`crossplane-packages: (Provider|Function) ${pkg} \\(xpkg\\.crossplane\\.io/crossplane-contrib/${pkg}:v`))
      expect(run.plan).toContain('postgres: CompositeResourceDefinition postgresinstances.platform.kindling.dev')
      for (const target of ['local', 'azure', 'gcp', 'hetzner']) expect(run.plan).toContain(`postgres: Composition postgres-${target}`)
      expect(run.plan).toContain('wait until Provider provider-kubernetes is Healthy=True')
      expect(run.plan).toContain('wait until Function function-go-templating is Healthy=True')
      expect(run.plan).toContain('wait until CompositeResourceDefinition postgresinstances.platform.kindling.dev is Established=True')
      const sync =
        engine === 'flux' ? 'Kustomization flux-system/crossplane-packages is Ready=True' : 'Application argocd/crossplane-packages is Synced and Healthy'
      expect(run.plan).toContain(`wait until ${sync}`)
      // The component files themselves are written first, so the engine finds them in Git.
      expect(run.plan).toContain(`write ${run.root}/clusters/lab/components/postgres/manifests.yaml`)
    },
  )

  it('name what an earlier spec rendered and nothing applies now (the old engine’s folder), and keep it', async () => {
    const left = {
      // Flux's folder after a switch to Argo CD, and a component file no spec renders.
      'clusters/lab/flux-system/kustomization.yaml': 'resources: [gotk.yaml]\n',
      'clusters/lab/flux-system/values.yaml': '# my edits\n',
      'clusters/lab/components/retired.yaml': 'kind: HelmRelease\n',
      // The person's own files are theirs, never named.
      'clusters/lab/apps/mine/app.yaml': 'kind: ConfigMap\n',
      'clusters/lab/secrets/db.sops.yaml': 'sops: {}\n',
    }
    const run = await dryRun('argocd', 'url: https://github.com/example/lab.git', left)
    const push = run.report.steps.find((step) => step.name === 'push')
    expect(push?.detail).toContain(
      `; clusters/lab/flux-system/, clusters/lab/components/retired.yaml rendered for an earlier spec and applied by nothing now (remove them: git -C ${run.root} rm -r --quiet -- clusters/lab/flux-system/ clusters/lab/components/retired.yaml && git -C ${run.root} commit -m 'remove unused files')`,
    )
    expect(run.plan).not.toMatch(/apps\/mine|secrets\/db/)
    expect(run.recorder.commands.map((command) => command.args.join(' ')).join('\n')).not.toMatch(/\brm\b/)
    expect(leftoverPaths(run.spec, await renderedFiles(run.spec))).toEqual(['clusters/lab/flux-system/', 'clusters/lab/components/retired.yaml'])
  })

  it('commit the spec and the SOPS rule with the rendered files: a clone on new hardware needs both to rebuild', async () => {
    // cluster.yaml written by hand (or by the wizard) and never committed; no .sops.yaml yet: this run writes it.
    const run = await dryRun('flux', 'url: https://github.com/example/lab.git', {}, {}, false, '?? clusters/lab/cluster.yaml\n')
    const add = run.plan.split('\n').find((line) => line.includes(' add -- '))
    expect(add).toMatch(/ add -- .*\.sops\.yaml/)
    expect(add).toMatch(/ add -- .*clusters\/lab\/cluster\.yaml/)
    // A spec already committed is not listed again; the rule this run writes still is.
    const committed = await dryRun('flux', 'url: https://github.com/example/lab.git')
    const committedAdd = committed.plan.split('\n').find((line) => line.includes(' add -- '))
    expect(committedAdd).toMatch(/ add -- .*\.sops\.yaml/)
    expect(committedAdd).not.toContain('cluster.yaml')
  })

  it('with --no-push, print the commands that push by hand; a remote it cannot read leaves the step unknown, not ticked', async () => {
    const readable = await dryRun('flux', 'url: https://github.com/example/lab.git', {}, { noPush: true })
    const push = readable.report.steps.find((step) => step.name === 'push')!
    expect(push).toMatchObject({ status: 'done', verdict: 'left to you' })
    expect(readable.plan).toMatch(/\d+\. ✔ push — Commit and push clusters\/lab\/ to main: left to you — --no-push: /)
    expect(push.detail).toMatch(
      /^--no-push: \d+ rendered file\(s\) not committed, this checkout not pushed; push yourself: git -C \S+ add -- .* && git -C \S+ commit .* && git -C \S+ push --quiet https:\/\/github\.com\/example\/lab\.git HEAD:refs\/heads\/main$/,
    )
    expect(push.actions).toEqual([])
    // The token the remote needs is not set: whether the commit is there cannot be known.
    vi.stubEnv('UNSET_TOKEN', '')
    const unreadable = await dryRun('flux', 'url: https://github.com/example/lab.git\nauth:\n  type: https\n  tokenEnv: UNSET_TOKEN', {}, { noPush: true })
    const unknown = unreadable.report.steps.find((step) => step.name === 'push')!
    expect(unknown.status).toBe('unknown')
    expect(String(unknown.error)).toMatch(
      /whether https:\/\/github\.com\/example\/lab\.git main has this checkout's commit is unknown: environment variable UNSET_TOKEN is not set/,
    )
    expect(unreadable.plan).toMatch(/push yourself:\n\s+git -C \S+ add -- /)
  })

  it('plan the push as it will happen: without a question under --yes, with one on a terminal, refused off a terminal', async () => {
    const repository = 'url: https://github.com/example/lab.git'
    const pushPlan = (run: { plan: string }): string => /\d+\. . push — [^]*?\n\n/.exec(run.plan)![0]
    const yes = pushPlan(await dryRun('flux', repository, {}, { yes: true }))
    expect(yes).toContain('push without asking (--yes)')
    expect(yes).not.toMatch(/ask before pushing/)
    expect(pushPlan(await dryRun('flux', repository, {}, {}, true))).toContain('ask before pushing (--yes agrees)')
    expect(pushPlan(await dryRun('flux', repository))).toContain(
      'stop here: off a terminal nobody can agree to the push (pass --yes, or --no-push to push yourself)',
    )
  })

  it('say what is true of read access: the in-cluster Git server and a public repository need no credentials, each for its own reason', async () => {
    const inCluster = await dryRun('argocd', 'branch: main')
    expect(inCluster.plan).toMatch(
      /\d+\. ✔ repo-credentials — Give the engine read access to the repository: not needed — the in-cluster Git server lets the engine read without credentials\n/,
    )
    const pub = await dryRun('flux', 'url: https://github.com/example/lab.git')
    expect(pub.plan).toMatch(/: not needed — public repository: the engine reads it without credentials\n/)
    // A wait reads as a sentence, a StatefulSet's too.
    expect(inCluster.plan).toContain(
      'then wait until StatefulSet argocd/argocd-application-controller is ready with all replicas at the current revision (up to',
    )
  })

  it('still print the whole plan when the remote cannot be reached', async () => {
    const { spec, home } = tempRepo('lab', specYaml('lab', 'engine: flux', 'url: https://github.com/example/lab.git'))
    vi.stubEnv('HOME', home)
    const redactor = new Redactor()
    const report = await runSteps([clusterStub, ...gitopsSteps(spec, { healthTimeoutMs: 1000, interactive: false })], {
      spec,
      runner: new DryRunRunner(new RecordingRunner([{ match: /ls-remote/, exitCode: 128, stderr: 'fatal: unable to access' }]), redactor),
      kube: async () => {
        throw new Error('no cluster')
      },
      log: () => {},
      signal: new AbortController().signal,
      secrets: redactor,
      flags: { dryRun: true, yes: false, recreate: false, purge: false, verbose: false },
      facts: newFacts(),
      env: process.env,
      fetch: platformFetch,
    })
    expect(report.ok).toBe(true)
    expect(formatPlan(report, (text) => text)).toContain('is Ready=True at <head of main>')
  })

  it('refuse a named pipe where a repository file belongs (.sops.yaml) at once, naming it and the fix', async () => {
    const { spec, home, root } = tempRepo('lab', specYaml('lab', 'engine: flux', 'url: https://example.com/lab.git'))
    vi.stubEnv('HOME', home)
    const fifo = makeFifo(path.join(root, '.sops.yaml'))
    try {
      const sopsKey = gitopsSteps(spec, { healthTimeoutMs: 1000, interactive: false }).find((step) => step.name === 'sops-key')!
      const error = await sopsKey.check(testContext({ spec })).catch((caught: unknown) => caught)
      expect(exitCodeOf(error)).toBe(2)
      expect(error).toMatchObject({
        message: `${fifo} is a named pipe, not a file: reading it could wait forever`,
        details: ['make .sops.yaml a regular file, or remove it (kindling writes the files it renders)'],
      })
    } finally {
      releaseFifo(fifo)
    }
  })

  it('offers one read-only status step', () => {
    const { spec } = tempRepo('lab', specYaml('lab', 'engine: argocd', 'url: https://github.com/example/lab.git'))
    expect(gitopsStatusSteps(spec, { healthTimeoutMs: 1, interactive: false }).map((step) => step.name)).toEqual(['gitops'])
  })
})

describe('status of a cluster with no engine yet', () => {
  it('names the bootstrap command that installs it, for this cluster', async () => {
    const spec = await loadClusterSpec(PROJECT_ROOT, 'homelab')
    const kube = { list: async () => [] } as unknown as KubeClient
    const status = await readGitopsStatus(testContext({ spec, kube }))
    expect(status).toMatchObject({ healthy: false, summary: 'Flux is not installed' })
    expect(status.problems).toEqual([`Helm release flux-system/flux-operator not found: install it with \`${kindlingCommand('bootstrap -c homelab')}\``])
  })
})

describe('the example clusters, planned', () => {
  it.each(['homelab', 'homelab-argocd'])(
    'clusters/%s: the gate lists kube-prometheus-stack, its monitors, rules and dashboards, and the example app by name',
    async (name) => {
      const spec = await loadClusterSpec(PROJECT_ROOT, name)
      const actions = await healthGateStep(spec, 1000).plan(testContext({ spec }))
      const note = actions.flatMap((action) => (action.type === 'note' ? [action.text] : [])).join('\n')
      expect(note).toMatch(
        /monitoring: Helm chart kube-prometheus-stack 88\.\d+\.\d+ from https:\/\/prometheus-community\.github\.io\/helm-charts into monitoring/,
      )
      for (const kind of ['PodMonitor', 'PrometheusRule', 'ConfigMap']) expect(note).toContain(`monitoring-config: ${kind} `)
      expect(note).toContain('apps: podinfo, as listed in apps/kustomization.yaml (yours to edit)')
    },
  )

  it.each(['homelab', 'homelab-argocd'])(
    "clusters/%s: every wait the gate lists reads differently, the providers' two `ClusterProviderConfig default` told apart by group",
    async (name) => {
      const spec = await loadClusterSpec(PROJECT_ROOT, name)
      const waits = describeWaits(componentWaits(spec, 'abc1234', 1000))
      expect(new Set(waits).size).toBe(waits.length)
      expect(waits).toContain('wait until ClusterProviderConfig default (kubernetes.m.crossplane.io) exists (up to 1 s)')
      expect(waits).toContain('wait until ClusterProviderConfig default (helm.m.crossplane.io) exists (up to 1 s)')
      expect(waits.filter((wait) => wait.includes('Provider provider-helm is'))).toEqual(['wait until Provider provider-helm is Healthy=True (up to 1 s)'])
    },
  )
})
