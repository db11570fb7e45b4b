import { describe, expect, it } from 'vitest'
import { parseDocument } from 'yaml'
import { duplicateKeys } from '../../../bootstrap/spec/duplicate-keys.js'
import { problemsOf } from '../support/spec-problems.js'
import { specText } from '../support/context.js'

// A spec is a few KiB, but the file limit lets through a few MB of pasted text: a mapping of
// 100,000 keys, one key repeated 50,000 times, a list of 200,000 items on one line. Each must be
// refused as bad input in a moment, not after minutes of work that grows with the square of its size.

const valid = specText()
const lines = (count: number, line: (index: number) => string): string => Array.from({ length: count }, (_, index) => line(index)).join('\n')

describe('large pasted input', () => {
  // The deadlines are far above what these take (about a second each), and far below the minutes they took.
  it('a mapping of 50,000 keys is one problem', () => {
    expect(problemsOf(`${valid}\n${lines(50_000, (index) => `k${index}: ${index}`)}\n`)).toEqual([
      expect.stringMatching(/:1 \(document\): has 50004 keys; no mapping takes more than 100$/),
    ])
  }, 60_000)

  it('one key repeated 50,000 times lists the first repeats, by line', () => {
    const problems = problemsOf(`${valid}\n${lines(50_000, (index) => `k: ${index}`)}\n`)
    expect(problems).toHaveLength(20)
    expect(problems[0]).toMatch(/cluster\.yaml:\d+ k: appears twice in the same mapping: keep one$/)
  }, 60_000)

  it('a list of 200,000 items on one line is one problem', () => {
    const text = valid.replace('  provider:\n', `  provider:\n    portMappings: [${Array.from({ length: 200_000 }, () => '1').join(',')}]\n`)
    expect(problemsOf(text)).toEqual([expect.stringMatching(/spec\.provider\.portMappings: has 200000 entries; no list takes more than 100$/)])
  }, 60_000)

  it('a long line of values with a non-breaking space after each colon is named at that line', () => {
    const text = `${valid}\nx: [${Array.from({ length: 50_000 }, () => 'a:\u00a0b').join(', ')}]\n`
    expect(problemsOf(text)[0]).toMatch(/:13 x\[0\]: has a non-breaking space \(U\+00A0\) after the colon of a key/)
  }, 60_000)
})

describe('duplicate keys', () => {
  it('are named by their path, however the key was spelt', () => {
    const paths = (text: string) => duplicateKeys(parseDocument(text, { uniqueKeys: false })).map(({ path }) => path)
    expect(paths('spec:\n  gitops:\n    engine: flux\n    "\\x65ngine": argocd\n')).toEqual([['spec', 'gitops', 'engine']])
    expect(paths('spec:\n  ports:\n    - { a: 1, a: 2 }\n')).toEqual([['spec', 'ports', 0, 'a']])
  })

  it('are found where the parser’s own check finds them', () => {
    const texts = [
      'a: 1\na: 2',
      'a: {x: 1, x: 2}',
      '- {a: 1, a: 1}\n- [a: 1, a: 2]',
      'b: &x {k: 1}\nc:\n  <<: *x\n  <<: *x',
      '? a\n? a',
      '"a": 1\na: 2',
      '1: a\n"1": b',
      'null: 1\n~: 2',
      '&a k: 1\n*a : 2',
      'x:\n  y:\n    z: 1\n    z: 2\n  y: 3',
    ]
    for (const text of texts) {
      const parser = parseDocument(text, { uniqueKeys: true, merge: true })
      const expected = parser.errors.filter((error) => error.code === 'DUPLICATE_KEY').map((error) => error.pos[0])
      expect(
        duplicateKeys(parseDocument(text, { uniqueKeys: false, merge: true })).map(({ offset }) => offset),
        text,
      ).toEqual(expected)
    }
  })
})
