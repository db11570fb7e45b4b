import { describe, expect, it } from 'vitest'
import { lsRemoteCommand, parseGitUrl, parseLsRemote, sshKeygenCommand, sshPublicKeyCommand } from '../../../bootstrap/tools/git.js'
import { formatCommand } from '../../../bootstrap/tools/runner.js'
import { Secret } from '../../../bootstrap/tools/secrets.js'

const SHA = '0123456789abcdef0123456789abcdef01234567'

describe('git tool', () => {
  it('asks the remote for one branch, read-only', () => {
    const command = lsRemoteCommand('https://github.com/x/y.git', 'main', { type: 'none' })
    expect(command.readOnly).toBe(true)
    expect(formatCommand(command)).toBe('GIT_TERMINAL_PROMPT=0 git ls-remote -- https://github.com/x/y.git refs/heads/main')
  })

  it('passes an HTTPS token only through the environment, never in arguments or the URL', () => {
    const token = new Secret('ghp_abcdefghijklmnop', 'GH_TOKEN')
    const command = lsRemoteCommand('https://github.com/x/y.git', 'main', { type: 'https', username: 'git', token })
    expect(command.args.join(' ')).not.toContain('ghp_')
    expect(command.env?.KINDLING_GIT_TOKEN).toBe(token)
    expect(formatCommand(command)).not.toContain('ghp_')
    expect(formatCommand(command)).toContain('KINDLING_GIT_TOKEN=<GH_TOKEN>')
    expect(() => lsRemoteCommand('https://user:pw@github.com/x/y.git', 'main', { type: 'https', username: 'git', token })).toThrow(/must not carry credentials/)
    for (const url of ['https://github.com/x/y.git#access_token=pw0123456', 'https://github.com/x/y.git?%74oken=pw0123456'])
      expect(() => lsRemoteCommand(url, 'main', { type: 'https', username: 'git', token })).toThrow(/must not carry credentials/)
  })

  it('uses the deploy key and known hosts for SSH', () => {
    const command = lsRemoteCommand('git@github.com:x/y.git', 'main', { type: 'ssh', privateKeyFile: '/k/id', knownHostsFile: '/k/known' })
    expect(command.env?.GIT_SSH_COMMAND).toBe(
      "ssh -i '/k/id' -o IdentitiesOnly=yes -o BatchMode=yes -o UserKnownHostsFile='/k/known' -o StrictHostKeyChecking=yes",
    )
  })

  it('reads the commit of the branch and names a missing branch', () => {
    expect(parseLsRemote(`${SHA}\trefs/heads/main\n`, 'main')).toBe(SHA)
    expect(() => parseLsRemote('', 'main')).toThrow(/branch main does not exist on the remote/)
  })

  it('parses every URL form the spec accepts', () => {
    expect(parseGitUrl('git@github.com:x/y.git')).toEqual({ host: 'github.com', path: 'x/y.git' })
    expect(parseGitUrl('ssh://git@host:2222/x/y.git')).toEqual({ host: 'host', port: 2222, path: 'x/y.git' })
    expect(parseGitUrl('https://gitlab.com/g/s/p.git')).toEqual({ host: 'gitlab.com', port: undefined, path: 'g/s/p.git' })
  })

  it('generates an ed25519 key without a passphrase', () => {
    expect(formatCommand(sshKeygenCommand('/k/id', 'kindling-lab'))).toBe("ssh-keygen -q -t ed25519 -N '' -C kindling-lab -f /k/id")
    expect(formatCommand(sshPublicKeyCommand('/k/id'))).toBe('ssh-keygen -y -f /k/id')
  })
})
