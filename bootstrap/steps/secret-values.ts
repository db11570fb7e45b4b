import { BadInputError } from '../engine/errors.js'
import { CONTROL, INVISIBLE } from '../spec/characters.js'
import type { ClusterSpec } from '../spec/load.js'
import { startsWithUrlScheme } from '../spec/url-credentials.js'
import type { Redactor } from '../tools/secrets.js'
import { secretVariables as componentSecretVariables } from './gitops/component-secrets.js'

interface SecretVariable {
  name: string
  /** What names it: the spec field, or what it holds. */
  source: string
  /** A token (handed to git's credential helper, one per line) rather than a password. */
  token: boolean
}

/**
 * The environment variables a spec names for a secret a command reads: the repository's token
 * (bootstrap and status read the branch with it) and, for bootstrap, the passwords the enabled
 * components read into their Secrets (Grafana's admin password).
 */
function secretVariables(spec: ClusterSpec, readsPasswords: boolean): SecretVariable[] {
  const auth = spec.repository.auth
  const passwords = readsPasswords ? componentSecretVariables(spec) : []
  return [
    ...(auth.type === 'https' ? [{ name: auth.tokenEnv, source: 'named by repository.auth.tokenEnv', token: true }] : []),
    ...passwords.map((variable) => ({
      name: variable.name,
      source: variable.field ? `named by ${variable.field}` : `holding ${variable.holds}`,
      token: false,
    })),
  ]
}

/** No access token a Git host issues is near this long; a value past it is a file's content, or several tokens. */
const MAX_TOKEN_LENGTH = 4096

/**
 * What makes a variable's value no token or password: said without the value. A password may hold
 * spaces and quotes; neither may hold what no one types (control characters, C1 ones included, or
 * invisible ones pasted along from a web page), which the host would refuse after the cluster was made.
 */
function valueProblem(value: string, token: boolean): string | undefined {
  if (/[\r\n\u2028\u2029]/.test(value)) return 'holds a line break (a file read with its last newline, or saved on Windows?)'
  if (CONTROL.test(value)) return 'holds a control character'
  if (INVISIBLE.test(value)) return 'holds an invisible character (zero-width, or one that reorders text: pasted from a web page?)'
  if (!token) return undefined
  if (/\s/.test(value)) return value.trim() === value ? 'holds a space' : 'starts or ends with a space'
  if (/["'`]/.test(value)) return 'holds a quote character (kept from a .env file, or quoted twice?)'
  if (startsWithUrlScheme(value)) return 'is a URL, not a token (the repository address, or one with the token inside?)'
  // Git hosts issue tokens of ASCII letters, digits and a few signs; anything else was typed or pasted along.
  if (/[^\x21-\x7e]/.test(value)) return 'holds a character no access token has (a letter with an accent, a symbol, or one that is not text at all)'
  if (value.length > MAX_TOKEN_LENGTH) return `is ${value.length} characters long, more than any access token (a whole file?)`
  return undefined
}

/**
 * A secret variable the spec names that is set to something no host would accept: a token with its
 * file's newline would be refused by the host after the cluster was made (or, in a credential
 * helper's reply, read as a second line). Bad input, refused before anything is changed; unset
 * variables are the preflight's (a missing prerequisite). The values are never printed.
 */
export function checkSecretVariables(spec: ClusterSpec, env: NodeJS.ProcessEnv, options: { readsPasswords: boolean }): void {
  const bad = secretVariables(spec, options.readsPasswords).flatMap((variable) => {
    const problem = env[variable.name] ? valueProblem(env[variable.name]!, variable.token) : undefined
    return problem ? [{ ...variable, line: `environment variable ${variable.name} (${variable.source}) ${problem}` }] : []
  })
  if (bad.length === 0) return
  const fixes = bad.map(({ name, token }) =>
    token
      ? `set ${name} to the token alone, e.g. export ${name}="$(tr -d '[:space:]' < token-file)"`
      : `set ${name} to the password without line breaks, control or invisible characters`,
  )
  throw new BadInputError(bad.length === 1 ? bad[0]!.line : `${bad.length} environment variables the spec names hold a value no secret has`, {
    details: [...(bad.length === 1 ? [] : bad.map((entry) => entry.line)), ...fixes, '(the values were not printed)'],
  })
}

/**
 * Mask, from the first line on, the value of every secret variable the spec names, in every
 * command: kind, helm and git inherit the environment, and a tool that quotes it back in an
 * error (destroy reads no token, so no step would have registered it) must not print the token.
 */
export function registerSecretVariables(spec: ClusterSpec, env: NodeJS.ProcessEnv, secrets: Redactor): void {
  for (const variable of secretVariables(spec, true)) {
    const value = env[variable.name]
    if (value) secrets.add(value)
  }
}
