import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { parse, stringify } from 'yaml'
import { runWizard, type WizardIo } from '../../../bootstrap/cli/wizard.js'
import { WIZARD_HELP } from '../../../bootstrap/cli/wizard-help.js'
import { loadClusterSpec } from '../../../bootstrap/spec/load.js'
import { renderedFiles } from '../../../bootstrap/steps/gitops/push-state.js'
import { fileWrites } from '../../../bootstrap/steps/gitops/repo.js'
import { RecordingRunner } from '../../../bootstrap/tools/recording-runner.js'
import type { Prompter } from '../../../bootstrap/ui/wizard.js'
import { repoRoot } from '../support/context.js'
import { makeFifo, releaseFifo } from '../support/fifo.js'
import { terminalDriver, type Typed } from './terminal-driver.js'

let dir = ''
afterEach(() => rmSync(dir, { recursive: true, force: true }))

function repo(): string {
  dir = mkdtempSync(path.join(os.tmpdir(), 'kindling-wizard-'))
  mkdirSync(path.join(dir, 'clusters'))
  return dir
}

function io(cwd: string, prompter?: Prompter, origin = 'git@github.com:me/lab.git', bootstrap?: WizardIo['bootstrap'], identity = { name: '', email: '' }) {
  const out: string[] = []
  const err: string[] = []
  const runner = new RecordingRunner([
    { match: /remote get-url origin/, stdout: origin },
    { match: /config --get user\.name/, stdout: identity.name, exitCode: identity.name ? 0 : 1 },
    { match: /config --get user\.email/, stdout: identity.email, exitCode: identity.email ? 0 : 1 },
  ])
  return {
    value: { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t), cwd: cwd as string | undefined, runner, prompter, bootstrap },
    out,
    err,
  }
}

/** A kubeconfig with two contexts, as an existing cluster's user would have. */
function kubeconfig(root: string): string {
  const file = path.join(root, 'kubeconfig')
  const cluster = (name: string) => ({ name, cluster: { server: 'https://127.0.0.1:6443' } })
  writeFileSync(
    file,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [cluster('a'), cluster('b')],
      users: [{ name: 'u', user: { token: 'x' } }],
      contexts: [
        { name: 'edge-admin', context: { cluster: 'a', user: 'u' } },
        { name: 'lab-admin', context: { cluster: 'b', user: 'u' } },
      ],
      'current-context': 'edge-admin',
    }),
  )
  return file
}

/** The questions of a kind cluster with a public remote and nothing optional, answered; a test overrides what it is about. */
function kindScript(overrides: Record<string, Typed>): Record<string, Typed> {
  return {
    'Where does': { pick: 'kind' },
    'Worker nodes': '0',
    'Host port for HTTP into': '8080',
    'Host port for HTTPS': '8443',
    'GitOps engine': { pick: 'flux' },
    'Git repository': 'https://github.com/me/lab.git',
    Branch: 'main',
    'Repository access': { pick: 'none' },
    'Install Crossplane': false,
    'Install Prometheus': false,
    'Deploy the example app': false,
    'Encrypt secrets': false,
    'Write clusters': true,
    ...overrides,
  }
}

describe('wizard on a terminal (real prompts, typed answers)', () => {
  it('checks each answer as it is given, re-asks a bad one with the spec rule, and writes a spec that bootstrap accepts', async () => {
    const root = repo()
    const driver = terminalDriver({
      'Cluster name': ['My Lab', 'lab'],
      'Where does': { pick: 'kind' },
      'Worker nodes': ['100', '-1', 'two', '2'],
      'Host port for HTTP into': ['80800', '8080'],
      'Host port for HTTPS': ['8080', '8443'],
      'GitOps engine': { pick: 'argocd' },
      'Git repository': ['not a url', 'https://user:hunter2hunter2@github.com/me/lab.git', 'https://github.com/me/lab.git'],
      Branch: 'main',
      'Repository access': { pick: 'https' },
      'Name of the environment variable': ['my-token', 'ghp_0123456789abcdefABCDEF0123456789abcd', 'LAB_TOKEN'],
      'Install Crossplane': true,
      Clouds: { tick: ['azure', 'hetzner'] },
      'Install Prometheus': false,
      'Deploy the example app': true,
      'Encrypt secrets': true,
      'Write clusters': true,
      'Bootstrap lab now': false,
    })
    const t = io(root, driver)
    expect(await runWizard([], t.value), t.err.join('')).toBe(0)
    const errors = driver.errors.map(({ question, error }) => `${question.split(' ')[0]}: ${error}`)
    expect(errors).toEqual([
      expect.stringMatching(/^Cluster: must be lowercase letters, digits and "-"/),
      'Worker: must be a whole number from 0 to 10',
      'Worker: must be a whole number from 0 to 10',
      'Worker: must be a whole number from 0 to 10',
      'Host: must be a port between 1 and 65535',
      'Host: 8080 is already the HTTP port; give another port',
      'Git: must be an https://, ssh://, git@host:path or file:// URL',
      expect.stringMatching(/^Git: must not hold credentials/),
      'Name: must be the name of an environment variable (letters, digits and "_", not starting with a digit, such as GITHUB_TOKEN), not its value',
      expect.stringMatching(/^Name: looks like a token, not the name of an environment variable/),
    ])
    // Secrets typed by mistake are never repeated back.
    expect(errors.join('\n')).not.toMatch(/hunter2|ghp_0123/)
    const spec = await loadClusterSpec(root, 'lab')
    expect(spec.gitops.engine).toBe('argocd')
    expect(spec.repository.auth).toMatchObject({ type: 'https', tokenEnv: 'LAB_TOKEN' })
    expect(spec.provider.type === 'kind' && spec.provider.portMappings.map((m) => [m.containerPort, m.hostPort])).toEqual([
      [30080, 8080],
      [30443, 8443],
    ])
    expect(spec.components.crossplane.clouds).toMatchObject({ azure: { enabled: true }, gcp: { enabled: false }, hetzner: { enabled: true } })
    expect(spec.components.monitoring.enabled).toBe(false)
    const text = readFileSync(spec.file, 'utf8')
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=../../bootstrap/spec/cluster.schema.json')
    expect(text).toContain('# The token itself stays in this environment variable, never in Git.')
    expect(t.err.join('')).toMatch(/cluster lab: kind, 1 control plane \+ 2 worker\(s\), HTTP on 127.0.0.1:8080/)
    expect(t.out.join('')).toContain('next: npx kindling bootstrap -c lab')
  })

  it('an existing cluster folder: asks to replace it or pick another name', async () => {
    const root = repo()
    const first = io(root)
    expect(await runWizard(['-c', 'lab', '--repo', 'https://github.com/me/lab.git'], first.value)).toBe(0)
    // Off a terminal the bootstrap it names cannot ask before pushing either: the command it gives says how to answer.
    expect(first.out.join('')).toContain(
      'next: npx kindling bootstrap -c lab --yes   (add --dry-run to see the plan first; --yes lets it commit and push what it renders, --no-push leaves that to you)',
    )
    const driver = terminalDriver({
      'Cluster name (a folder': 'lab',
      'clusters/lab/cluster.yaml already exists': { pick: 'other' },
      'Cluster name': ['Lab 2', 'lab2'],
      ...kindScript({ 'Install Prometheus': true, 'Encrypt secrets': true }),
    })
    const second = io(root, driver)
    expect(await runWizard([], second.value), second.err.join('')).toBe(0)
    expect(driver.errors).toEqual([{ question: 'Cluster name', error: expect.stringMatching(/^must be lowercase letters/) }])
    expect((await loadClusterSpec(root, 'lab2')).components.apps.enabled).toBe(false)
  })

  it('an existing name typed again comes back to the choice, so replacing stays possible', async () => {
    const root = repo()
    expect(await runWizard(['-c', 'lab', '--repo', 'https://github.com/me/lab.git'], io(root).value)).toBe(0)
    const driver = terminalDriver({
      'Cluster name (a folder': 'lab',
      'clusters/lab/cluster.yaml already exists': { picks: ['other', 'replace'] },
      'Cluster name': 'lab',
      ...kindScript({ 'Worker nodes': '1', 'GitOps engine': { pick: 'argocd' } }),
    })
    // Files of the person's own beside them are theirs, never listed for deletion.
    mkdirSync(path.join(root, 'clusters/lab/secrets'))
    writeFileSync(path.join(root, 'clusters/lab/secrets/azure-credentials.sops.yaml'), 'sops: {}\n')
    const t = io(root, driver)
    expect(await runWizard([], t.value), t.err.join('')).toBe(0)
    expect(t.err.join('')).not.toContain('secrets/azure-credentials')
    expect(driver.asked.filter((question) => question.includes('already exists'))).toHaveLength(2)
    expect((await loadClusterSpec(root, 'lab')).gitops.engine).toBe('argocd')
    // The Flux spec it replaced rendered files the Argo CD one does not use: named, left alone.
    const err = t.err.join('')
    expect(err).toMatch(/note: \d+ file\(s\) under clusters\/lab\/ were rendered for the spec this one replaces/)
    expect(err).toContain('  clusters/lab/flux-system/flux-instance.yaml\n')
    expect(err).not.toContain('clusters/lab/argocd/')
    expect(readFileSync(path.join(root, 'clusters/lab/flux-system/flux-instance.yaml'), 'utf8')).toContain('FluxInstance')
  })

  it('a name whose folder is a file, or whose cluster.yaml is a folder, is asked again on a terminal and refused off it (exit 2), before any other question', async () => {
    const root = repo()
    writeFileSync(path.join(root, 'clusters/lab6'), 'notes\n')
    mkdirSync(path.join(root, 'clusters/lab7/cluster.yaml'), { recursive: true })
    const off = io(root)
    expect(await runWizard(['-c', 'lab6', '--repo', 'https://github.com/me/lab.git'], off.value)).toBe(2)
    expect(off.err.join('')).toContain(
      '--cluster NAME (or -c): clusters/lab6 is a file, not a folder, so clusters/lab6/cluster.yaml cannot be written: move it away or pick another name',
    )
    expect(off.err.join('')).not.toMatch(/EEXIST|EISDIR|\n {4}at /)
    const folder = io(root)
    expect(await runWizard(['-c', 'lab7', '--yes', '--repo', 'https://github.com/me/lab.git'], folder.value)).toBe(2)
    expect(folder.err.join('')).toContain('clusters/lab7/cluster.yaml is not a file (a folder?)')
    const driver = terminalDriver({ 'Cluster name (a folder': ['lab6', 'lab8'], ...kindScript({ 'Bootstrap lab8 now': false }) })
    const t = io(root, driver)
    expect(await runWizard([], t.value), t.err.join('')).toBe(0)
    expect(driver.errors).toEqual([
      { question: 'Cluster name (a folder under clusters/)', error: expect.stringContaining('clusters/lab6 is a file, not a folder') },
    ])
    expect(readFileSync(path.join(root, 'clusters/lab6'), 'utf8')).toBe('notes\n')
    expect((await loadClusterSpec(root, 'lab8')).name).toBe('lab8')
  })

  it("a new kind cluster's ports default to ones no other cluster's spec binds, the local registry's too, and a port shared on purpose is said", async () => {
    const root = repo()
    mkdirSync(path.join(root, 'clusters/homelab'))
    writeFileSync(path.join(root, 'clusters/homelab/cluster.yaml'), readFileSync(path.join(repoRoot, 'clusters/homelab/cluster.yaml'), 'utf8'))
    const t = io(root)
    expect(await runWizard(['-c', 'lab', '--repo', ''], t.value), t.err.join('')).toBe(0)
    const spec = await loadClusterSpec(root, 'lab')
    const kind = spec.provider.type === 'kind' ? spec.provider : undefined
    expect(kind?.portMappings.map((mapping) => mapping.hostPort)).toEqual([8081, 8444])
    expect(kind?.registryCaches.localRegistry.hostPort).toBe(5002)
    expect(t.err.join('')).toContain('note: the local registry takes host port 5002: 5001 is bound by clusters/homelab')
    // A run refused for a missing answer says only what is missing: a note on a default port would bury it.
    const refused = io(root)
    expect(await runWizard(['--repo', ''], refused.value)).toBe(2)
    expect(refused.err.join('')).toContain('--cluster NAME (or -c): needed (there is no terminal to ask on)')
    expect(refused.err.join('')).not.toContain('note:')
    // Replacing homelab itself keeps its own ports.
    const again = io(root)
    expect(await runWizard(['-c', 'homelab', '--yes', '--repo', ''], again.value), again.err.join('')).toBe(0)
    const homelab = (await loadClusterSpec(root, 'homelab')).provider
    expect(homelab.type === 'kind' && homelab.portMappings.map((mapping) => mapping.hostPort)).toEqual([8080, 8443])
    // Given on purpose: taken, and said.
    const shared = io(root)
    expect(await runWizard(['-c', 'lab2', '--http-port', '8081', '--repo', ''], shared.value), shared.err.join('')).toBe(0)
    expect(shared.err.join('')).toContain('note: host port 8081 is also bound by clusters/lab; the two clusters cannot run at the same time')
    // Every port the registry skipped is named with its cluster, not only the first.
    expect(shared.err.join('')).toContain('note: the local registry takes host port 5003: 5001 is bound by clusters/homelab, 5002 by clusters/lab')
  })

  it('writes nothing when the person says no at the summary', async () => {
    const root = repo()
    const driver = terminalDriver(kindScript({ 'Git repository': '', 'Write clusters': false }))
    const t = io(root, driver, '/home/me/src/kindling')
    expect(await runWizard(['-c', 'lab'], t.value), t.err.join('')).toBe(0)
    expect(t.err.join('')).toContain('cluster lab: kind, 1 control plane + 0 worker(s)')
    expect(t.out.join('')).toContain('nothing written')
    expect(readdirSync(path.join(root, 'clusters'))).toEqual([])
    // Exit 0, as --help says.
    expect(WIZARD_HELP).toContain('0 written (or declined at the summary: nothing written)')
  })

  it('a flag with a wrong value is asked for again, not thrown away with every answer at the end', async () => {
    const root = repo()
    const driver = terminalDriver(
      kindScript({
        'Worker nodes': '2',
        'Host port for HTTP into': '9090',
        'Host port for HTTPS': ['09090', '9443'],
        'Install Crossplane': true,
        Clouds: { tick: ['gcp'] },
        'Google Cloud project': 'my-project-123',
        'Bootstrap lab now': false,
      }),
    )
    const t = io(root, driver)
    expect(await runWizard(['-c', 'lab', '--workers', '100', '--repo', 'not a url', '--clouds', 'aws'], t.value), t.err.join('')).toBe(0)
    const err = t.err.join('')
    expect(err).toContain('note: --workers N: must be a whole number from 0 to 10: asking instead')
    expect(err).toMatch(/note: --repo URL: must be an https:\/\/.*: asking instead/)
    expect(err).toContain('note: --clouds azure,gcp,hetzner: "aws" is not one of azure, gcp, hetzner: asking instead')
    // A leading zero does not sneak the HTTP port in twice.
    expect(driver.errors).toEqual([
      { question: 'Host port for HTTPS into the cluster (node port 30443)', error: '9090 is already the HTTP port; give another port' },
    ])
    const spec = await loadClusterSpec(root, 'lab')
    expect(spec.provider.type === 'kind' && spec.provider.nodes.workers).toBe(2)
    expect(spec.repository.url).toBe('https://github.com/me/lab.git')
  })

  it('checks typed answers against the flags given with them, so the session is never lost at the end', async () => {
    const root = repo()
    const driver = terminalDriver(
      kindScript({
        'Host port for HTTP into': ['9443', '9080'],
        'Git repository': ['https://github.com/me/lab.git', 'git@github.com:me/lab.git'],
        'Bootstrap lab now': false,
      }),
    )
    const t = io(root, driver, '/home/me/src/kindling')
    expect(await runWizard(['-c', 'lab', '--auth', 'ssh', '--https-port', '9443'], t.value), t.err.join('')).toBe(0)
    expect(driver.errors.map((error) => error.error)).toEqual([
      '9443 is already the HTTPS port (--https-port); give another port',
      '--auth ssh needs an ssh:// or git@host:path URL',
    ])
    expect((await loadClusterSpec(root, 'lab')).repository).toMatchObject({ url: 'git@github.com:me/lab.git', auth: { type: 'ssh' } })
  })

  it("refuses the local registry's host port for HTTP and HTTPS, as a flag and typed, before the summary", async () => {
    const root = repo()
    const driver = terminalDriver(
      kindScript({ 'Host port for HTTP into': ['5001', '9080'], 'Host port for HTTPS': ['5001', '9443'], 'Bootstrap lab now': false }),
    )
    const t = io(root, driver, '/home/me/src/kindling')
    expect(await runWizard(['-c', 'lab', '--http-port', '5001'], t.value), t.err.join('')).toBe(0)
    expect(t.err.join('')).toContain(
      "note: --http-port PORT: 5001 is the local registry's host port (the registry caches are on); give another port: asking instead",
    )
    expect(driver.errors.map((error) => error.error)).toEqual([
      "5001 is the local registry's host port (the registry caches are on); give another port",
      "5001 is the local registry's host port (the registry caches are on); give another port",
    ])
    const spec = await loadClusterSpec(root, 'lab')
    expect(spec.provider.type === 'kind' && spec.provider.portMappings.map((mapping) => mapping.hostPort)).toEqual([9080, 9443])
  })

  it('--token-env alone asks for a repository URL as --auth https does, and a person who then picks public access is told it is unused', async () => {
    const root = repo()
    const driver = terminalDriver(
      kindScript({ 'Git repository': ['', 'https://github.com/me/lab.git'], 'Repository access': { pick: 'https' }, 'Bootstrap lab now': false }),
    )
    const t = io(root, driver, '/home/me/src/kindling')
    expect(await runWizard(['-c', 'lab', '--token-env', 'LAB_TOKEN'], t.value), t.err.join('')).toBe(0)
    expect(driver.errors.map((error) => error.error)).toEqual([
      '--token-env (implies --auth https) needs a repository URL (without one the engine reads the in-cluster Git server, which needs no credentials)',
    ])
    expect((await loadClusterSpec(root, 'lab')).repository).toMatchObject({
      url: 'https://github.com/me/lab.git',
      auth: { type: 'https', tokenEnv: 'LAB_TOKEN' },
    })
    const publicAccess = io(repo(), terminalDriver(kindScript({ 'Bootstrap lab now': false })), '/home/me/src/kindling')
    expect(await runWizard(['-c', 'lab', '--token-env', 'LAB_TOKEN'], publicAccess.value), publicAccess.err.join('')).toBe(0)
    expect(publicAccess.err.join('')).toContain('note: --token-env: not used (the repository is read without credentials)')
  })

  it("asks again for a repository URL copied from the docs, with the words bootstrap's preflight would use", async () => {
    const root = repo()
    const driver = terminalDriver(
      kindScript({
        'Git repository': ['https://github.com/you/homelab.git', 'https://github.com/<you>/<your-fork>.git', 'https://github.com/me/lab.git'],
        'Bootstrap lab now': false,
      }),
    )
    const t = io(root, driver, '/home/me/src/kindling')
    expect(await runWizard(['-c', 'lab'], t.value), t.err.join('')).toBe(0)
    expect(driver.errors.map((error) => error.error)).toEqual([
      "is the example's placeholder: give the URL of your own fork of this repository",
      "is the example's placeholder: give the URL of your own fork of this repository",
    ])
    expect((await loadClusterSpec(root, 'lab')).repository.url).toBe('https://github.com/me/lab.git')
  })

  it('flags that contradict each other stop it before the first question', async () => {
    const driver = terminalDriver({})
    const t = io(repo(), driver)
    expect(
      await runWizard(
        [
          '-c',
          'lab',
          '--provider',
          'kind',
          '--kubeconfig',
          '/x',
          '--no-crossplane',
          '--clouds',
          'gcp',
          '--repo',
          'https://github.com/me/lab.git',
          '--auth',
          'ssh',
        ],
        t.value,
      ),
    ).toBe(2)
    expect(driver.asked).toEqual([])
    const err = t.err.join('')
    expect(err).toContain('these flags do not go together (3)')
    expect(err).toContain('--kubeconfig: only for --provider existing')
    expect(err).toContain('--clouds: needs Crossplane; drop --no-crossplane')
    expect(err).toContain('--auth ssh: needs an ssh:// or git@host:path URL in --repo')
  })

  it('--kubeconfig alone means an existing cluster: the provider question starts there, the current context comes first', async () => {
    const root = repo()
    const driver = terminalDriver({
      'Where does': { pick: 'existing' },
      'Kubeconfig context': { pick: 'edge-admin' },
      'GitOps engine': { pick: 'flux' },
      'Git repository': 'none',
      Branch: 'main',
      'Install Crossplane': false,
      'Install Prometheus': false,
      'Deploy the example app': false,
      'Encrypt secrets': false,
      'Write clusters': true,
      'Bootstrap edge now': false,
    })
    const t = io(root, driver)
    // Typed relative to where the wizard runs; written so the spec finds it from the repository root.
    kubeconfig(root)
    mkdirSync(path.join(root, 'docs'))
    t.value.cwd = path.join(root, 'docs')
    expect(await runWizard(['-c', 'edge', '--kubeconfig', '../kubeconfig'], t.value), t.err.join('')).toBe(0)
    const spec = await loadClusterSpec(root, 'edge')
    expect(spec.provider).toMatchObject({ type: 'existing', context: 'edge-admin', kubeconfig: path.join(root, 'kubeconfig') })
    // `none` with a default on the line: no remote.
    expect(spec.repository.inCluster).toBe(true)
  })

  it('an existing cluster: picks a context from the kubeconfig it was given', async () => {
    const root = repo()
    const driver = terminalDriver({
      'Cluster name': 'edge',
      'Where does': { pick: 'existing' },
      'Kubeconfig file': ['~bob/.kube/config', '$HOME/.kube/config', path.join(root, 'missing'), kubeconfig(root)],
      'Kubeconfig context': { pick: 'lab-admin' },
      'GitOps engine': { pick: 'flux' },
      'Git repository': 'git@github.com:me/lab.git',
      Branch: 'main',
      'Install Crossplane': false,
      'Install Prometheus': false,
      'Deploy the example app': true,
      'Encrypt secrets': true,
      'Write clusters': true,
      'Bootstrap edge now': true,
    })
    const bootstrapped: string[] = []
    const t = io(root, driver, 'git@github.com:me/lab.git', async (cluster) => {
      bootstrapped.push(cluster)
      return 0
    })
    expect(await runWizard([], t.value)).toBe(0)
    expect(driver.errors.map((e) => e.error)).toEqual([
      `~bob/.kube/config names another user's home (~name/): only ~/ (your own home) is expanded; write the full path instead`,
      '$HOME/.kube/config starts with an environment variable, which is not expanded: write ~/ for your home, or the full path',
      `${path.join(root, 'missing')} does not exist`,
    ])
    expect((await loadClusterSpec(root, 'edge')).provider).toMatchObject({ type: 'existing', context: 'lab-admin' })
    // Offered at the end, and accepted: the bootstrap runs for the cluster just written.
    expect(bootstrapped).toEqual(['edge'])
  })

  it('an empty repository answer means no remote yet: no access question, a spec for the in-cluster Git server', async () => {
    const root = repo()
    const driver = terminalDriver({
      'Cluster name': 'lab',
      'Where does': { pick: 'kind' },
      'Worker nodes': '0',
      'Host port for HTTP into': '8080',
      'Host port for HTTPS': '8443',
      'GitOps engine': { pick: 'argocd' },
      'Git repository': '',
      Branch: 'main',
      'Install Crossplane': false,
      'Install Prometheus': true,
      'Deploy the example app': true,
      'Encrypt secrets': true,
      'Write clusters': true,
      'Bootstrap lab now': false,
    })
    const t = io(root, driver, '/home/me/src/kindling')
    expect(await runWizard([], t.value), t.err.join('')).toBe(0)
    expect(driver.asked.some((question) => question.startsWith('Repository access'))).toBe(false)
    const spec = await loadClusterSpec(root, 'lab')
    expect(spec.repository).toMatchObject({ inCluster: true, auth: { type: 'none' } })
    expect(spec.gitops.engine).toBe('argocd')
  })

  it('defaults the repository to origin only when it is a network URL, and says whose it should be', async () => {
    const root = repo()
    const driver = terminalDriver({ 'Cluster name': 'lab' })
    const local = io(root, driver, '/home/me/src/kindling')
    await runWizard([], local.value).catch(() => undefined)
    expect(local.err.join('')).not.toContain('default repository')
    const network = io(root, terminalDriver({ 'Cluster name': 'lab' }), 'https://github.com/someone/kindling.git')
    await runWizard([], network.value).catch(() => undefined)
    expect(network.err.join('')).toContain("the default repository is this checkout's origin, https://github.com/someone/kindling.git")
    // The repository question comes next: the way out is to answer it, not a flag nobody can add now.
    expect(network.err.join('')).toContain("not someone else's (type its URL at the question below)")
    expect(network.err.join('')).not.toContain('--repo')
  })

  it("warns only when origin looks like someone else's: its owner is not this machine's Git user name or email", async () => {
    const root = repo()
    const run = async (origin: string, identity: { name: string; email: string }) => {
      const t = io(root, undefined, origin, undefined, identity)
      expect(await runWizard(['--name', 'lab', '--yes'], t.value), t.err.join('')).toBe(0)
      return t.err.join('')
    }
    const mine = await run('git@github.com:jane-doe/lab.git', { name: 'Jane Doe', email: 'jd@example.org' })
    expect(mine).toContain("note: the default repository is this checkout's origin, git@github.com:jane-doe/lab.git: the engine reads it")
    expect(mine).not.toContain("someone else's")
    expect(await run('https://gitlab.example.org/group/JDoe/lab.git', { name: 'Jane', email: 'jdoe@example.org' })).not.toContain('warning')
    const theirs = await run('https://github.com/upstream-org/kindling.git', { name: 'Jane Doe', email: 'jd@example.org' })
    expect(theirs).toContain(
      "warning: the default repository is this checkout's origin, https://github.com/upstream-org/kindling.git, which looks like someone else's (its owner, upstream-org, is not your Git user name or email)",
    )
    expect(theirs).toContain("not someone else's (--repo URL)")
  })

  it('masks a bare token in the fragment of an origin that holds credentials', async () => {
    const hex = '0123456789abcdef0123456789abcdef01234567'
    const t = io(repo(), undefined, `https://github.com/me/x.git#${hex}`)
    await runWizard(['-c', 'w7', '--yes'], t.value).catch(() => undefined)
    expect(t.err.join('')).toContain("note: this checkout's origin, https://github.com/me/x.git#***, holds credentials")
    expect(t.out.join('') + t.err.join('')).not.toContain(hex)
  })
})

describe('wizard without a terminal', () => {
  it('names the flag a mistyped one was meant to be (exit 2)', async () => {
    const t = io(repo())
    expect(await runWizard(['--egine', 'flux'], t.value)).toBe(2)
    expect(t.err.join('')).toContain("Unknown option '--egine' (did you mean --engine?)")
  })

  it('runs from flags, defaulting what is optional', async () => {
    const root = repo()
    const t = io(root)
    expect(
      await runWizard(
        [
          '--cluster',
          'edge',
          '--provider',
          'existing',
          '--kubeconfig',
          kubeconfig(root),
          '--context',
          'edge-admin',
          '--repo',
          'https://example.com/r.git',
          '--auth',
          'https',
          '--token-env',
          'GIT_TOKEN',
          '--no-monitoring',
          '--clouds',
          'gcp',
          '--gcp-project',
          'my-project-123',
        ],
        t.value,
      ),
      t.err.join(''),
    ).toBe(0)
    const spec = await loadClusterSpec(root, 'edge')
    expect(spec.provider).toMatchObject({ type: 'existing', context: 'edge-admin' })
    expect(spec.repository.auth).toEqual({ type: 'https', tokenEnv: 'GIT_TOKEN', username: 'git' })
    expect(spec.components.crossplane.clouds.gcp.enabled).toBe(true)
  })

  it('--help names every value --auth takes, and --yes only for what it does', async () => {
    expect(WIZARD_HELP).toContain('--auth none|https|ssh')
    const t = io(repo())
    expect(await runWizard(['-c', 'a1', '--repo', 'git@github.com:me/a1.git', '--auth', 'ssh'], t.value), t.err.join('')).toBe(0)
    expect(WIZARD_HELP).toMatch(/-y, --yes {20}replace an existing clusters\/<name>\/cluster\.yaml without asking\n/)
  })

  it('in a folder that was deleted: answers --help and refuses the rest with exit 2, writing nothing', async () => {
    const help = io(repo())
    help.value.cwd = undefined
    expect(await runWizard(['--help'], help.value)).toBe(0)
    expect(help.out.join('')).toContain('Usage: kindling wizard')
    const gone = io(repo())
    gone.value.cwd = undefined
    expect(await runWizard(['-c', 'zz', '--yes'], gone.value)).toBe(2)
    expect(gone.err.join('')).toContain('the current folder no longer exists (deleted or moved)')
    expect(gone.value.runner.commands).toEqual([])
  })

  it('writes the cluster folder bootstrap renders beside cluster.yaml, so the first bootstrap finds nothing left to write', async () => {
    const root = repo()
    const t = io(root)
    expect(await runWizard(['--name', 'lab', '--engine', 'argocd'], t.value), t.err.join('')).toBe(0)
    const spec = await loadClusterSpec(root, 'lab')
    const rendered = await renderedFiles(spec)
    expect(rendered.map((file) => file.path)).toEqual(
      expect.arrayContaining(['clusters/lab/kustomization.yaml', 'clusters/lab/apps/podinfo/app.yaml', 'clusters/lab/components/monitoring.yaml']),
    )
    expect(await fileWrites(spec, rendered)).toEqual([])
    expect(t.out.join('')).toContain(`wrote ${rendered.length} file(s) bootstrap renders from it under clusters/lab/`)
  })

  it('uses the checkout origin as the default repository, and says so off a terminal too', async () => {
    const root = repo()
    const t = io(root)
    expect(await runWizard(['--name', 'lab'], t.value)).toBe(0)
    expect((await loadClusterSpec(root, 'lab')).repository.url).toBe('git@github.com:me/lab.git')
    expect(t.err.join('')).toMatch(/the default repository is this checkout's origin, git@github.com:me\/lab.git.*not someone else's/)
  })

  it('with no network origin, writes a spec with no remote: the in-cluster Git server', async () => {
    const root = repo()
    const t = io(root, undefined, '/home/me/src/kindling')
    expect(await runWizard(['--name', 'lab'], t.value), t.err.join('')).toBe(0)
    const spec = await loadClusterSpec(root, 'lab')
    expect(spec.repository).toMatchObject({ inCluster: true, url: 'http://git-server.kindling-git.svc.cluster.local/gitops.git', auth: { type: 'none' } })
    expect(readFileSync(path.join(root, 'clusters/lab/cluster.yaml'), 'utf8')).toContain('# No url: bootstrap runs a Git server inside the cluster')
    expect(t.err.join('')).toContain('reading branch main of a Git server inside the cluster')
  })

  it('lists every missing or invalid answer at once, with the spec rule, and exits 2', async () => {
    const t = io(repo(), undefined, '/not/a/network/remote')
    expect(await runWizard(['--provider', 'existing', '--workers', '100', '--token-env', 'my-token', '--auth', 'https'], t.value)).toBe(2)
    const err = t.err.join('')
    expect(err).toMatch(/--cluster NAME \(or -c\): needed/)
    expect(err).toMatch(/--context NAME: /)
    expect(err).toContain('--repo URL: --auth https needs a repository URL')
    expect(err).toMatch(/--token-env NAME: must be the name of an environment variable/)
  })

  it('without a terminal and without --context, names the contexts the kubeconfig holds to pick from', async () => {
    const root = repo()
    const t = io(root)
    expect(await runWizard(['-c', 'x', '--kubeconfig', kubeconfig(root), '--repo', 'https://github.com/me/x.git'], t.value)).toBe(2)
    expect(t.err.join('')).toContain(
      `--context NAME: needed (there is no terminal to ask on); ${path.join(root, 'kubeconfig')} has edge-admin (current), lab-admin`,
    )
  })

  it('holds defaults, unreached questions and flag pairs to the same rules', async () => {
    const home = repo()
    // The kubeconfig kubectl would read does not exist: a default nobody typed is checked too.
    const t = io(home)
    const env = process.env.KUBECONFIG
    process.env.KUBECONFIG = path.join(home, 'no-such-kubeconfig')
    try {
      expect(await runWizard(['-c', 'a5', '--context', 'foo', '--repo', 'https://github.com/me/a5.git'], t.value)).toBe(2)
    } finally {
      if (env === undefined) delete process.env.KUBECONFIG
      else process.env.KUBECONFIG = env
    }
    expect(t.err.join('')).toContain(`--kubeconfig FILE: ${path.join(home, 'no-such-kubeconfig')} does not exist`)
    const empty = io(home)
    expect(await runWizard(['-c', 'a5', '--kubeconfig', '', '--context', 'foo'], empty.value)).toBe(2)
    expect(empty.err.join('')).toContain('--kubeconfig FILE: needs the path of a kubeconfig file\n')
    // A wrong value whose question never comes: no remote, so no access question.
    const unreached = io(home, undefined, '/not/a/network/remote')
    expect(await runWizard(['-c', 'a6', '--auth', 'token'], unreached.value)).toBe(2)
    expect(unreached.err.join('')).toContain('--auth: must be one of: none, https, ssh')
    const mixed = io(home)
    expect(await runWizard(['-c', 'a7', '--workers', '2', '--context', 'foo'], mixed.value)).toBe(2)
    expect(mixed.err.join('')).toContain('--context, --workers: flags of an existing cluster and of a kind cluster together')
    // A device as the kubeconfig is named, not read: reading /dev/zero would never end.
    const device = io(home)
    expect(await runWizard(['-c', 'a9', '--kubeconfig', '/dev/zero', '--context', 'x'], device.value)).toBe(2)
    expect(device.err.join('')).toContain('--kubeconfig FILE: /dev/zero is a device, not a file')
    // A named pipe as well: opening it would wait for a writer that never comes.
    const fifo = makeFifo(path.join(home, 'kubeconfig-pipe'))
    try {
      const pipe = io(home)
      expect(await runWizard(['-c', 'a9', '--kubeconfig', fifo, '--context', 'x'], pipe.value)).toBe(2)
      expect(pipe.err.join('')).toContain(`--kubeconfig FILE: ${fifo} is a named pipe, not a file`)
    } finally {
      releaseFifo(fifo)
    }
    const ports = io(home)
    expect(await runWizard(['-c', 'a8', '--http-port', '9000', '--https-port', '9000'], ports.value)).toBe(2)
    expect(ports.err.join('')).toContain('(1 problem)')
    expect(ports.err.join('')).toContain('--http-port and --https-port: 9000 twice')
    // The local registry's host port is refused by the flag's name, and nothing is written.
    for (const flag of ['--http-port', '--https-port']) {
      const registry = io(home)
      expect(await runWizard(['-c', 'w4', flag, '5001', '--repo', '', '--yes'], registry.value)).toBe(2)
      expect(registry.err.join('')).toContain(`${flag} PORT: 5001 is the local registry's host port (the registry caches are on); give another port`)
      expect(registry.err.join('')).not.toContain('cluster.yaml:')
    }
    expect(readdirSync(path.join(home, 'clusters'))).toEqual([])
  })

  it('repeats no token or URL password it was handed where a name or a path belongs', async () => {
    const root = repo()
    const t = io(root)
    const token = 'ghp_S3CR3Tsentinel0123456789abcdefABCD'
    expect(
      await runWizard(['-c', 'x', '--kubeconfig', 'https://u:S3CR3T-pass@h/kc', '--context', token, '--repo', `https://github.com/me/${token}.git`], t.value),
    ).toBe(2)
    const said = t.out.join('') + t.err.join('')
    // The spec's own rule for a path: it may hold no credentials (said without them).
    expect(said).toContain('--kubeconfig FILE: https://***@h/kc must not hold credentials')
    expect(said).not.toContain('S3CR3T')
  })

  it('refuses terminal escapes and invisible characters in a flag by its name, before echoing anything, and writes nothing', async () => {
    const root = repo()
    const t = io(root)
    expect(await runWizard(['--yes', '-c', 'w1', '--repo', 'https://h/x\u001b[2J\u001b]0;pwned\u0007.git', '--branch', 'ma\u202ein'], t.value)).toBe(2)
    const said = t.out.join('') + t.err.join('')
    expect(said).toContain('--repo URL: the value holds the control character U+001B: retype it (the value was not printed)')
    expect(said).toMatch(/--branch NAME: \S/)
    expect(['\u001b', '\u202e', 'pwned'].filter((text) => said.includes(text))).toEqual([])
    expect(existsSync(path.join(root, 'clusters', 'w1'))).toBe(false)
  })

  it('names the other file in $KUBECONFIG that holds a context the chosen kubeconfig lacks (kubectl merges them)', async () => {
    const root = repo()
    const first = kubeconfig(root)
    const second = path.join(root, 'prod.kubeconfig')
    writeFileSync(second, readFileSync(first, 'utf8').replaceAll('lab-admin', 'prod-admin'))
    vi.stubEnv('KUBECONFIG', [first, second].join(path.delimiter))
    try {
      const t = io(root)
      expect(await runWizard(['-c', 'x', '--context', 'prod-admin'], t.value)).toBe(2)
      expect(t.err.join('')).toContain(
        `has no context "prod-admin" (it has: edge-admin, lab-admin); it is in ${second}, which $KUBECONFIG lists: pass --kubeconfig ${second}`,
      )
    } finally {
      vi.unstubAllEnvs()
    }
  })

  it('repeats no token given as a cloud or a context, and names a long kubeconfig path by its start', async () => {
    const root = repo()
    const token = 'aZ3kP9qLmW2xR7tY5vB8nC1d'
    const clouds = io(root)
    expect(await runWizard(['--yes', '-c', 'w1', '--clouds', `gcp,${token}`], clouds.value)).toBe(2)
    expect(clouds.err.join('')).toContain('--clouds azure,gcp,hetzner: the value given (not printed: it looks like a token) is not one of azure, gcp, hetzner')
    const context = io(root)
    expect(await runWizard(['-c', 'x', '--kubeconfig', kubeconfig(root), '--context', token], context.value)).toBe(2)
    expect(context.err.join('')).toContain('has no context the value given (not printed: it looks like a token) (it has: edge-admin, lab-admin)')
    // A context named with short hyphenated runs is a name, and is shown.
    const named = io(root)
    expect(await runWizard(['-c', 'x', '--kubeconfig', kubeconfig(root), '--context', 'staging-eu-west-1-lab'], named.value)).toBe(2)
    expect(named.err.join('')).toContain('has no context "staging-eu-west-1-lab" (it has: edge-admin, lab-admin)')
    const long = io(root)
    expect(await runWizard(['-c', 'x', '--kubeconfig', `/${'k'.repeat(3000)}`, '--context', 'x'], long.value)).toBe(2)
    expect(long.err.join('')).toContain(`--kubeconfig FILE: /${'k'.repeat(59)}… (3001 characters) `)
    for (const t of [clouds, context, long]) {
      expect(t.out.join('') + t.err.join('')).not.toContain(token)
      expect(t.out.join('') + t.err.join('')).not.toContain('k'.repeat(100))
    }
  })

  it.each([
    ['https://h.example/x.git#access_token=S3CR3Tpw', 'must not hold credentials'],
    ['https://h.example/x.git?%74oken=S3CR3Tpw', 'must not hold credentials'],
    ['ssh://git%3AS3CR3Tpw@host/x.git', 'must not hold credentials'],
    ['https://h.example/x.git#S3CR3Tpw', 'must not have a #fragment'],
    ['https://h.example/x.git?S3CR3Tpw', 'must not have a ?query'],
    ['https://h.example/x.git?S3CR3Tsentinelabcdef0123456789abcdef01234567', 'must not hold credentials'],
  ])('--repo %s is refused as the spec refuses it, without being repeated', async (url, problem) => {
    const t = io(repo())
    expect(await runWizard(['-c', 'x', '--repo', url], t.value)).toBe(2)
    const said = t.out.join('') + t.err.join('')
    expect(said).toContain(`--repo URL: ${problem}`)
    expect(said).not.toContain('S3CR3T')
  })

  it.each(['hf_AbCdEfGhIjKlMnOpQrStUvWxYzAbCdEfGh', 'AbCdEfGhIjKlMnOpQrStUvWxYzAbCdEf', 'npm_abcdefghijklmnopqrstuvwxyz0123456789'])(
    '--token-env %s (a token without digits) is refused without being repeated',
    async (token) => {
      const t = io(repo())
      expect(await runWizard(['-c', 'x', '--repo', 'https://github.com/me/x.git', '--token-env', token], t.value)).toBe(2)
      const said = t.out.join('') + t.err.join('')
      expect(said).toContain('--token-env NAME: looks like a token, not the name of an environment variable')
      expect(said).not.toContain(token.slice(4, 16))
    },
  )

  it('names what is wrong with a kubeconfig (its line, the command that checks it) without quoting it', async () => {
    const root = repo()
    const broken = path.join(root, 'broken')
    writeFileSync(broken, 'apiVersion: v1\nusers:\n- name: u\n  user:\n    token: Hunter2Secret9\n   username: bad\n')
    const nullContext = path.join(root, 'null-context')
    writeFileSync(nullContext, 'apiVersion: v1\ncontexts: [null]\n')
    const empty = path.join(root, 'empty')
    writeFileSync(empty, '')
    for (const [file, problem] of [
      [broken, 'is not valid YAML: All mapping items must start at the same column (line 6)'],
      [nullContext, 'has an entry of contexts (contexts[0], line 2) that is empty or not a mapping with a name'],
      [empty, 'is empty'],
    ] as const) {
      const t = io(root)
      expect(await runWizard(['-c', 'x', '--kubeconfig', file, '--context', 'x'], t.value)).toBe(2)
      const said = t.out.join('') + t.err.join('')
      expect(said).toContain(`--kubeconfig FILE: ${file} ${problem}: check it with \`kubectl --kubeconfig ${file} config view\` and correct it`)
      expect(said).not.toContain('Hunter2')
    }
  })

  it('--workers -1 and --workers 100 say what is wrong, not a parser error', async () => {
    const negative = io(repo())
    expect(await runWizard(['--name', 'lab', '--workers', '-1'], negative.value)).toBe(2)
    expect(negative.err.join('')).toContain('--workers N: must be a whole number from 0 to 10')
    expect(negative.err.join('')).not.toContain('needs a value')
    const big = io(repo())
    expect(await runWizard(['--name', 'lab', '--workers', '100'], big.value)).toBe(2)
    expect(big.err.join('')).toContain('--workers N: must be a whole number from 0 to 10')
  })

  it("a negative number or a fraction after a number flag is held to that flag's rule, listed with the other problems, and nothing is written", async () => {
    const root = repo()
    const t = io(root)
    const flags = ['--name', 'lab', '--workers', '-1', '--http-port', '-8080', '--https-port=-1', '--engine', 'jenkins']
    expect(await runWizard(flags, t.value)).toBe(2)
    const err = t.err.join('')
    expect(err).toContain('(4 problems)')
    expect(err).toContain('--workers N: must be a whole number from 0 to 10')
    expect(err).toContain('--http-port PORT: must be a port between 1 and 65535')
    expect(err).toContain('--https-port PORT: must be a port between 1 and 65535')
    expect(err).toContain('--engine flux|argocd: must be one of: flux, argocd')
    const fraction = io(root)
    expect(await runWizard(['--name', 'lab', '--workers', '1.5'], fraction.value)).toBe(2)
    expect(fraction.err.join('')).toContain('--workers N: must be a whole number from 0 to 10')
    expect(readdirSync(path.join(root, 'clusters'))).toEqual([])
  })

  it('a cluster name given without -c is answered with the flag that takes it, and nothing is written', async () => {
    const root = repo()
    const t = io(root)
    expect(await runWizard(['lab'], t.value)).toBe(2)
    expect(t.err.join('')).toBe('unexpected argument "lab"\n  to name the cluster, pass -c lab\n  see: kindling wizard --help\n')
    expect(readdirSync(path.join(root, 'clusters'))).toEqual([])
  })

  it('never overwrites an existing spec without --yes', async () => {
    const root = repo()
    expect(await runWizard(['--name', 'lab'], io(root).value)).toBe(0)
    const t = io(root)
    expect(await runWizard(['--name', 'lab', '--engine', 'argocd'], t.value)).toBe(2)
    expect(t.err.join('')).toMatch(/already exists: pass --yes to replace it/)
    expect((await loadClusterSpec(root, 'lab')).gitops.engine).toBe('flux')
    expect(await runWizard(['--name', 'lab', '--engine', 'argocd', '--yes'], io(root).value)).toBe(0)
    expect((await loadClusterSpec(root, 'lab')).gitops.engine).toBe('argocd')
    // The replaced spec's engine folder is no longer applied: Argo CD must not meet Flux's objects.
    expect(parse(readFileSync(path.join(root, 'clusters/lab/kustomization.yaml'), 'utf8')).resources).toEqual(['argocd', 'components'])
  })

  it('rejects bad flag values with exit 2, listing them with every other problem at once', async () => {
    const t = io(repo())
    expect(await runWizard(['--engine', 'jenkins', '--clouds', 'gcp,aws', '--workers', '100', '--repo', 'not a url', '--https-port', 'x'], t.value)).toBe(2)
    const err = t.err.join('')
    expect(err).toContain('(6 problems)')
    expect(err).toContain('--cluster NAME (or -c): needed')
    expect(err).toContain('--engine flux|argocd: must be one of: flux, argocd')
    expect(err).toContain('--clouds azure,gcp,hetzner: "aws" is not one of azure, gcp, hetzner')
    expect(err).toContain('--workers N: must be a whole number from 0 to 10')
    expect(err).toContain('--https-port PORT: must be a port between 1 and 65535')
    expect(err).toMatch(/--repo URL: must be an https:\/\//)
  })

  it('names a flag that contradicts another once, as the error, with no note that it goes unused', async () => {
    const root = repo()
    for (const [flags, problem] of [
      [['--clouds', 'azure', '--no-crossplane'], '--clouds: needs Crossplane; drop --no-crossplane'],
      [['--clouds', 'azure', '--gcp-project', 'my-project-123'], '--gcp-project: only with --clouds gcp'],
      [['--gcp-project', 'my-project-123', '--no-crossplane'], '--gcp-project: needs Crossplane (its gcp cloud); drop --no-crossplane'],
      [['--crossplane', '--no-crossplane'], '--crossplane and --no-crossplane: the same flag twice with different values; give it once'],
      [['--context', 'lab-admin', '--workers', '2'], '--context, --workers: flags of an existing cluster and of a kind cluster together'],
    ] as const) {
      const t = io(root)
      expect(await runWizard(['-c', 'lab', '--repo', 'https://github.com/me/lab.git', ...flags], t.value)).toBe(2)
      expect(t.err.join('')).toContain(problem)
      expect(t.err.join('')).not.toContain('note:')
    }
    expect(readdirSync(path.join(root, 'clusters'))).toEqual([])
  })

  it('--gcp-project alone means the gcp cloud, as a terminal answer would', async () => {
    const root = repo()
    const t = io(root)
    expect(await runWizard(['-c', 'lab', '--gcp-project', 'my-project-123'], t.value), t.err.join('')).toBe(0)
    expect(t.err.join('')).not.toContain('not used')
    const text = readFileSync(path.join(root, 'clusters', 'lab', 'cluster.yaml'), 'utf8')
    expect(text).toMatch(/gcp:\n\s+enabled: true\n\s+projectID: my-project-123/)
  })

  it('--auth https without --token-env reads the token from the variable usual for the host: GITHUB_TOKEN only for GitHub', async () => {
    const cases = [
      ['https://github.com/me/lab.git', 'GITHUB_TOKEN'],
      ['https://gitlab.com/me/lab.git', 'GITLAB_TOKEN'],
      ['https://git.example.org/me/lab.git', 'GIT_TOKEN'],
    ]
    for (const [url, variable] of cases) {
      const root = repo()
      const t = io(root)
      expect(await runWizard(['-c', 'lab', '--repo', url!, '--auth', 'https'], t.value), t.err.join('')).toBe(0)
      expect((await loadClusterSpec(root, 'lab')).repository.auth, url).toMatchObject({ type: 'https', tokenEnv: variable })
    }
  })

  it('--token-env alone means --auth https: without a repository URL, or with an SSH or file:// one, it is refused and nothing is written', async () => {
    const root = repo()
    for (const [flags, problem] of [
      [[], '--repo URL: --token-env (implies --auth https) needs a repository URL'],
      [['--repo', ''], '--token-env (implies --auth https): needs --repo URL'],
      [['--repo', 'git@github.com:me/lab.git'], '--token-env: a token is for https:// URLs; ssh:// and git@ URLs are read with a deploy key'],
      [['--repo', 'file:///srv/git/lab.git'], '--token-env: a file:// repository is read from disk, without credentials'],
    ] as const) {
      const t = io(root, undefined, '/home/me/src/kindling')
      expect(await runWizard(['-c', 'lab', '--token-env', 'GH_TOKEN', ...flags], t.value)).toBe(2)
      expect(t.err.join('')).toContain(problem)
      expect(t.err.join('')).not.toContain('note:')
    }
    // Like --auth https with an SSH origin as the default repository.
    const ssh = io(root)
    expect(await runWizard(['-c', 'lab', '--token-env', 'GH_TOKEN'], ssh.value)).toBe(2)
    expect(ssh.err.join('')).toContain('--repo URL: --token-env (implies --auth https) needs an https:// URL')
    expect(readdirSync(path.join(root, 'clusters'))).toEqual([])
  })

  it('asks again for a file:// repository that is not there, saying why; off a terminal it writes nothing (exit 2)', async () => {
    const root = repo()
    const missing = path.join(root, 'nowhere.git')
    const local = path.join(root, 'lab')
    mkdirSync(path.join(local, '.git'), { recursive: true })
    const driver = terminalDriver(kindScript({ 'Git repository': [`file://${missing}`, `file://${root}`, `file://${local}`] }))
    const t = io(root, driver)
    expect(await runWizard(['-c', 'lab'], t.value), t.err.join('')).toBe(0)
    expect(driver.errors).toEqual([
      {
        question: expect.stringMatching(/^Git repository/),
        error: `names ${missing}, which does not exist: create it (git init --bare ${missing}) and push this checkout to it, or give another URL`,
      },
      {
        question: expect.stringMatching(/^Git repository/),
        error: `names ${root}, which is not a Git repository: give a Git repository's folder (git init --bare makes one), or give another URL`,
      },
    ])
    expect((await loadClusterSpec(root, 'lab')).repository.url).toBe(`file://${local}`)
    rmSync(path.join(root, 'clusters', 'lab'), { recursive: true })
    const flags = io(root)
    expect(await runWizard(['-c', 'lab', '--repo', `file://${missing}`], flags.value)).toBe(2)
    expect(flags.err.join('')).toContain(`--repo URL: names ${missing}, which does not exist`)
    expect(readdirSync(path.join(root, 'clusters'))).toEqual([])
  })

  it("refuses a repository URL copied from the docs, as bootstrap's preflight would, and writes nothing", async () => {
    const root = repo()
    for (const url of [
      'https://github.com/you/homelab.git',
      'https://github.com/<you>/<your-fork>.git',
      'https://github.com/example/homelab.git',
      // The same host written another way.
      'https://www.github.com/you/homelab.git',
      'git@www.github.com:you/homelab.git',
      'ssh://git@github.com:22/you/homelab.git',
      'ssh://git@www.github.com/example/homelab.git',
    ]) {
      const t = io(root)
      expect(await runWizard(['-c', 'lab', '--repo', url], t.value)).toBe(2)
      expect(t.err.join('')).toContain("--repo URL: is the example's placeholder: give the URL of your own fork of this repository")
    }
    // The checkout's origin as the default is held to the same rule.
    const origin = io(root, undefined, 'git@github.com:example/homelab.git')
    expect(await runWizard(['-c', 'lab'], origin.value)).toBe(2)
    expect(origin.err.join('')).toContain("--repo URL: is the example's placeholder")
    expect(readdirSync(path.join(root, 'clusters'))).toEqual([])
  })

  it('refuses flags that contradict each other, and reads a lone --kubeconfig as an existing cluster', async () => {
    const root = repo()
    const t = io(root)
    expect(
      await runWizard(
        ['-c', 'x', '--repo', 'https://github.com/me/x.git', '--auth', 'ssh', '--provider', 'existing', '--workers', '2', '--token-env', 'T'],
        t.value,
      ),
    ).toBe(2)
    const err = t.err.join('')
    expect(err).toContain('--auth ssh: needs an ssh:// or git@host:path URL in --repo')
    expect(err).toContain('--workers: only for --provider kind')
    expect(err).toContain('--token-env: only with --auth https (not ssh)')
    const ssh = io(root)
    expect(await runWizard(['-c', 'x', '--repo', 'git@github.com:me/x.git', '--auth', 'https'], ssh.value)).toBe(2)
    expect(ssh.err.join('')).toContain('--auth https: ssh:// and git@ URLs are read with a deploy key')
    const local = io(root)
    expect(await runWizard(['-c', 'x', '--repo', 'file:///srv/git/lab.git', '--auth', 'https'], local.value)).toBe(2)
    expect(local.err.join('')).toContain('--auth https: a file:// repository is read from disk, without credentials')
    const implied = io(root)
    expect(
      await runWizard(
        ['-c', 'x', '--kubeconfig', kubeconfig(root), '--context', 'lab-admin', '--repo', 'https://github.com/me/x.git', '--token-env', 'LAB_TOKEN'],
        implied.value,
      ),
      implied.err.join(''),
    ).toBe(0)
    const spec = await loadClusterSpec(root, 'x')
    expect(spec.provider).toMatchObject({ type: 'existing', context: 'lab-admin' })
    expect(spec.repository.auth).toMatchObject({ type: 'https', tokenEnv: 'LAB_TOKEN' })
  })
})
