import { describe, expect, it } from 'vitest'
import { BadInputError, ExitCode, exitCodeOf } from '../../../bootstrap/engine/errors.js'
import { checkSecretVariables } from '../../../bootstrap/steps/secret-values.js'
import { formatError } from '../../../bootstrap/ui/format.js'
import { specText, testSpec } from '../support/context.js'

const TOKEN = 'ghp_S3ntinelT0kenS3ntinelT0ken0000'
const spec = testSpec(
  specText({
    repository: 'url: https://example.com/lab.git\nauth:\n  type: https\n  tokenEnv: LAB_TOKEN',
    extra: 'components:\n  monitoring:\n    grafana:\n      adminPasswordEnv: GRAFANA_PASSWORD',
  }),
)

function refusal(env: NodeJS.ProcessEnv, checked = spec, readsPasswords = true): string {
  try {
    checkSecretVariables(checked, env, { readsPasswords })
  } catch (error) {
    expect(error).toBeInstanceOf(BadInputError)
    expect(exitCodeOf(error)).toBe(ExitCode.badInput)
    return formatError(error, (line) => line).join('\n')
  }
  return ''
}

describe('secret variables the spec names', () => {
  it('refuses a token that kept its file newline or a Windows carriage return, without printing it', () => {
    for (const value of [`${TOKEN}\n`, `${TOKEN}\r`, `${TOKEN}\nsecond`]) {
      const shown = refusal({ LAB_TOKEN: value })
      expect(shown).toContain('environment variable LAB_TOKEN (named by repository.auth.tokenEnv) holds a line break')
      expect(shown).toContain('export LAB_TOKEN=')
      expect(shown).not.toContain(TOKEN)
    }
  })

  it('refuses spaces in a token and control characters in either, and lists every variable with its fix', () => {
    const shown = refusal({ LAB_TOKEN: ` ${TOKEN}`, GRAFANA_PASSWORD: 'pass\u0007word' })
    expect(shown).toContain('LAB_TOKEN (named by repository.auth.tokenEnv) starts or ends with a space')
    expect(shown).toContain('GRAFANA_PASSWORD (named by components.monitoring.grafana.adminPasswordEnv) holds a control character')
    expect(shown).toContain('export LAB_TOKEN="$(tr -d \'[:space:]\' < token-file)"')
    expect(shown).toContain('set GRAFANA_PASSWORD to the password without line breaks, control or invisible characters')
    expect(shown).not.toContain(TOKEN)
  })

  it('refuses what no one types in a token (C1 controls, invisible characters, quotes, a whole file) before anything is made', () => {
    const cases: [string, string][] = [
      [`${TOKEN}\u0085`, 'holds a control character'],
      [`${TOKEN}\u200b`, 'holds an invisible character'],
      [`${TOKEN}\u202e`, 'holds an invisible character'],
      [`"${TOKEN}"`, 'holds a quote character'],
      [TOKEN.repeat(200), 'is 6800 characters long, more than any access token'],
      [`${TOKEN}\u00ad`, 'holds an invisible character'],
      [`${TOKEN}\u{E0041}`, 'holds an invisible character'],
      [`${TOKEN}\ufe0f`, 'holds an invisible character'],
      [`${TOKEN}é`, 'holds a character no access token has'],
      [`${TOKEN}\ufffd`, 'holds a character no access token has'],
      [`https://me:${TOKEN}@github.com`, 'is a URL, not a token'],
    ]
    for (const [value, problem] of cases) {
      const shown = refusal({ LAB_TOKEN: value })
      expect(shown, problem).toContain(`environment variable LAB_TOKEN (named by repository.auth.tokenEnv) ${problem}`)
      expect(shown).toContain('export LAB_TOKEN=')
      expect(shown).not.toContain(TOKEN)
    }
    // A password may hold quotes and any printable character, but nothing invisible.
    expect(refusal({ LAB_TOKEN: TOKEN, GRAFANA_PASSWORD: `"quoted" pass phrase` })).toBe('')
    expect(refusal({ LAB_TOKEN: TOKEN, GRAFANA_PASSWORD: 'pässwörd' })).toBe('')
    expect(refusal({ LAB_TOKEN: TOKEN, GRAFANA_PASSWORD: 'pass\u00adword' })).toContain('holds an invisible character')
    expect(refusal({ LAB_TOKEN: TOKEN, GRAFANA_PASSWORD: 'pass\u200bword' })).toContain(
      'GRAFANA_PASSWORD (named by components.monitoring.grafana.adminPasswordEnv) holds an invisible character',
    )
  })

  it('takes a password with spaces, and leaves alone a password nothing reads (status, Grafana or monitoring off)', () => {
    expect(refusal({ LAB_TOKEN: TOKEN, GRAFANA_PASSWORD: ' a pass phrase ' })).toBe('')
    expect(refusal({ LAB_TOKEN: TOKEN, GRAFANA_PASSWORD: 'line\nbreak' }, spec, false)).toBe('')
    for (const off of ['enabled: false\n    grafana:', 'grafana:\n      enabled: false']) {
      const quiet = testSpec(specText({ extra: `components:\n  monitoring:\n    ${off}\n      adminPasswordEnv: GRAFANA_PASSWORD` }))
      expect(refusal({ GRAFANA_PASSWORD: 'line\nbreak' }, quiet), off).toBe('')
    }
  })

  it('leaves set, clean values and unset ones (the preflight names those) alone', () => {
    expect(refusal({ LAB_TOKEN: TOKEN, GRAFANA_PASSWORD: 'correct horse battery staple' })).toBe('')
    expect(refusal({})).toBe('')
  })
})
