import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runCommand, type CliIo } from '../../../bootstrap/cli/main.js'
import { RecordingRunner, type Reply } from '../../../bootstrap/tools/recording-runner.js'
import { makeFifo, releaseFifo } from '../support/fifo.js'
import { specText } from '../support/context.js'
import { toolsPresent } from './provider/support.js'

const dirs: string[] = []
const fifos: string[] = []
afterAll(() => {
  fifos.forEach(releaseFifo)
  dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true }))
})

function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kindling-spec-files-'))
  dirs.push(dir)
  return dir
}

/** Every tool there, no cluster yet: what a first bootstrap sees on a ready machine. */
const READY: Reply[] = [
  ...toolsPresent,
  { match: /^docker (volume )?inspect/, exitCode: 1, stdout: '[]', stderr: 'Error: No such object' },
  { match: 'kind get kubeconfig', exitCode: 1, stderr: "ERROR: could not locate any control plane nodes for cluster named 'lab'" },
]

/** A repository of its own holding this spec body (after the repository). */
function repositoryWith(extra: string, repository = 'url: https://example.com/lab.git'): string {
  const root = tempDir()
  mkdirSync(path.join(root, 'clusters', 'lab'), { recursive: true })
  writeFileSync(path.join(root, 'clusters', 'lab', 'cluster.yaml'), specText({ provider: 'type: kind\nregistryCaches:\n  enabled: false', repository, extra }))
  return root
}

/** `kindling bootstrap -c lab <args>` in a repository of its own holding this spec body (after the repository). */
async function bootstrap(extra: string, args: string[], repository?: string, root = repositoryWith(extra, repository)) {
  const out: string[] = []
  const runner = new RecordingRunner(READY)
  const io: CliIo = {
    stdout: (line) => out.push(line),
    stderr: (line) => out.push(line),
    isTTY: false,
    canAsk: false,
    cwd: root,
    signal: new AbortController().signal,
    runner,
  }
  const started = performance.now()
  const code = await runCommand('bootstrap', ['-c', 'lab', '--yes', ...args], io)
  return { code, said: out.join(''), ms: performance.now() - started, runner }
}

const ageKeyFile = (file: string): string => `secrets:\n  sops:\n    enabled: true\n    ageKeyFile: ${file}`
const sshAuth = (lines: string): string => `url: ssh://git@git.example.com/lab.git\nbranch: main\nauth:\n  type: ssh\n${lines}`

describe('a key file the spec names that is no regular file', () => {
  it.each([
    ['secrets.sops.ageKeyFile', (fifo: string) => ({ extra: ageKeyFile(fifo), repository: undefined })],
    ['repository.auth.privateKeyFile', (fifo: string) => ({ extra: '', repository: sshAuth(`  privateKeyFile: ${fifo}`) })],
    ['repository.auth.knownHostsFile', (fifo: string) => ({ extra: '', repository: sshAuth(`  knownHostsFile: ${fifo}`) })],
  ])('a named pipe as %s: the dry run ends at once with exit 2, naming the field and the fix', async (field, spec) => {
    const fifo = makeFifo(path.join(tempDir(), 'fifo'))
    fifos.push(fifo)
    const { extra, repository } = spec(fifo)
    const { code, said, ms } = await bootstrap(extra, ['--dry-run'], repository)
    expect(code, said).toBe(2)
    expect(ms).toBeLessThan(4000)
    expect(said).toContain(`${field} ${fifo} is a named pipe, not a file: reading it could wait forever`)
    expect(said).toMatch(new RegExp(`fix: set ${field.replaceAll('.', '\\.')} in clusters/lab/cluster\\.yaml to `))
    expect(said).toContain('A real run would stop now: fix what step 1 (preflight) of the plan reports')
  })

  it.each([
    ['a folder', (dir: string) => dir, 'is a folder, not a file'],
    [
      'a link that loops',
      (dir: string) => {
        symlinkSync(path.join(dir, 'loop'), path.join(dir, 'loop'))
        return path.join(dir, 'loop')
      },
      'is a symbolic link that loops',
    ],
  ])('%s as ageKeyFile: exit 2 in words, never the errno text', async (_, make, problem) => {
    const file = make(tempDir())
    const { code, said } = await bootstrap(ageKeyFile(file), ['--dry-run'])
    expect(code, said).toBe(2)
    expect(said).toContain(`age key usable: secrets.sops.ageKeyFile ${file} ${problem}`)
    expect(said).not.toMatch(/EISDIR|ELOOP|illegal operation|too many symbolic links/)
  })
})

describe('a key file to be generated where a file stands in the way', () => {
  it('an age key whose folder is a file: named in preflight (exit 2), dry run too, not found after the cluster was made', async () => {
    const dir = tempDir()
    writeFileSync(path.join(dir, 'age'), 'not a folder\n')
    const file = path.join(dir, 'age', 'lab.agekey')
    for (const args of [['--dry-run'], []]) {
      const { code, said, runner } = await bootstrap(ageKeyFile(file), args)
      expect(code, said).toBe(2)
      expect(said).toContain(
        `age key usable: secrets.sops.ageKeyFile ${file} does not exist and cannot be made there: ${path.join(dir, 'age')} is not a folder`,
      )
      expect(runner.commands.filter((command) => !command.readOnly)).toEqual([])
    }
  })
})

describe('a key file whose content is not the key', () => {
  it('an ageKeyFile that is no age key stops the run in preflight, before anything is created, and the dry run says exit 2 as well', async () => {
    const file = path.join(tempDir(), 'lab.agekey')
    writeFileSync(file, 'not a key\n')
    const real = await bootstrap(ageKeyFile(file), [])
    expect(real.code, real.said).toBe(2)
    expect(real.said).toContain(`age key usable: secrets.sops.ageKeyFile ${file} is not an age identity file`)
    expect(real.said).toContain('Nothing was changed')
    expect(real.runner.commands.filter((command) => !command.readOnly)).toEqual([])
    expect((await bootstrap(ageKeyFile(file), ['--dry-run'])).code).toBe(2)
  })

  it('a privateKeyFile that is no private key, or is not there, and a missing knownHostsFile: each named, in one preflight', async () => {
    const dir = tempDir()
    writeFileSync(path.join(dir, 'id'), 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI public half\n')
    const { code, said } = await bootstrap('', [], sshAuth(`  privateKeyFile: ${dir}/id\n  knownHostsFile: ${dir}/known_hosts`))
    expect(code, said).toBe(2)
    expect(said).toContain('2 files cannot be used')
    expect(said).toContain(`deploy key usable: repository.auth.privateKeyFile ${dir}/id is not an SSH private key`)
    expect(said).toContain(`known_hosts usable: repository.auth.knownHostsFile ${dir}/known_hosts does not exist`)
    const missing = await bootstrap('', [], sshAuth(`  privateKeyFile: ${dir}/none`))
    expect(missing.said).toContain(`deploy key usable: repository.auth.privateKeyFile ${dir}/none does not exist`)
  })
})

describe('keys kindling makes, with HOME inside the repository', () => {
  it.each([
    ['a folder in the repository', (root: string, home: string) => mkdirSync(home, { recursive: true })],
    [
      'a link into the repository',
      (root: string, home: string) => {
        mkdirSync(path.join(root, 'clusters', 'lab', 'h'), { recursive: true })
        symlinkSync(path.join(root, 'clusters', 'lab', 'h'), home)
      },
    ],
  ])('HOME as %s: refused with exit 2 before any command, the key named (the push of clusters/<name>/ would publish it)', async (_, makeHome) => {
    const root = repositoryWith('', 'branch: main')
    const home = _.startsWith('a link') ? path.join(tempDir(), 'home') : path.join(root, 'clusters', 'lab', 'h')
    makeHome(root, home)
    const saved = { HOME: process.env.HOME, XDG_STATE_HOME: process.env.XDG_STATE_HOME }
    process.env.HOME = home
    process.env.XDG_STATE_HOME = path.join(tempDir(), 'state')
    const { code, said, runner } = await bootstrap('', ['--dry-run'], undefined, root).finally(() => Object.assign(process.env, saved))
    expect(code, said).toBe(2)
    const keys = `the age key ${path.join(home, '.config', 'kindling', 'age', 'lab.agekey')} and the in-cluster Git server's push key ${path.join(home, '.config', 'kindling', 'ssh', 'lab-git-server_ed25519')}`
    expect(said).toContain(`${keys} would be kept inside the repository ${root}, where one \`git add\` would publish them`)
    expect(said).toContain('set HOME to your home folder outside the repository')
    expect(runner.commands).toEqual([])
  })
})
