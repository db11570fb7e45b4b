// The key files a spec names (the age key, the SSH deploy key, known_hosts): where each is, the
// field that names it and how to set it right, read the one way every named file is read.

import { BadInputError } from '../engine/errors.js'
import { DEFAULTS } from '../spec/defaults.js'
import { expandHome, relativeSpec, type ClusterSpec } from '../spec/load.js'
import { assertCreatable, isInside, plainFileProblem, readFileIfExists, UnusableFileError, type FileRole } from '../tools/files.js'
import { readAgeKey, type AgeKey } from '../tools/age.js'

/** A key file is a few hundred bytes; known_hosts a few KiB. Anything near this is the wrong file. */
const MAX_KEY_FILE_BYTES = 1024 * 1024

/** Where the SSH deploy key lives: the spec's file, or one kindling generates outside the repository. */
export function deployKeyFile(spec: ClusterSpec): string {
  const auth = spec.repository.auth
  if (auth.type === 'ssh' && auth.privateKeyFile) return auth.privateKeyFile
  return expandHome(`~/.config/kindling/ssh/${spec.name}_ed25519`)
}

/** The key that may push to the in-cluster Git server: kept outside the repository, one per cluster. */
export function gitServerKeyFile(spec: ClusterSpec): string {
  return expandHome(`${DEFAULTS.gitServer.keyDir}/${spec.name}-git-server_ed25519`)
}

/**
 * Refuse, before anything is created, to keep a private key inside the repository, where one
 * `git add` (or the push of clusters/<name>/) would publish it. Keys the spec names are refused
 * by their field when it is loaded; this catches the defaults under ~/.config/kindling/, which land
 * in the repository when HOME is in it (or is a link into it).
 */
export function assertKeysOutsideRepository(spec: ClusterSpec): void {
  const auth = spec.repository.auth
  const kept = [
    ...(spec.secrets.sops.enabled ? [{ what: 'the age key', file: spec.secrets.sops.ageKeyFile }] : []),
    ...(spec.repository.inCluster ? [{ what: "the in-cluster Git server's push key", file: gitServerKeyFile(spec) }] : []),
    ...(auth.type === 'ssh' ? [{ what: 'the deploy key', file: deployKeyFile(spec) }] : []),
  ]
  const keys = kept.filter((key) => isInside(key.file, spec.repoRoot)).map((key) => `${key.what} ${key.file}`)
  if (keys.length === 0) return
  throw new BadInputError(
    `${keys.join(' and ')} would be kept inside the repository ${spec.repoRoot}, where one \`git add\` would publish ${keys.length === 1 ? 'it' : 'them'}`,
    {
      details: [
        `the keys kindling makes go under ~/.config/kindling/, and HOME is ${expandHome('~')}: set HOME to your home folder outside the repository, or name key files outside it in ${relativeSpec(spec)} (secrets.sops.ageKeyFile, repository.auth.privateKeyFile)`,
      ],
    },
  )
}

/** The age key file, named by secrets.sops.ageKeyFile (or its default). */
function ageKeyRole(spec: ClusterSpec): FileRole {
  return {
    what: 'secrets.sops.ageKeyFile',
    fix: `set secrets.sops.ageKeyFile in ${relativeSpec(spec)} to the identity file age-keygen wrote (restore it from your backup), or to a path where there is none yet to have one generated`,
    maxBytes: MAX_KEY_FILE_BYTES,
  }
}

/** The deploy key: repository.auth.privateKeyFile, or the one kindling generated. */
export function deployKeyRole(spec: ClusterSpec): FileRole {
  const auth = spec.repository.auth
  const given = auth.type === 'ssh' && auth.privateKeyFile !== undefined
  return {
    what: given ? 'repository.auth.privateKeyFile' : 'the deploy key',
    fix: given
      ? `set repository.auth.privateKeyFile in ${relativeSpec(spec)} to an SSH private key (ssh-keygen -t ed25519 writes one), or remove it to have one generated`
      : `move ${deployKeyFile(spec)} out of the way to have a new deploy key generated there, or set repository.auth.privateKeyFile in ${relativeSpec(spec)} to your SSH private key`,
    maxBytes: MAX_KEY_FILE_BYTES,
  }
}

/** repository.auth.knownHostsFile. */
function knownHostsRole(spec: ClusterSpec): FileRole {
  return {
    what: 'repository.auth.knownHostsFile',
    fix: `set repository.auth.knownHostsFile in ${relativeSpec(spec)} to a known_hosts file for the Git host (\`ssh-keyscan <host>\` prints its lines), or remove it to have the host's keys read with ssh-keyscan`,
    maxBytes: MAX_KEY_FILE_BYTES,
  }
}

/** The spec's age key, or undefined when there is none yet; one that cannot be used is refused by its field. */
export async function readSpecAgeKey(spec: ClusterSpec): Promise<AgeKey | undefined> {
  const key = await readAgeKey(spec.secrets.sops.ageKeyFile, ageKeyRole(spec))
  if (key === undefined) assertCreatable(spec.secrets.sops.ageKeyFile, ageKeyRole(spec))
  return key
}

/** The deploy key's text, or undefined when there is none yet (and it can be generated where it belongs). */
export async function readDeployKey(spec: ClusterSpec): Promise<string | undefined> {
  const text = await readFileIfExists(deployKeyFile(spec), deployKeyRole(spec))
  if (text === undefined) assertCreatable(deployKeyFile(spec), deployKeyRole(spec))
  return text
}

/** The spec's known_hosts text; the field names a file, so a missing one is refused too. */
export async function readKnownHosts(spec: ClusterSpec, file: string): Promise<string> {
  const role = knownHostsRole(spec)
  const text = await readFileIfExists(file, role)
  if (text === undefined) throw new UnusableFileError(file, 'does not exist', role)
  return text
}

/** An SSH private key in any format ssh reads: OpenSSH, PEM (RSA, EC) or PKCS#8. */
const PRIVATE_KEY = /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----/

/**
 * The deploy key read as the repository-credentials step will, and its text held to being a
 * private key, for preflight: one the spec names must be there; the generated one may not be yet.
 */
export async function checkDeployKey(spec: ClusterSpec): Promise<void> {
  const auth = spec.repository.auth
  const file = deployKeyFile(spec)
  const text = await readDeployKey(spec)
  if (text === undefined && auth.type === 'ssh' && auth.privateKeyFile) throw new UnusableFileError(file, 'does not exist', deployKeyRole(spec))
  if (text !== undefined && !PRIVATE_KEY.test(text))
    throw new UnusableFileError(file, 'is not an SSH private key (it has no "-----BEGIN … PRIVATE KEY-----" line)', deployKeyRole(spec))
}

/**
 * The files ssh is handed for the repository, refused now when one is there but no regular file:
 * ssh would block opening a named pipe until its command timed out.
 */
export function assertSshFilesUsable(spec: ClusterSpec): void {
  const auth = spec.repository.auth
  if (auth.type !== 'ssh') return
  const files: [string, FileRole][] = [[deployKeyFile(spec), deployKeyRole(spec)]]
  if (auth.knownHostsFile) files.push([auth.knownHostsFile, knownHostsRole(spec)])
  for (const [file, role] of files) {
    const found = plainFileProblem(file, MAX_KEY_FILE_BYTES)
    if (found && !found.missing) throw new UnusableFileError(file, found.problem, role)
  }
}
