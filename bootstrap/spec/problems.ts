// A spec's problems as the user reads them: one per schema issue, at the line it points to, and
// the error that lists them all (masked, sorted, cut short).

import type { Document } from 'yaml'
import type { z } from 'zod'
import { BadInputError } from '../engine/errors.js'
import { maskTokens } from './tokens.js'
import { otherEngineField } from './engine-versions.js'
import { friendlyMessage, requiredMessage } from './messages.js'
import { dotted, keyOffset, nodeOffset, parentKeyOffset } from './yaml-positions.js'

/** One problem in a spec file, printed as `file:line path: message`. */
export interface SpecProblem {
  file: string
  line: number
  path: string
  message: string
}

/** `file:line path: message`; a quoted value that looks like a token is masked, never echoed. */
function formatProblem(problem: SpecProblem): string {
  return maskTokens(`${problem.file}:${problem.line} ${problem.path || '(document)'}: ${problem.message}`)
}

/** No more problems than this are listed: a pasted 100,000-line list is one mistake, not a page of them. */
const LISTED_PROBLEMS = 20

export function specError(file: string, problems: SpecProblem[]): BadInputError {
  const sorted = [...problems].sort((a, b) => a.line - b.line)
  const count = `${sorted.length} problem${sorted.length === 1 ? '' : 's'}${sorted.length > LISTED_PROBLEMS ? `, the first ${LISTED_PROBLEMS} listed` : ''}`
  return new BadInputError(`${file} is not a valid cluster spec (${count})`, {
    details: sorted.slice(0, LISTED_PROBLEMS).map(formatProblem),
  })
}

type Issue = z.core.$ZodIssue

/** What an earlier check found a problem with: the value at `path`, or the key `key` of the mapping there. */
export interface Flagged {
  path: readonly (string | number)[]
  key?: string
}

/**
 * Whether `keys` is at or inside something flagged: a second problem there would repeat the
 * first, or quote the value the first kept back.
 */
export function isFlagged(keys: readonly (string | number)[], flagged: readonly Flagged[]): boolean {
  return flagged.some((flag) => {
    const at = flag.key === undefined ? flag.path : [...flag.path, flag.key]
    return at.length <= keys.length && at.every((key, index) => String(key) === String(keys[index]))
  })
}

/** The schema's issues with nothing flagged; an unknown-key issue keeps the keys not flagged. */
export function unflaggedIssues(issues: readonly Issue[], flagged: readonly Flagged[]): Issue[] {
  return issues.flatMap((issue): Issue[] => {
    const at = issue.path.filter((key): key is string | number => typeof key !== 'symbol')
    if (isFlagged(at, flagged)) return []
    if (issue.code !== 'unrecognized_keys') return [issue]
    const keys = issue.keys.filter((key) => !isFlagged([...at, key], flagged))
    return keys.length > 0 ? [{ ...issue, keys }] : []
  })
}

/**
 * The problems one schema issue stands for, each at the line of the field it names; `read` is the
 * value the schema read (aliases and merge keys expanded), `doc` and `text` where it was written.
 */
export function toProblems(
  issue: Issue,
  read: unknown,
  doc: Document,
  text: string,
  file: string,
  lineOf: (offset: number | undefined) => number,
): SpecProblem[] {
  const issuePath = issue.path.filter((key): key is string | number => typeof key !== 'symbol')
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({
      file,
      line: lineOf(keyOffset(doc, issuePath, key) ?? nodeOffset(doc, issuePath)),
      path: dotted([...issuePath, key]),
      message:
        otherEngineField(String(valueAt(read, [...issuePath, 'engine']) ?? ''), key) ??
        'is not a known field (check the spelling; see bootstrap/spec/cluster.schema.json)',
    }))
  }
  const given = valueAt(read, issuePath)
  const missing = issue.code === 'invalid_type' && given === undefined
  return [
    {
      file,
      line: lineOf(missing ? parentKeyOffset(doc, issuePath) : nodeOffset(doc, issuePath)),
      path: dotted(issuePath),
      message: missing ? requiredMessage(doc, issuePath) : friendlyMessage(issue.message, given, issuePath, doc, text),
    },
  ]
}

/** The value at `keys` of a value read from YAML; undefined where there is none. */
function valueAt(value: unknown, keys: readonly (string | number)[]): unknown {
  let here = value
  for (const key of keys) {
    if (here === null || typeof here !== 'object' || !Object.hasOwn(here, key)) return undefined
    here = (here as Record<string | number, unknown>)[key]
  }
  return here
}
