import { stat } from 'node:fs/promises'
import { isInside, readFileIfExists, UnusableFileError, type FileRole } from './files.js'
import { BadInputError } from '../engine/errors.js'
import type { Command } from './runner.js'
import { Secret } from './secrets.js'

/** An age identity file: the public recipient (goes into .sops.yaml) and the secret key (never printed). */
export interface AgeKey {
  file: string
  recipient: string
  secretKey: Secret
  /** The whole file, as the engine's decryption Secret holds it. */
  contents: Secret
}

/** `age-keygen -o <file>`: writes a new identity; the public key is also printed on stderr. */
export function ageKeygenCommand(file: string): Command {
  return { file: 'age-keygen', args: ['-o', file] }
}

/** The key must live outside the repository: committing it would hand out every secret. */
export function assertOutsideRepo(file: string, repoRoot: string): void {
  if (isInside(file, repoRoot)) {
    throw new BadInputError(`the age key ${file} is inside the repository ${repoRoot}`, {
      details: ['keep it outside the repository (default: ~/.config/kindling/age/<name>.agekey) so it is never committed'],
    })
  }
}

/** Read an identity file written by age-keygen; undefined when there is none yet. `role` names who named it. */
export async function readAgeKey(file: string, role: FileRole = {}): Promise<AgeKey | undefined> {
  const text = await readFileIfExists(file, role)
  return text === undefined ? undefined : parseAgeKey(file, text, role)
}

/** Parse `# public key: age1…` and `AGE-SECRET-KEY-1…` out of an identity file. */
export function parseAgeKey(file: string, text: string, role: FileRole = {}): AgeKey {
  const recipient = /^#\s*public key:\s*(age1[0-9a-z]+)\s*$/m.exec(text)?.[1]
  const secretKey = /^(AGE-SECRET-KEY-1[0-9A-Z]+)\s*$/m.exec(text)?.[1]
  if (!recipient || !secretKey) {
    const expected = 'a "# public key: age1…" line and an AGE-SECRET-KEY-1… line, as age-keygen writes them'
    throw new UnusableFileError(file, `is not an age identity file (it needs ${expected})`, role)
  }
  return { file, recipient, secretKey: new Secret(secretKey, 'age key'), contents: new Secret(text, 'age key file') }
}

/** True when group or others may read the key file (it should be 0600). */
export async function isKeyFileExposed(file: string): Promise<boolean> {
  const info = await stat(file)
  return (info.mode & 0o077) !== 0
}
