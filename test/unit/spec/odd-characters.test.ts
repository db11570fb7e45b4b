import { describe, expect, it } from 'vitest'
import { specText } from '../support/context.js'
import { problemsOf } from '../support/spec-problems.js'

// Characters that show as nothing, and variable names that name no secret: each is one problem at
// its path, with the fix, and the value is not repeated.

describe('a spec value with a character that shows as nothing', () => {
  const invisible: [string, string][] = [
    ['\u00ad', 'U+00AD'],
    ['\u034f', 'U+034F'],
    ['\u180e', 'U+180E'],
    ['\u3164', 'U+3164'],
    ['\ufe0f', 'U+FE0F'],
    ['\u206a', 'U+206A'],
    ['\ufff9', 'U+FFF9'],
    ['\u{E0041}', 'U+E0041'],
  ]
  it.each(invisible)('is refused at its path, naming the character %#', (character, name) => {
    const problems = problemsOf(specText({ repository: `url: https://example.com/lab.git\nbranch: "ma${character}in"` }))
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatch(new RegExp(`spec\\.repository\\.branch: the value holds the invisible character ${name.replace('+', '\\+')}\\b.*retype it`))
  })

  it('as a YAML escape too (a tag character spelled \\U000E0041)', () => {
    const problems = problemsOf(specText({ provider: 'type: existing\nkubeconfig: ~/.kube/config\ncontext: "prod\\U000E0041"' }))
    expect(problems.join('\n')).toMatch(/spec\.provider\.context: the value holds the invisible character U\+E0041/)
  })
})

describe('an environment variable the spec names for a secret', () => {
  it.each(['PATH', 'HOME', 'KUBECONFIG', '_', 'PWD', 'XDG_CONFIG_HOME', 'LC_ALL'])('may not be %s, which the shell or the system sets', (name) => {
    const problems = problemsOf(specText({ repository: `url: https://example.com/lab.git\nauth: { type: https, tokenEnv: ${name} }` }))
    expect(problems.join('\n')).toMatch(/tokenEnv: names a variable the shell or the system sets for itself .*export the secret in a variable of its own/)
    const grafana = problemsOf(specText({ extra: `components:\n  monitoring:\n    grafana:\n      adminPasswordEnv: ${name}` }))
    expect(grafana.join('\n')).toMatch(/adminPasswordEnv: names a variable the shell or the system sets for itself/)
  })
})

describe('a file the spec names, written as a URL', () => {
  it.each(['file:///home/me/.kube/config', 'https://example.com/kubeconfig'])('is named as a URL, not read as a folder in the repository: %s', (url) => {
    const problems = problemsOf(specText({ provider: `type: existing\nkubeconfig: ${url}\ncontext: prod` }))
    expect(problems.join('\n')).toMatch(/spec\.provider\.kubeconfig: is a URL: the spec names a file on this machine by its path/)
  })
})

describe('a spec value that is no character at all', () => {
  it.each([
    ['\uffff', 'U+FFFF'],
    ['\\ufffe', 'U+FFFE'],
    ['\\U0010FFFF', 'U+10FFFF'],
    ['\ufdd0', 'U+FDD0'],
  ])('a noncharacter %# is refused at its path', (character, name) => {
    const problems = problemsOf(specText({ provider: `type: existing\nkubeconfig: "~/.kube/con${character}fig"\ncontext: prod` }))
    expect(problems).toEqual([
      expect.stringContaining(`spec.provider.kubeconfig: the value holds ${name}, which Unicode keeps as no character at all: retype it`),
    ])
  })

  it('an escape YAML does not know says how to write the value instead', () => {
    for (const escape of ['\\q', '\\U00110000'])
      expect(problemsOf(specText({ repository: `url: https://example.com/lab.git\nbranch: "ma${escape}in"` })).join('\n')).toContain(
        `has an escape YAML does not know in a "double-quoted" value (${escape}): write the character itself, or use 'single quotes'`,
      )
  })
})

describe('a line break YAML does not read as one', () => {
  it.each([
    ['\u2028', 'U+2028'],
    ['\u0085', 'U+0085'],
  ])('%# is named at its line with the fix, not as the parser error it sets off', (separator, name) => {
    const text = specText().replace('kind: Cluster\n', `kind: Cluster${separator}`)
    expect(problemsOf(text)).toEqual([
      expect.stringMatching(
        new RegExp(`:2 \\(document\\): holds ${name.replace('+', '\\+')}, a line break YAML does not read as one .*: end the line with a plain line break`),
      ),
    ])
  })
})
