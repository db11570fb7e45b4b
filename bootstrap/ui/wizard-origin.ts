// The wizard's word on its default repository, this checkout's origin: a note when it looks like
// the user's own, a warning when its owner is not this machine's Git identity.

import { redactUrlCredentials } from '../spec/url-credentials.js'
import { repositoryOwner } from '../tools/git-host.js'
import type { Runner } from '../tools/runner.js'

/**
 * What to print about origin as the default repository. On a terminal the repository question
 * comes next, so the way out is to answer it; without one, it is the flag.
 */
export async function originNote(runner: Runner, repoRoot: string, remoteUrl: string, onTerminal: boolean): Promise<string> {
  const owner = ownerOf(remoteUrl)
  const identity = await gitIdentity(runner, repoRoot)
  const shown = redactUrlCredentials(remoteUrl)
  return owner !== undefined && identity.some((name) => sameName(name, owner))
    ? `note: the default repository is this checkout's origin, ${shown}: the engine reads it and bootstrap pushes clusters/<name>/ to it.\n`
    : `warning: the default repository is this checkout's origin, ${shown}, which looks like someone else's (its owner${owner ? `, ${owner},` : ''} is not your Git user name or email). The engine reads it and bootstrap pushes clusters/<name>/ to it: use a repository you own (your fork), not someone else's (${onTerminal ? 'type its URL at the question below' : '--repo URL'}).\n`
}

/** The last part of a URL's owner (`JDoe` of gitlab.example.org/group/JDoe/lab.git), if it names one. */
function ownerOf(url: string): string | undefined {
  try {
    return repositoryOwner(url)?.owner.split('/').at(-1)
  } catch {
    return undefined
  }
}

/** The names this machine's Git goes by: user.name and the part of user.email before the @. */
async function gitIdentity(runner: Runner, repoRoot: string): Promise<string[]> {
  const read = (key: string) =>
    runner
      .run({ file: 'git', args: ['-C', repoRoot, 'config', '--get', key], readOnly: true, okExitCodes: [1] })
      .then((result) => (result.exitCode === 0 ? result.stdout.trim() : ''))
      .catch(() => '')
  const [name, email] = await Promise.all([read('user.name'), read('user.email')])
  return [name, email.split('@')[0] ?? ''].filter(Boolean)
}

/** `Jane Doe`, `jane.doe` and `JaneDoe` are the same owner: letters and digits only, any case. */
function sameName(a: string, b: string): boolean {
  const plain = (text: string) => text.toLowerCase().replace(/[^a-z0-9]/g, '')
  return plain(a) !== '' && plain(a) === plain(b)
}
