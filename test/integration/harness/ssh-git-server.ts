import { execFileSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { freePort } from './control-plane.js'
import { startChild, stopChild, waitForPort, type Child } from './processes.js'

/** Debian's OpenSSH server (package openssh-server), which .ci/run installs. */
const SSHD = '/usr/sbin/sshd'
/** The account Git is served as; .ci/run creates it (no password, /bin/sh). */
const SSH_GIT_USER = 'git'

/**
 * A Git server over SSH on loopback, as Soft Serve serves it: `ssh://git@host:port/<name>.git`,
 * one bare repository per name, public-key authentication only, and only `git-upload-pack` and
 * `git-receive-pack` allowed (a forced command, as hosted Git services do).
 */
export interface SshGitServer {
  port: number
  /** The bare repository of a name, on disk, for the test to inspect. */
  repository(name: string): string
  /** Replace the keys allowed in (Soft Serve: SOFT_SERVE_INITIAL_ADMIN_KEYS). */
  authorize(publicKeys: readonly string[]): void
  stop(): Promise<void>
}

/** Why the SSH server cannot run here, or undefined when it can. */
export function sshServerMissing(): string | undefined {
  if (!existsSync(SSHD)) return `${SSHD} is not installed (apt-get install openssh-server; .ci/run does)`
  if (process.getuid?.() !== 0) return 'sshd serves other accounts only when started as root'
  try {
    execFileSync('id', ['-u', SSH_GIT_USER], { stdio: 'ignore' })
  } catch {
    return `there is no "${SSH_GIT_USER}" account (useradd --shell /bin/sh ${SSH_GIT_USER}; usermod -p '*' ${SSH_GIT_USER}; .ci/run does)`
  }
  return undefined
}

export async function startSshGitServer(repositories: readonly string[]): Promise<SshGitServer> {
  const missing = sshServerMissing()
  if (missing) throw new Error(`cannot start the SSH Git server: ${missing}`)
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kindling-sshgit-'))
  // sshd reads the keys file as the git account: the folder must be traversable by it.
  chmodSync(dir, 0o755)
  const root = path.join(dir, 'repos')
  mkdirSync(root)
  for (const name of repositories) execFileSync('git', ['init', '--quiet', '--bare', '--initial-branch=main', path.join(root, `${name}.git`)])
  execFileSync('chown', ['-R', SSH_GIT_USER, root])
  const serve = path.join(dir, 'serve-git')
  // The forced command: map the path the client asked for (`/gitops.git`) onto the bare repository.
  writeFileSync(
    serve,
    [
      '#!/bin/sh',
      'set -eu',
      'verb=${SSH_ORIGINAL_COMMAND%% *}',
      `name=$(basename "$(printf %s "\${SSH_ORIGINAL_COMMAND#* }" | tr -d "'")")`,
      'case "$verb" in git-upload-pack|git-receive-pack) ;; *) echo "only git fetch and push are served" >&2; exit 1 ;; esac',
      `exec "$verb" "${root}/$name"`,
      '',
    ].join('\n'),
    { mode: 0o755 },
  )
  const keys = path.join(dir, 'authorized_keys')
  writeFileSync(keys, '', { mode: 0o644 })
  const hostKey = path.join(dir, 'host_ed25519')
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey])
  const port = await freePort()
  const config = path.join(dir, 'sshd_config')
  writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${path.join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${keys}`,
      `AllowUsers ${SSH_GIT_USER}`,
      'StrictModes no',
      'UsePAM no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      'PermitTTY no',
      'AllowTcpForwarding no',
      'X11Forwarding no',
      'LogLevel ERROR',
      '',
    ].join('\n'),
  )
  // Privilege separation needs this folder; the package creates it only when its service starts.
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 })
  const child: Child = startChild(dir, 'sshd', SSHD, ['-D', '-e', '-f', config])
  await waitForPort(port, 'sshd', { child })
  return {
    port,
    repository: (name) => path.join(root, `${name}.git`),
    authorize: (publicKeys) =>
      writeFileSync(
        keys,
        publicKeys.map((key) => `command="${serve}",no-pty,no-port-forwarding,no-agent-forwarding,no-X11-forwarding ${key.trim()}\n`).join(''),
      ),
    async stop() {
      await stopChild(child)
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
