import { BadInputError } from '../engine/errors.js'
import type { ClusterSpec } from './load.js'

/**
 * The environment variables a spec names for a secret, with the field that names each: a token
 * for the repository, the Grafana admin password.
 */
function secretVariables(spec: ClusterSpec): { name: string; field: string }[] {
  const auth = spec.repository.auth
  const grafana = spec.components.monitoring.grafana.adminPasswordEnv
  return [
    ...(auth.type === 'https' ? [{ name: auth.tokenEnv, field: 'repository.auth.tokenEnv' }] : []),
    ...(grafana ? [{ name: grafana, field: 'components.monitoring.grafana.adminPasswordEnv' }] : []),
  ]
}

/** What makes a variable's value no token or password: said without the value. */
function valueProblem(value: string): string | undefined {
  if (/[\r\n]/.test(value)) return 'holds a line break (a file read with its last newline, or saved on Windows?)'
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(value)) return 'holds a control character'
  if (value.trim() !== value) return 'starts or ends with a space'
  return undefined
}

/**
 * A secret variable the spec names that is set to something no host would accept: a token with its
 * file's newline would be refused by the host after the cluster was made (or, in a credential
 * helper's reply, read as a second line). Bad input, refused before anything is changed; unset
 * variables are the preflight's (a missing prerequisite). The values are never printed.
 */
export function checkSecretVariables(spec: ClusterSpec, env: NodeJS.ProcessEnv): void {
  const bad = secretVariables(spec).flatMap(({ name, field }) => {
    const problem = env[name] ? valueProblem(env[name]) : undefined
    return problem ? [{ name, line: `environment variable ${name} (named by ${field}) ${problem}` }] : []
  })
  if (bad.length === 0) return
  const fix = `set it to the secret alone, e.g. export ${bad[0]!.name}="$(tr -d '\\r\\n' < token-file)" (the value was not printed)`
  throw new BadInputError(bad.length === 1 ? bad[0]!.line : `${bad.length} environment variables the spec names hold a value no secret has`, {
    details: [...(bad.length === 1 ? [] : bad.map((entry) => entry.line)), fix],
  })
}
