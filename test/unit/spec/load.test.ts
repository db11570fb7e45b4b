import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it, vi } from 'vitest'
import { BadInputError, ExitCode } from '../../../bootstrap/engine/errors.js'
import { renderJsonSchema, SCHEMA_FILE, writeJsonSchema } from '../../../bootstrap/spec/json-schema.js'
import { loadClusterSpec, parseClusterSpec } from '../../../bootstrap/spec/load.js'
import { IN_CLUSTER_GIT_URL } from '../../../bootstrap/spec/defaults.js'
import { problemsOf } from '../support/spec-problems.js'
import { specText, testSpec } from '../support/context.js'

const root = fileURLToPath(new URL('../../../', import.meta.url))

const valid = specText()

describe('cluster spec', () => {
  it('loads the shipped homelab example with every default filled in', async () => {
    const spec = await loadClusterSpec(root, 'homelab')
    expect(spec.name).toBe('homelab')
    expect(spec.provider.type).toBe('kind')
    expect(spec.gitops.engine).toBe('flux')
    expect(spec.repository.path).toBe('clusters/homelab')
    expect(spec.repository.branch).toBe('main')
    expect(spec.secrets.sops.ageKeyFile).toMatch(/\.config\/kindling\/age\/homelab\.agekey$/)
    if (spec.provider.type !== 'kind') throw new Error('kind expected')
    expect(spec.provider.portMappings.every((mapping) => mapping.listenAddress === '127.0.0.1')).toBe(true)
    expect(spec.provider.registryCaches.mirrors).toEqual(['docker.io', 'ghcr.io', 'quay.io', 'registry.k8s.io'])
  })

  it('fills defaults for a minimal spec', () => {
    const spec = parseClusterSpec(valid, '/repo/clusters/lab/cluster.yaml', '/repo', 'lab')
    expect(spec.gitops).toMatchObject({ engine: 'flux', version: expect.any(String) })
    expect(spec.repository.auth).toEqual({ type: 'none' })
    expect(spec.components.crossplane.enabled).toBe(true)
  })

  it('resolves the local files it names against the repository root, wherever kindling runs from', () => {
    const text = specText({
      provider: 'type: existing\nkubeconfig: secrets/lab.kubeconfig\ncontext: lab-admin',
      repository: 'url: ssh://git@git.example.com/lab.git\nauth:\n  type: ssh\n  privateKeyFile: ../keys/lab\n  knownHostsFile: ~/known_hosts',
      extra: 'secrets:\n  sops:\n    ageKeyFile: /keys/lab.agekey',
    })
    const spec = parseClusterSpec(text, '/repo/clusters/lab/cluster.yaml', '/repo', 'lab')
    expect(spec.provider).toMatchObject({ kubeconfig: '/repo/secrets/lab.kubeconfig' })
    expect(spec.repository.auth).toMatchObject({ privateKeyFile: '/keys/lab', knownHostsFile: expect.stringMatching(/^\/.*\/known_hosts$/) })
    expect(spec.secrets.sops.ageKeyFile).toBe('/keys/lab.agekey')
  })

  it("reads an existing cluster's kubeconfig from the first file in $KUBECONFIG when the spec names none, as kubectl does", () => {
    const parse = (provider: string) => parseClusterSpec(specText({ provider }), '/repo/clusters/lab/cluster.yaml', '/repo', 'lab').provider
    vi.stubEnv('KUBECONFIG', `${path.delimiter}/etc/lab/admin.conf${path.delimiter}/home/me/.kube/config`)
    try {
      expect(parse('type: existing\ncontext: lab-admin')).toMatchObject({ kubeconfig: '/etc/lab/admin.conf' })
      expect(parse('type: existing\nkubeconfig: secrets/lab.kubeconfig\ncontext: lab-admin')).toMatchObject({ kubeconfig: '/repo/secrets/lab.kubeconfig' })
      // Named through a merge key is named all the same: the spec's file, never $KUBECONFIG's.
      expect(parse('type: existing\ncontext: lab-admin\n<<: {kubeconfig: secrets/lab.kubeconfig}')).toMatchObject({
        kubeconfig: '/repo/secrets/lab.kubeconfig',
      })
      vi.stubEnv('KUBECONFIG', undefined)
      expect(parse('type: existing\ncontext: lab-admin')).toMatchObject({ kubeconfig: path.join(os.homedir(), '.kube', 'config') })
    } finally {
      vi.unstubAllEnvs()
    }
  })

  it('lists every problem as file:line path: message, in line order', () => {
    const text = `apiVersion: kindling.dev/v1alpha1
kind: Cluster
metadata:
  name: lab
spec:
  provider:
    type: kind
    nodes:
      workers: -1
    portMappings:
      - containerPort: 80
        hostPort: 70000
  gitops:
    engine: fluxcd
  repository:
    url: ftp://example.com/repo
  colour: blue
`
    expect(problemsOf(text)).toEqual(
      [
        expect.stringMatching(/clusters\/lab\/cluster\.yaml:9 spec\.provider\.nodes\.workers: must be a whole number from 0 to 10$/),
        expect.stringMatching(/clusters\/lab\/cluster\.yaml:12 spec\.provider\.portMappings\[0\]\.hostPort: must be a port between 1 and 65535$/),
        expect.stringMatching(/clusters\/lab\/cluster\.yaml:14 spec\.gitops\.engine: must be one of: flux, argocd$/),
        expect.stringMatching(/clusters\/lab\/cluster\.yaml:16 spec\.repository\.url: must be an https:\/\//),
        expect.stringMatching(/clusters\/lab\/cluster\.yaml:17 spec\.colour: is not a known field/),
      ].map((matcher) => matcher),
    )
  })

  it('lists the rest of the problems beside a pasted token or a URL with credentials, without the secret', () => {
    const token = 'ghp_S3ntinelT0kenS3ntinelT0ken0000'
    for (const repository of [
      `url: https://example.com/lab.git\nauth: {type: https, tokenEnv: ${token}}`,
      `url: https://bob:${token}@example.com/lab.git\nauth: {type: https, tokenEnv: GIT_TOKEN}`,
    ]) {
      const text = specText({
        provider: 'type: kind\nnodes: {workers: "3"}\nportMappings:\n  - {containerPort: 80, hostPort: 99999}',
        repository,
        extra: 'colour: blue',
      })
      const problems = problemsOf(text)
      expect(problems.map((line) => line.replace(/^.*cluster\.yaml:\d+ /, '').replace(/: .*/, ''))).toEqual([
        'spec.provider.nodes.workers',
        'spec.provider.portMappings[0].hostPort',
        expect.stringMatching(/^spec\.repository\.(url|auth\.tokenEnv)$/),
        'spec.colour',
      ])
      expect(problems.join('\n')).not.toContain(token)
    }
  })

  it('points a missing required field at its parent', () => {
    const text = valid.replace(/ {2}gitops:\n( {4}.*\n)+/, '')
    expect(text).not.toContain('gitops')
    expect(problemsOf(text)).toEqual([expect.stringMatching(/cluster\.yaml:5 spec\.gitops: is required: add it \(/)])
  })

  describe('hints naming the example spec', () => {
    const noGitops = valid.replace(/ {2}gitops:\n( {4}.*\n)+/, '')
    /** The lines a refusal is shown with, from a spec of cluster lab written in `repo` (none: no spec). */
    async function refusal(repo: string, text?: string): Promise<string[]> {
      const folder = path.join(repo, 'clusters', 'lab')
      rmSync(folder, { recursive: true, force: true })
      if (text !== undefined) {
        mkdirSync(folder, { recursive: true })
        writeFileSync(path.join(folder, 'cluster.yaml'), text)
      }
      const error = (await loadClusterSpec(repo, 'lab').catch((caught: unknown) => caught)) as BadInputError
      expect(error).toBeInstanceOf(BadInputError)
      return [error.message, ...error.details]
    }

    it('send the user to clusters/homelab/cluster.yaml while the checkout has it', async () => {
      const repo = mkdtempSync(path.join(os.tmpdir(), 'kindling-example-'))
      try {
        mkdirSync(path.join(repo, 'clusters', 'homelab'), { recursive: true })
        writeFileSync(path.join(repo, 'clusters', 'homelab', 'cluster.yaml'), readFileSync(path.join(root, 'clusters', 'homelab', 'cluster.yaml')))
        expect((await refusal(repo))[1]).toBe('create it with `npx kindling wizard -c lab`, or copy clusters/homelab/cluster.yaml and edit it')
        expect((await refusal(repo, ''))[1]).toMatch(/is empty: start from `npx kindling wizard`, or copy clusters\/homelab\/cluster\.yaml and edit it$/)
        expect((await refusal(repo, noGitops))[1]).toMatch(
          /spec\.gitops: is required: add it \(clusters\/homelab\/cluster\.yaml has every section; bootstrap\/spec\/cluster\.schema\.json lists every field\)$/,
        )
      } finally {
        rmSync(repo, { recursive: true, force: true })
      }
    })

    it('send the user to the wizard or the schema instead in a checkout without it (deleted, or renamed)', async () => {
      const repo = mkdtempSync(path.join(os.tmpdir(), 'kindling-example-'))
      try {
        mkdirSync(path.join(repo, 'clusters', 'mine'), { recursive: true })
        writeFileSync(path.join(repo, 'clusters', 'mine', 'cluster.yaml'), readFileSync(path.join(root, 'clusters', 'homelab', 'cluster.yaml')))
        const missing = await refusal(repo)
        expect(missing[1]).toBe('create it with `npx kindling wizard -c lab`')
        const empty = await refusal(repo, '')
        expect(empty[1]).toMatch(/is empty: start from `npx kindling wizard`$/)
        const incomplete = await refusal(repo, noGitops)
        expect(incomplete[1]).toMatch(
          /spec\.gitops: is required: add it \(`npx kindling wizard` writes a spec with every section; bootstrap\/spec\/cluster\.schema\.json lists every field\)$/,
        )
        const deep = await refusal(repo, `${valid}  extra:\n${Array.from({ length: 14 }, (_, depth) => `${'  '.repeat(depth + 2)}k${depth}:`).join('\n')} 1\n`)
        expect(deep.join('\n')).toContain('(see bootstrap/spec/cluster.schema.json)')
        expect([...missing, ...empty, ...incomplete, ...deep].join('\n')).not.toContain('clusters/homelab')
      } finally {
        rmSync(repo, { recursive: true, force: true })
      }
    })
  })

  it('needs no repository section: without one the engine reads the in-cluster Git server', () => {
    const text = valid.replace('  repository:\n    url: https://example.com/lab.git\n', '')
    expect(text).not.toContain('repository')
    const spec = parseClusterSpec(text, '/repo/clusters/lab/cluster.yaml', '/repo', 'lab')
    expect(spec.repository).toMatchObject({ url: IN_CLUSTER_GIT_URL, branch: 'main', auth: { type: 'none' }, path: 'clusters/lab' })
  })

  it('says what to write for a required field the example spec does not show, instead of pointing at the example', () => {
    const problems = problemsOf(
      specText({
        provider: 'type: existing',
        repository: 'url: https://example.com/lab.git\nauth: {type: https}',
        extra: 'components:\n  crossplane:\n    providers:\n      - {package: xpkg.crossplane.io/org/provider-x:v1.0.0}\n      - {name: provider-y}',
      }),
    )
    expect(problems).toEqual([
      expect.stringMatching(/ spec\.provider\.context: is required with type existing: the one kubeconfig context .*kubectl config get-contexts/),
      expect.stringMatching(
        / spec\.repository\.auth\.tokenEnv: is required with auth type https: the name of the environment variable .* tokenEnv: GITHUB_TOKEN/,
      ),
      expect.stringMatching(/ spec\.components\.crossplane\.providers\[0\]\.name: is required: each extra provider has a name and a fully qualified package/),
      expect.stringMatching(
        / spec\.components\.crossplane\.providers\[1\]\.package: is required: each extra provider has a name and a fully qualified package/,
      ),
    ])
    // The example (clusters/homelab/cluster.yaml) holds none of them: no problem sends the reader there.
    expect(problems.join('\n')).not.toContain('clusters/homelab/cluster.yaml')
  })

  it('names the key beside a missing field that may be it misspelt', () => {
    expect(problemsOf(valid.replace('metadata:', 'metdata:'))).toEqual([
      expect.stringMatching(/cluster\.yaml:1 metadata: is required; is "metdata" a misspelling of "metadata"\?$/),
      expect.stringMatching(/cluster\.yaml:3 metdata: is not a known field/),
    ])
    // YAML keys are case-sensitive: `METADATA` is as much a slip as `metdata`, as a flag's case is.
    expect(problemsOf(valid.replace('metadata:', 'METADATA:'))[0]).toMatch(/metadata: is required; is "METADATA" a misspelling of "metadata"\?$/)
  })

  it('rejects a spec whose name differs from its folder', () => {
    expect(problemsOf(valid, 'other')).toEqual([expect.stringMatching(/:4 metadata\.name: is "lab" but the folder is clusters\/other/)])
  })

  it('rejects malformed YAML with its line', () => {
    expect(problemsOf('apiVersion: [unclosed\nkind: Cluster\n')).toEqual([expect.stringMatching(/cluster\.yaml:\d+ \(document\): /)])
  })

  it('a spec with no remote follows the in-cluster Git server, and the shipped examples need none', async () => {
    const spec = parseClusterSpec(specText({ repository: 'branch: main' }), '/repo/clusters/lab/cluster.yaml', '/repo', 'lab')
    expect(spec.repository).toMatchObject({
      inCluster: true,
      url: 'http://git-server.kindling-git.svc.cluster.local/gitops.git',
      branch: 'main',
      auth: { type: 'none' },
    })
    expect(parseClusterSpec(valid, '/repo/clusters/lab/cluster.yaml', '/repo', 'lab').repository.inCluster).toBe(false)
    for (const example of ['homelab', 'homelab-argocd']) expect((await loadClusterSpec(root, example)).repository.inCluster).toBe(true)
  })

  it('refuses credentials for a remote the spec does not name', () => {
    expect(problemsOf(specText({ repository: 'auth:\n  type: https\n  tokenEnv: GIT_TOKEN' }))).toEqual([
      expect.stringMatching(/spec\.repository\.auth: auth belongs to repository\.url: without a url the engine reads the in-cluster Git server/),
    ])
  })

  it('rejects auth that does not fit the URL', () => {
    const text = valid.replace('url: https://example.com/lab.git', 'url: git@example.com:me/lab.git')
    expect(problemsOf(text)).toEqual([expect.stringMatching(/:11 spec\.repository\.auth: an SSH URL needs auth type ssh/)])
  })

  it('rejects a token written into the spec instead of an environment variable name', () => {
    const text = `${valid}    auth:\n      type: https\n      tokenEnv: ghp_0123456789abcdef-not-a-name\n`
    expect(problemsOf(text)).toEqual([expect.stringMatching(/:14 spec\.repository\.auth\.tokenEnv: must be the name of an environment variable/)])
  })

  it('a number where a variable holding a secret is named is not printed, and quotes are not offered as the fix', () => {
    const lines = problemsOf(
      specText({
        repository: 'url: https://example.com/lab.git\nauth: {type: https, tokenEnv: 80734591827364519283746}',
        extra: 'components:\n  monitoring:\n    grafana: {adminPasswordEnv: 31415926535}',
      }),
    )
    expect(lines.map((line) => line.replace(/^.*cluster\.yaml:\d+ /, ''))).toEqual([
      'spec.repository.auth.tokenEnv: must be the name of the environment variable that holds the secret, not a number (the value was not printed): if it is the secret itself, keep it in a variable (export NAME=...) and write that NAME here; if it was ever committed or shared, change it',
      expect.stringMatching(
        /^spec\.components\.monitoring\.grafana\.adminPasswordEnv: must be the name of the environment variable that holds the secret, not a number/,
      ),
    ])
    for (const secret of ['80734591827364519283746', '8.073459182736452e+22', '31415926535']) expect(lines.join('\n')).not.toContain(secret)
    expect(problemsOf(specText({ repository: 'url: https://example.com/lab.git\nauth: {type: https, tokenEnv: true}' }))).toEqual([
      expect.stringMatching(/tokenEnv: must be the name of the environment variable that holds the secret, not a boolean$/),
    ])
  })

  it('an HTTPS user name that is a number or holds a password-like value is named by its field and fix, never printed', () => {
    const withUsername = (username: string): string[] =>
      problemsOf(specText({ repository: `url: https://example.com/lab.git\nauth: {type: https, tokenEnv: LAB_TOKEN, username: ${username}}` })).map((line) =>
        line.replace(/^.*cluster\.yaml:\d+ /, ''),
      )
    for (const pin of ['482915', '0x1F3A', '1.5e3']) {
      const lines = withUsername(pin)
      expect(lines, pin).toEqual([
        'spec.repository.auth.username: must be the user name the token is sent with, such as git or x-access-token, not a number (the value was not printed): if it is a PIN or password, take it out of the spec (the token goes in the variable named by tokenEnv); a user name that really is a number goes in quotes; if it was ever committed or shared, change it',
      ])
      expect(lines.join('\n')).not.toContain(pin)
    }
    for (const typed of ['"hunter2 hunter2"', '"me:Passw0rd"', '"p@ss/word"']) {
      const lines = withUsername(typed)
      expect(lines, typed).toEqual([
        expect.stringMatching(
          /^spec\.repository\.auth\.username: must be a user name such as git or x-access-token: letters, digits, .*\(the value was not printed/,
        ),
      ])
      expect(lines.join('\n')).not.toMatch(/hunter2|Passw0rd|ss\/word/)
    }
    expect(withUsername('[git]')).toEqual([
      'spec.repository.auth.username: must be the user name the token is sent with, such as git or x-access-token, not an array',
    ])
    // What hosts take: a login, a fixed word, an address; digits in quotes are a user name.
    for (const name of ['x-access-token', 'oauth2', 'me@example.com', '"12345"']) {
      const spec = parseClusterSpec(
        specText({ repository: `url: https://example.com/lab.git\nauth: {type: https, tokenEnv: LAB_TOKEN, username: ${name}}` }),
        '/repo/clusters/lab/cluster.yaml',
        '/repo',
        'lab',
      )
      expect(spec.repository.auth).toMatchObject({ username: name.replaceAll('"', '') })
    }
  })

  it('an unknown key that looks like a value or a secret is named by its line, not printed', () => {
    for (const key of ['"password=Hunt3rPassw0rdXyZ"', 'Zq8vX2mN4pL6rT9wY1bC3dF5gH7jK0sE', 'ghp_S3ntinelT0kenS3ntinelT0ken0000']) {
      const lines = problemsOf(specText({ repository: `url: https://example.com/lab.git\n${key}: 1` }))
      expect(lines, key).toEqual([
        expect.stringMatching(/:12 spec\.repository: (has a key that looks like a value, not a field name|this key holds what looks like an access token)/),
      ])
      expect(lines.join('\n')).not.toContain(key.replaceAll('"', '').slice(-12))
    }
    // Nothing under it is listed either, which would print it in the path.
    const nested = problemsOf(specText({ extra: 'secret=Hunt3r:\n  workers: "3"' }))
    expect(nested).toEqual([
      expect.stringMatching(
        /:12 spec: has a key that looks like a value, not a field name \(it holds "=" or looks like a token\), so it was not printed: remove it, or write the field as name: value/,
      ),
    ])
    expect(nested.join('\n')).not.toContain('Hunt3r')
    expect(problemsOf(specText({ extra: 'colour: blue' }))).toEqual([expect.stringMatching(/spec\.colour: is not a known field/)])
  })

  it('rejects two port mappings on the same host port', () => {
    const text = valid.replace(
      '    type: kind\n',
      '    type: kind\n    portMappings:\n      - {containerPort: 80, hostPort: 8080}\n      - {containerPort: 81, hostPort: 8080}\n',
    )
    expect(problemsOf(text)).toEqual([
      expect.stringMatching(/:10 spec\.provider\.portMappings\[1\]\.hostPort: host port 8080 is already used by portMappings\[0\]/),
    ])
  })

  it('refuses a line break, a control character or half a surrogate pair in any value, without printing it', () => {
    const image = (value: string) => problemsOf(specText({ provider: `type: kind\nnodeImage: "${value}"` }))
    expect(image('kindest/node:v1\\nclusters/x/cluster.yaml:1 FAKE: all good')).toEqual([
      expect.stringMatching(/spec\.provider\.nodeImage: the value holds a line break; every field is one line/),
    ])
    expect(image('kindest/node\\uD800:v1.37.0')).toEqual([expect.stringMatching(/nodeImage: the value holds half of a UTF-16 character pair/)])
    expect(image('kindest/node\\t:v1.37.0')).toEqual([expect.stringMatching(/nodeImage: the value holds the control character U\+0009/)])
    // A `>` block keeps a line break at its end: the fix is `>-`, not a file.
    expect(problemsOf(specText({ provider: 'type: kind\nnodeImage: >\n  kindest/node:v1.37.0' }))).toEqual([
      expect.stringMatching(/nodeImage: the value ends with a line break \(a `\|` or `>` block keeps one\): write it on one line, or use `>-`$/),
    ])
    // A whole pair is a character like any other.
    expect(() =>
      parseClusterSpec(specText({ provider: 'type: existing\ncontext: "lab-\\uD83D\\uDE00"' }), '/repo/clusters/lab/cluster.yaml', '/repo', 'lab'),
    ).not.toThrow()
  })

  it("says how to fix the common slips, in its own words rather than the validator's", () => {
    const text = [
      'apiVersion: kindling.dev/v1alpha2',
      'kind: Cluster',
      'metadata:',
      '  name: lab',
      'spec:',
      '  provider:',
      '    type: kind',
      '    nodes:',
      '      controlPlanes: 1.5',
      '    portMappings:',
      '      - containerPort: 30080',
      '        hostPort: 8080',
      '        listenAddress: "::1"',
      '    registryCaches:',
      '      enabled: "true"',
      '  gitops:',
      '    engin: flux',
      '  repository:',
      '    url: https://github.com/me/lab.git',
      '',
    ].join('\n')
    expect(problemsOf(text).map((line) => line.replace(/^.*cluster\.yaml:/, ''))).toEqual([
      '1 apiVersion: must be "kindling.dev/v1alpha1"',
      '9 spec.provider.nodes.controlPlanes: must be a whole number, not 1.5',
      '13 spec.provider.portMappings[0].listenAddress: must be an IPv4 address, e.g. 127.0.0.1 (or 0.0.0.0 for every interface)',
      '15 spec.provider.registryCaches.enabled: must be true or false without quotes ("true" in quotes is text)',
      '17 spec.gitops.engine: is required (one of: flux, argocd); is "engin" a misspelling of "engine"?',
    ])
    expect(problemsOf(specText({ provider: 'type: existing\ncontext: ""', gitops: 'engine: flux\nversion: 2.9' }))).toEqual([
      expect.stringMatching(/spec\.provider\.context: must not be empty$/),
      expect.stringMatching(/spec\.gitops\.version: must be text, not the number 2\.9: a version is written in full \(2\.9\.0\)$/),
    ])
    // What was written, not what YAML made of it: 1.30 is the number 1.3 once read.
    expect(problemsOf(specText({ provider: 'type: kind\nkubernetesVersion: 1.30', gitops: 'engine: flux\nversion: 2.10' }))).toEqual([
      expect.stringMatching(/kubernetesVersion: must be text, not the number 1\.30: kindling's kind release ships node images for v1\.37\.0, .* only/),
      expect.stringMatching(/spec\.gitops\.version: must be text, not the number 2\.10: a version is written in full \(2\.10\.0\)$/),
    ])
    expect(problemsOf(`${valid}metadata:\n  name: lab\n`)).toEqual([expect.stringMatching(/:\d+ metadata: appears twice in the same mapping: keep one$/)])
    expect(problemsOf(`${valid}secrets:\n\tsops: {}\n`)).toEqual([
      expect.stringMatching(/\(document\): is indented with a tab: YAML indents with spaces only$/),
    ])
    const unresolved = problemsOf(specText({ gitops: 'engine: *S3CR3Tsentinel' })).join('\n')
    expect(unresolved).toContain('an alias (*name) comes before its anchor (&name)')
    expect(unresolved).not.toContain('S3CR3T')
  })

  it('after an engine switch, names the old engine’s version and operatorVersion left behind instead of installing them', () => {
    // engine flux → argocd with Flux's pins still there: the argo-cd chart 2.9.5 (2021) would be installed.
    const lines = problemsOf(specText({ gitops: 'engine: argocd\nversion: 2.9.5\noperatorVersion: 0.59.0' })).map((line) =>
      line.replace(/^.*cluster\.yaml:/, ''),
    )
    expect(lines).toEqual([
      '10 spec.gitops.version: 2.9.5 looks like a Flux version, left from engine: flux? argo-cd chart versions are 8.0.0 or later: remove the line to use the pinned 10.1.1',
      '11 spec.gitops.operatorVersion: is the Flux Operator chart version, which means nothing with engine: argocd; remove it',
    ])
    expect(problemsOf(specText({ gitops: 'engine: flux\nversion: 10.1.1' }))).toEqual([
      expect.stringContaining('spec.gitops.version: 10.1.1 looks like an argo-cd chart version, left from engine: argocd? Flux versions are 2.x'),
    ])
    // Versions older than what kindling's rendered objects need.
    expect(problemsOf(specText({ gitops: 'engine: flux\nversion: 2.7.3' }))).toEqual([
      expect.stringContaining('Flux 2.7.3 is older than 2.8.0, the first release whose HelmRelease takes healthCheckExprs (helm-controller v1.5.0)'),
    ])
    expect(problemsOf(specText({ gitops: 'engine: argocd\nversion: 7.9.1' }))).toEqual([
      expect.stringContaining('argo-cd chart 7.9.1 is older than 8.0.0: charts before it ship Argo CD 2.x, past its end of life'),
    ])
    // Releases after the pins are the user's (and Renovate's) to choose.
    expect(testSpec(specText({ gitops: 'engine: flux\nversion: 2.11.0\noperatorVersion: 0.70.0' })).gitops.version).toBe('2.11.0')
    expect(testSpec(specText({ gitops: 'engine: argocd\nversion: v12.0.0' })).gitops.version).toBe('v12.0.0')
  })

  it('refuses YAML tags, directives and collection keys the parser would otherwise ignore or stringify, by line', () => {
    const at = (text: string): string[] => problemsOf(text).map((line) => line.replace(/^.*cluster\.yaml:/, ''))
    expect(at(valid.replace('engine: flux', 'engine: !foo flux'))).toEqual([
      '9 spec.gitops.engine: has the tag !foo, which kindling does not read: remove it (a cluster spec is plain YAML)',
    ])
    expect(at(valid.replace('engine: flux', 'engine: !!js/function flux'))).toEqual([
      '9 spec.gitops.engine: has the tag !!js/function, which kindling does not read: remove it (a cluster spec is plain YAML)',
    ])
    // Tags the parser knows make a section a Map, a Set or bytes, which read as empty: crossplane
    // would stay on, the URL's credentials go unchecked.
    const components = at(specText({ extra: 'components: !!omap [ {crossplane: {enabled: false}} ]' }))
    expect(components).toEqual(['12 spec.components: has the tag !!omap, which kindling does not read: remove it (a cluster spec is plain YAML)'])
    const repository = problemsOf(
      valid.replace('  repository:\n    url: https://example.com/lab.git', '  repository: !!omap [ {url: "https://bob:PW@github.com/a/b.git"} ]'),
    )
    expect(repository).toEqual([expect.stringMatching(/:10 spec\.repository: has the tag !!omap, which kindling does not read/)])
    expect(repository.join('\n')).not.toContain('PW')
    expect(at(valid.replace('engine: flux', 'engine: !!set {flux}'))).toEqual([expect.stringMatching(/^9 spec\.gitops\.engine: has the tag !!set,/)])
    expect(at(valid.replace('  gitops:\n    engine: flux', '  gitops: !!pairs [ {engine: flux} ]'))).toEqual([
      expect.stringMatching(/^8 spec\.gitops: has the tag !!pairs,/),
    ])
    expect(at(valid.replace('    engine: flux', '    !!binary ZW5naW5l: flux'))).toEqual([
      expect.stringMatching(/^9 spec\.gitops: has a key with the tag !!binary,/),
    ])
    // The core tags change nothing, unless the value does not fit them.
    expect(testSpec(valid.replace('engine: flux', 'engine: !!str flux')).gitops.engine).toBe('flux')
    expect(at(specText({ provider: 'type: kind\nnodes: {workers: !!int two}' }))).toEqual([
      '8 (document): has the tag !!int, which does not fit the value after it: remove the tag',
    ])
    expect(at(`%FOO bar\n---\n${valid}`)).toEqual(['1 (document): has a directive (a line starting with %) kindling does not read: remove it'])
    expect(at(`${valid}  ? [a, b]\n  : 1\n`)).toEqual([
      expect.stringMatching(/^12 \(document\): has a key that is a list or a mapping \(`\? \[a, b\]`\): keys in a cluster spec are plain names$/),
    ])
  })

  it('reads merge keys (<<), and names a problem in a merged value at the line it is written on', () => {
    expect(testSpec(specText({ gitops: '<<: {engine: argocd}' })).gitops.engine).toBe('argocd')
    const shared = 'x-gitops: &gitops {engine: flux, version: 2.9.5}'
    const merged = specText({ gitops: '<<: [*gitops, {operatorVersion: 0.60.0}]' }).replace('spec:\n', `spec:\n  ${shared}\n`)
    expect(problemsOf(merged)).toEqual([expect.stringMatching(/:6 spec\.x-gitops: is not a known field/)])
    const at = (gitops: string): string[] => problemsOf(specText({ gitops })).map((line) => line.replace(/^.*cluster\.yaml:/, ''))
    expect(at('<<: {engine: fluxx}')).toEqual(['9 spec.gitops.engine: must be one of: flux, argocd'])
    expect(at('engine: flux\n<<:\n  colour: blue')).toEqual([expect.stringMatching(/^11 spec\.gitops\.colour: is not a known field/)])
    for (const source of ['5', '[{version: 2.9.5}, 5]']) {
      expect(at(`engine: flux\n<<: ${source}`), source).toEqual([
        '10 spec.gitops: has a merge key (<<) with something other than a mapping to merge: << takes a mapping, an alias of one (*name), or a list of them',
      ])
    }
  })

  it('merge keys expand under the same limit as aliases: a merge bomb is refused, not expanded', () => {
    const levels = Array.from({ length: 12 }, (_, level) => `x${level + 1}: &x${level + 1} {k${level + 1}: 1, <<: [${Array(8).fill(`*x${level}`).join(', ')}]}`)
    const text = specText({ extra: `x0: &x0 {k0: [${Array.from({ length: 50 }, (_, index) => index).join(', ')}]}\n${levels.join('\n')}` })
    const started = Date.now()
    expect(problemsOf(text).join('\n')).toMatch(/cannot be read: Excessive alias count/)
    expect(Date.now() - started).toBeLessThan(5000)
  })

  it('refuses an alias inside the value its own anchor marks, which would never end, without expanding it', () => {
    const lines = problemsOf(specText({ extra: 'labels: &a [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a]' }))
    expect(lines).toEqual([
      expect.stringMatching(
        /:12 spec\.labels\[0\]: repeats an alias \(\*name\) inside the value its own anchor \(&name\) marks, which never ends: write the value out$/,
      ),
    ])
  })

  it('refuses an age key or a deploy key kept inside the repository, where one git add would publish it', () => {
    const lines = problemsOf(
      specText({
        repository: 'url: ssh://git@git.example.com/lab.git\nauth:\n  type: ssh\n  privateKeyFile: keys/deploy',
        extra: 'secrets:\n  sops:\n    ageKeyFile: clusters/lab/lab.agekey',
      }),
    ).map((line) => line.replace(/^.*cluster\.yaml:\d+ /, ''))
    expect(lines).toEqual([
      'spec.repository.auth.privateKeyFile: is inside the repository, where one `git add` would publish it (the deploy key can write to the repository): keep it outside, e.g. in ~/.ssh/',
      'spec.secrets.sops.ageKeyFile: is inside the repository, where one `git add` would publish it (the age key decrypts every secret in Git): keep it outside, e.g. in ~/.config/kindling/age/<name>.agekey, the default',
    ])
    // Outside it (the home folder, a path above the repository) is where they belong.
    expect(testSpec(specText({ extra: 'secrets:\n  sops:\n    ageKeyFile: ~/keys/lab.agekey' })).secrets.sops.ageKeyFile).toMatch(/keys\/lab\.agekey$/)
  })

  it("rejects a port mapping on the local registry's host port", () => {
    const spec = specText({ provider: 'type: kind\nportMappings:\n  - containerPort: 30080\n    hostPort: 5001' })
    expect(problemsOf(spec)).toEqual([
      expect.stringMatching(/spec\.provider\.portMappings\[0\]\.hostPort: host port 5001 is the local registry's \(registryCaches\.localRegistry\.hostPort\)/),
    ])
  })

  it('reads a spec naming a Kubernetes version kind no longer builds, and lists the versions it has', () => {
    const text = specText({ provider: 'type: kind\nkubernetesVersion: v1.34.0' })
    expect(problemsOf(text)).toEqual([
      expect.stringMatching(
        /:8 spec\.provider\.kubernetesVersion: no pinned kind node image for v1\.34\.0; use one of v1\.37\.0, v1\.36\.4, v1\.35\.8, v1\.34\.11 or set nodeImage/,
      ),
    ])
    const image = `kindest/node:v1.34.0@sha256:${'0'.repeat(64)}`
    expect(() => testSpec(specText({ provider: `type: kind\nkubernetesVersion: v1.34.0\nnodeImage: ${image}` }))).not.toThrow()
  })

  it("refuses an apps folder outside the cluster folder or on one of kindling's own names there", () => {
    const problem = (path: string): string[] => problemsOf(specText({ extra: `components:\n  apps: {path: "${path}"}` }))
    for (const path of ['.', '..', '../x', 'apps/../..', '/etc', 'apps//x', 'apps/', './apps']) {
      expect(problem(path), path).toEqual([
        expect.stringMatching(
          /:13 spec\.components\.apps\.path: must be a folder inside the cluster folder, such as apps or apps\/team-a: a relative path with no "\." or "\.\." part, "\/\/" or "\/" at either end$/,
        ),
      ])
    }
    for (const path of ['flux-system', 'argocd', 'components', 'components/mine', 'hooks', 'kustomization.yaml', 'cluster.yaml', 'Flux-System']) {
      expect(problem(path), path).toEqual([
        expect.stringMatching(
          /apps\.path: must not be one of the names kindling keeps in the cluster folder \(cluster\.yaml, kustomization\.yaml, components, hooks, flux-system, argocd\): choose another folder, such as apps$/,
        ),
      ])
    }
    for (const path of ['apps', 'apps/team-a', 'workloads', '.apps']) {
      expect(testSpec(specText({ extra: `components:\n  apps: {path: "${path}"}` })).components.apps.path).toBe(path)
    }
  })

  it('refuses a repository path outside the repository or inside .git', () => {
    const problem = (path: string): string[] => problemsOf(specText({ repository: `url: https://example.com/lab.git\npath: "${path}"` }))
    for (const path of ['.', '../other', '/srv/x', 'clusters//lab', 'clusters/lab/', './clusters/lab'])
      expect(problem(path), path).toEqual([
        expect.stringMatching(/:12 spec\.repository\.path: must be a folder inside the repository, such as clusters\/<name>: a relative path/),
      ])
    for (const path of ['.git', '.git/clusters', 'x/.GIT'])
      expect(problem(path), path).toEqual([expect.stringMatching(/spec\.repository\.path: must not be inside \.git, where Git keeps its own data/)])
    expect(testSpec(specText({ repository: 'url: https://example.com/lab.git\npath: gitops/lab' })).repository.path).toBe('gitops/lab')
  })

  it('refuses a node image that is no image reference, showing the form one takes', () => {
    for (const image of ['this is not an image', 'Kindest/Node:V1', ':::', 'kindest/node', 'kindest/node@sha256:abc', 'kindest//node:v1']) {
      expect(problemsOf(specText({ provider: `type: kind\nnodeImage: "${image}"` })), image).toEqual([
        expect.stringMatching(
          /:8 spec\.provider\.nodeImage: must be an image reference such as kindest\/node:v1\.37\.0@sha256:<64 hex digits>: \[registry\/\]path:tag, optionally followed by @sha256: and the digest, the path in lowercase$/,
        ),
      ])
    }
    const digest = `sha256:${'0'.repeat(64)}`
    for (const image of [
      'kindest/node:v1.37.0',
      `kindest/node@${digest}`,
      `Registry.example.com:5000/team/node:v1@${digest}`,
      'localhost:5001/my_org/node:V1.0-rc.1',
    ])
      expect(testSpec(specText({ provider: `type: kind\nnodeImage: "${image}"` })).provider, image).toMatchObject({ nodeImage: image })
  })

  it('names a missing spec file and how to create one', async () => {
    await expect(loadClusterSpec(root, 'nope')).rejects.toMatchObject({
      exitCode: ExitCode.badInput,
      details: [expect.stringContaining('npx kindling wizard')],
    })
  })

  it('names a spec that is there but is no readable file (a folder, a looping link) as such, not as missing', async () => {
    const repo = mkdtempSync(path.join(os.tmpdir(), 'kindling-spec-'))
    try {
      mkdirSync(path.join(repo, 'clusters', 'lab', 'cluster.yaml'), { recursive: true })
      await expect(loadClusterSpec(repo, 'lab')).rejects.toMatchObject({
        exitCode: ExitCode.badInput,
        message: expect.stringMatching(/cluster\.yaml, is a folder, not a file$/),
      })
      mkdirSync(path.join(repo, 'clusters', 'loop'))
      symlinkSync('cluster.yaml', path.join(repo, 'clusters', 'loop', 'cluster.yaml'))
      await expect(loadClusterSpec(repo, 'loop')).rejects.toMatchObject({
        exitCode: ExitCode.badInput,
        message: expect.stringMatching(/is a symbolic link that loops$/),
      })
      mkdirSync(path.join(repo, 'clusters', 'moved'))
      symlinkSync('../../elsewhere/cluster.yaml', path.join(repo, 'clusters', 'moved', 'cluster.yaml'))
      await expect(loadClusterSpec(repo, 'moved')).rejects.toMatchObject({
        exitCode: ExitCode.badInput,
        message: expect.stringMatching(/cluster\.yaml, is a link to "\.\.\/\.\.\/elsewhere\/cluster\.yaml", which does not exist$/),
      })
    } finally {
      rmSync(repo, { recursive: true, force: true })
    }
  })

  it('refuses a pipe, a huge file and text that is not UTF-8 before parsing, naming each (a pipe would block forever)', async () => {
    const repo = mkdtempSync(path.join(os.tmpdir(), 'kindling-spec-'))
    const spec = (name: string): string => {
      mkdirSync(path.join(repo, 'clusters', name), { recursive: true })
      return path.join(repo, 'clusters', name, 'cluster.yaml')
    }
    try {
      execFileSync('mkfifo', [spec('pipe')])
      await expect(loadClusterSpec(repo, 'pipe')).rejects.toMatchObject({
        exitCode: ExitCode.badInput,
        message: expect.stringMatching(/cluster\.yaml, is a named pipe, not a file/),
      })
      writeFileSync(spec('huge'), `# ${'x'.repeat(5 * 1024 * 1024)}\n`)
      await expect(loadClusterSpec(repo, 'huge')).rejects.toMatchObject({
        exitCode: ExitCode.badInput,
        message: expect.stringMatching(/is 5\.0 MiB; at most 4\.0 MiB is read$/),
      })
      writeFileSync(spec('utf16'), Buffer.from(`\ufeff${specText({ name: 'utf16' })}`, 'utf16le'))
      await expect(loadClusterSpec(repo, 'utf16')).rejects.toMatchObject({
        exitCode: ExitCode.badInput,
        details: [expect.stringMatching(/cluster\.yaml:1 \(document\): is not UTF-8 text \(it is UTF-16\): save the file as UTF-8$/)],
      })
      const text = specText({ name: 'latin1' }).split('\n')
      text.splice(3, 0, '# caf\xe9')
      writeFileSync(spec('latin1'), Buffer.from(text.join('\n'), 'latin1'))
      await expect(loadClusterSpec(repo, 'latin1')).rejects.toMatchObject({
        details: [expect.stringMatching(/cluster\.yaml:4 \(document\): is not UTF-8 text: save the file as UTF-8$/)],
      })
    } finally {
      rmSync(repo, { recursive: true, force: true })
    }
  })

  it('ships a JSON Schema generated from the same source (run `npm run schema` when this fails)', () => {
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(renderJsonSchema())
  })

  it('`kindling schema` rewrites the JSON Schema only when it changed, so an up-to-date file keeps its time', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kindling-schema-'))
    try {
      const file = path.join(dir, 'cluster.schema.json')
      expect(await writeJsonSchema(file)).toBe(true)
      expect(readFileSync(file, 'utf8')).toBe(renderJsonSchema())
      utimesSync(file, 1_000_000, 1_000_000)
      expect(await writeJsonSchema(file)).toBe(false)
      expect(statSync(file).mtimeMs).toBe(1_000_000_000)
      writeFileSync(file, '{}\n')
      expect(await writeJsonSchema(file)).toBe(true)
      expect(readFileSync(file, 'utf8')).toBe(renderJsonSchema())
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('example specs carry the schema header for editors', () => {
    const example = readFileSync(`${root}clusters/homelab/cluster.yaml`, 'utf8')
    expect(example.split('\n')[0]).toBe('# yaml-language-server: $schema=../../bootstrap/spec/cluster.schema.json')
  })
})
