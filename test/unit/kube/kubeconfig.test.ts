import { existsSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ExitCode, exitCodeOf } from '../../../bootstrap/engine/errors.js'
import { KubeClient } from '../../../bootstrap/kube/client.js'
import { kubeconfigTextProblem } from '../../../bootstrap/kube/kubeconfig.js'
import { formatError } from '../../../bootstrap/ui/format.js'
import { makeFifo, releaseFifo } from '../support/fifo.js'
import { refusalOf } from '../support/refusal.js'

const dirs: string[] = []
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })))

function kubeconfigFile(text: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kindling-kubeconfig-'))
  dirs.push(dir)
  const file = path.join(dir, 'config')
  writeFileSync(file, text)
  return file
}

/** What a person sees of a failed connection: the message and every detail under it, plus the stack --verbose would add. */
function said(error: unknown): string {
  return [...formatError(error, (line) => line), error instanceof Error ? (error.stack ?? '') : ''].join('\n')
}

const refusal = (load: () => unknown): unknown => refusalOf(load, 'the kubeconfig was accepted')

const CLUSTER = "clusters: [{name: x, cluster: {server: 'https://127.0.0.1:1'}}]"
const CONTEXT = 'contexts: [{name: x, context: {cluster: x, user: x}}]'

describe('a kubeconfig that is no file', () => {
  it('is refused by name before the API library reads it, as bad input: a device would never end, a folder or a big file says so', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kindling-kubeconfig-'))
    dirs.push(dir)
    // /dev/zero read synchronously would fill memory and hold the process past any signal.
    expect(refusal(() => KubeClient.fromKubeconfig({ file: '/dev/zero', context: 'lab' }))).toMatchObject({
      exitCode: ExitCode.badInput,
      message: 'kubeconfig /dev/zero is a device, not a file',
    })
    expect(refusal(() => KubeClient.fromKubeconfig({ file: dir, context: 'lab' }))).toMatchObject({
      exitCode: ExitCode.badInput,
      message: `kubeconfig ${dir} is a folder, not a file`,
    })
    const big = path.join(dir, 'big')
    // Sparse: 17 MiB that take no room on disk.
    writeFileSync(big, '')
    truncateSync(big, 17 * 1024 * 1024)
    expect(refusal(() => KubeClient.fromKubeconfig({ file: big, context: 'lab' }))).toMatchObject({
      exitCode: ExitCode.badInput,
      message: `kubeconfig ${big} is 17.0 MiB; at most 16.0 MiB is read`,
    })
  })

  it('one that is not there (yet) is a missing prerequisite, exit 3, like a context that does not answer', () => {
    const file = path.join(path.dirname(kubeconfigFile('')), 'none')
    expect(refusal(() => KubeClient.fromKubeconfig({ file, context: 'lab' }))).toMatchObject({
      exitCode: ExitCode.missingPrerequisite,
      message: `kubeconfig ${file} does not exist`,
    })
  })

  it('refuses a certificate or key file the context names that is a pipe, before the library reads it at the first request', () => {
    // A relative path starts at the kubeconfig's folder, as kubectl reads it.
    const file = kubeconfigFile(`apiVersion: v1\n${CLUSTER}\n${CONTEXT}\nusers: [{name: x, user: {client-certificate-data: eA==, client-key: client.key}}]\n`)
    const fifo = makeFifo(path.join(path.dirname(file), 'client.key'))
    try {
      expect(refusal(() => KubeClient.fromKubeconfig({ file, context: 'x' }))).toMatchObject({
        exitCode: ExitCode.badInput,
        message: `kubeconfig ${file}: the client-key of user "x", ${fifo}, is a named pipe, not a file: reading it could wait forever`,
      })
    } finally {
      releaseFifo(fifo)
    }
  })
})

describe('a kubeconfig that is no kubeconfig', () => {
  it.each([
    ['password', '    password: Hunter2Secret9'],
    ['token', '    token: eyJhbGciOiJSUzI1NiJ9.Hunter2Secret9'],
  ])('with a %s next to a YAML mistake: names the file, the line and the fix, never its lines (exit 2)', (_, credential) => {
    const file = kubeconfigFile(`apiVersion: v1\nkind: Config\n${CLUSTER}\nusers:\n- name: x\n  user:\n${credential}\n   username: bad\n${CONTEXT}\n`)
    const error = refusal(() => KubeClient.fromKubeconfig({ file, context: 'x' }))
    expect(exitCodeOf(error)).toBe(ExitCode.badInput)
    const text = said(error)
    expect(text).toContain(`cannot read kubeconfig ${file}: is not valid YAML: bad indentation of a mapping entry (line 8)`)
    expect(text).toContain(`check it with \`kubectl --kubeconfig ${file} config view\` and correct it`)
    expect(text).not.toContain('Hunter2Secret9')
    expect(text).not.toContain('username: bad')
    // Nothing holds the library's message for a report or --verbose to print later.
    expect((error as Error).cause).toBeUndefined()
  })

  it.each([
    ['empty', '', 'is empty'],
    ['only a comment', '# nothing yet\n', 'is empty'],
    [
      'a null context',
      `apiVersion: v1\n${CLUSTER}\ncontexts: [null]\n`,
      'has an entry of contexts (contexts[0], line 3) that is empty or not a mapping with a name',
    ],
    [
      'a bare dash under users',
      `apiVersion: v1\n${CLUSTER}\nusers:\n-\n${CONTEXT}\n`,
      'has an entry of users (users[0], line 4) that is empty or not a mapping with a name',
    ],
    ['a list', '- a\n- b\n', 'is not a kubeconfig (a mapping with clusters, contexts and users)'],
    [
      'a file of other fields',
      'root:*:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n',
      'is not a kubeconfig (it has none of apiVersion, kind, clusters, contexts and users)',
    ],
  ])("%s: says what is wrong with it instead of the API client's TypeError (exit 2)", (_, text, problem) => {
    const file = kubeconfigFile(text)
    const error = refusal(() => KubeClient.fromKubeconfig({ file, context: 'x' }))
    expect(exitCodeOf(error)).toBe(ExitCode.badInput)
    // The same text printed by `kind get kubeconfig` is the tool's, not the user's: a prerequisite.
    expect(exitCodeOf(refusal(() => KubeClient.fromKubeconfig({ yaml: text, context: 'x' })))).toBe(ExitCode.missingPrerequisite)
    expect(said(error)).toContain(`cannot read kubeconfig ${file}: ${problem}`)
    expect(said(error)).not.toMatch(/Cannot read properties/)
  })

  it('reads the same problems the wizard reports, from the text alone', () => {
    expect(kubeconfigTextProblem(`apiVersion: v1\n${CLUSTER}\n${CONTEXT}\n`)).toBeUndefined()
    expect(kubeconfigTextProblem('a: [1\n')).toMatch(/^is not valid YAML: .* \(line \d\)$/)
    expect(kubeconfigTextProblem('a: &x 1\nb: *y\n')).not.toContain('*y')
  })

  it('names a list that is a text or a mapping (kubectl refuses the file too), where it would otherwise read as no contexts', () => {
    expect(kubeconfigTextProblem('apiVersion: v1\nkind: Config\ncontexts: prod\n')).toBe(
      'has contexts that is not a list (contexts, line 3): write each entry as `- name: …`, as `kubectl config view` shows them',
    )
    expect(kubeconfigTextProblem('apiVersion: v1\nusers: { name: u }\n')).toMatch(/^has users that is not a list \(users, line 2\)/)
    // `kubectl config view` writes an empty list as null.
    expect(kubeconfigTextProblem('apiVersion: v1\nkind: Config\nclusters: null\ncontexts: null\nusers: null\n')).toBeUndefined()
  })
})

describe('a kubeconfig credential plugin that fails', () => {
  const plugin = (script: string): string =>
    kubeconfigFile(
      `apiVersion: v1\n${CLUSTER}\n${CONTEXT}\nusers:\n- name: x\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: ${JSON.stringify(process.execPath)}\n      args: ['-e', ${JSON.stringify(script)}]\n`,
    )

  it('exiting without a word: names the user, the plugin and what to run, not an empty "get server version: " (exit 3)', async () => {
    const file = plugin('process.exit(1)')
    const error = await KubeClient.fromKubeconfig({ file, context: 'x' })
      .serverVersion()
      .catch((caught: unknown) => caught)
    expect(exitCodeOf(error)).toBe(ExitCode.missingPrerequisite)
    const text = said(error)
    expect(text).toContain(`the credential plugin \`${process.execPath}\` of kubeconfig user "x" of context "x" failed without saying why`)
    expect(text).toContain(`\`kubectl --kubeconfig ${file} --context x get nodes\` runs the same plugin`)
  })

  it("with its own reason: shows the reason's first line", async () => {
    const error = await KubeClient.fromKubeconfig({ file: plugin('console.error("login expired: run login again\\nmore"); process.exit(1)'), context: 'x' })
      .serverVersion()
      .catch((caught: unknown) => caught)
    expect(errorText(error)).toMatch(/failed: login expired: run login again$/)
  })

  it('repeating its arguments or environment on stderr: masks them, as they may be keys', async () => {
    const file = kubeconfigFile(
      `apiVersion: v1\n${CLUSTER}\n${CONTEXT}\nusers:\n- name: x\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: ${JSON.stringify(process.execPath)}\n      args: ['-e', 'console.error("bad key " + process.argv[1] + " and " + process.env.API_KEY + " " + process.argv[2]); process.exit(1)', 'Arg5ecretValue77', '--token=Flag5ecretValue77']\n      env: [{name: API_KEY, value: Env5ecretValue77}]\n`,
    )
    const error = await KubeClient.fromKubeconfig({ file, context: 'x' })
      .serverVersion()
      .catch((caught: unknown) => caught)
    expect(exitCodeOf(error)).toBe(ExitCode.missingPrerequisite)
    expect(errorText(error)).toMatch(/failed: bad key \*\*\* and \*\*\* --token=\*\*\*$/)
  })

  it('printing a bare token instead of an ExecCredential: says so without showing what it printed', async () => {
    const error = await KubeClient.fromKubeconfig({ file: plugin('console.log("Hunter2Secret9Token")'), context: 'x' })
      .serverVersion()
      .catch((caught: unknown) => caught)
    expect(exitCodeOf(error)).toBe(ExitCode.missingPrerequisite)
    expect(said(error)).toContain('printed something other than the ExecCredential JSON the API client reads (not shown)')
    expect(said(error)).not.toContain('Hunter2Secret9')
  })

  it('that never answers: stopped at its deadline with whatever it started, and named (exit 3)', async () => {
    const pidFile = path.join(os.tmpdir(), `kindling-plugin-${process.pid}.pid`)
    const script = `require("fs").writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setInterval(() => {}, 1000)`
    const started = performance.now()
    const error = await KubeClient.fromKubeconfig({ file: plugin(script), context: 'x', pluginTimeoutMs: 500 })
      .serverVersion()
      .catch((caught: unknown) => caught)
    expect(performance.now() - started).toBeLessThan(10_000)
    expect(exitCodeOf(error)).toBe(ExitCode.missingPrerequisite)
    expect(errorText(error)).toBe(
      `the credential plugin \`${process.execPath}\` of kubeconfig user "x" of context "x" printed no credential within 0.5s and was stopped`,
    )
    expect(() => process.kill(Number(readFileSync(pidFile, 'utf8')), 0)).toThrow()
    rmSync(pidFile, { force: true })
  })

  it('not installed: says so', async () => {
    const file = kubeconfigFile(
      `apiVersion: v1\n${CLUSTER}\n${CONTEXT}\nusers: [{name: x, user: {exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: /no/such/auth-plugin}}}]\n`,
    )
    const error = await KubeClient.fromKubeconfig({ file, context: 'x' })
      .serverVersion()
      .catch((caught: unknown) => caught)
    expect(exitCodeOf(error)).toBe(ExitCode.missingPrerequisite)
    expect(errorText(error)).toBe('the credential plugin `/no/such/auth-plugin` of kubeconfig user "x" of context "x" is not installed (not found)')
  })
})

describe('a kubeconfig whose API server is plain http://', () => {
  it('says the client refuses plain HTTP without insecure-skip-tls-verify, not that the credentials are unusable (exit 3)', async () => {
    const file = kubeconfigFile(
      `apiVersion: v1\nclusters: [{name: c, cluster: {server: 'http://127.0.0.1:1'}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\nusers: [{name: u, user: {username: admin, password: Hunter2Secret9}}]\n`,
    )
    const error = await KubeClient.fromKubeconfig({ file, context: 'x' })
      .serverVersion()
      .catch((caught: unknown) => caught)
    expect(exitCodeOf(error)).toBe(ExitCode.missingPrerequisite)
    const text = said(error)
    expect(errorText(error)).toContain('the API server of context "x" (cluster "c") has a plain http:// address')
    expect(text).toContain(`give cluster "c" in ${file} its https:// address`)
    expect(text).toContain('add insecure-skip-tls-verify: true to that cluster')
    expect(text).not.toContain('credentials or certificates')
    expect(text).not.toContain('Hunter2Secret9')
  })

  it('runs no credential plugin for a request the client will not send, and blames HTTP only where the client refuses it', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kindling-kubeconfig-'))
    dirs.push(dir)
    const ran = path.join(dir, 'plugin-ran')
    const script = `require("node:fs").writeFileSync(${JSON.stringify(ran)}, ""); process.exit(1)`
    const file = (server: string): string =>
      kubeconfigFile(
        `apiVersion: v1\nclusters: [{name: c, cluster: ${server}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\nusers:\n- name: u\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: ${JSON.stringify(process.execPath)}\n      args: ['-e', ${JSON.stringify(script)}]\n`,
      )
    const failure = (kubeconfig: string): Promise<unknown> =>
      KubeClient.fromKubeconfig({ file: kubeconfig, context: 'x' })
        .serverVersion()
        .catch((caught: unknown) => caught)
    expect(said(await failure(file("{server: 'http://127.0.0.1:1'}")))).toContain('has a plain http:// address')
    expect(existsSync(ran)).toBe(false)
    // Through a proxy the client does send plain HTTP: the plugin that failed is what is wrong.
    const proxied = said(await failure(file("{server: 'http://127.0.0.1:1', proxy-url: 'http://127.0.0.1:2'}")))
    expect(proxied).toContain(`the credential plugin \`${process.execPath}\` of kubeconfig user "u" of context "x" failed without saying why`)
    expect(proxied).not.toContain('plain http://')
  })
})

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
