// A spec's text read as YAML: parsed, checked on its nodes, and built into the value the schema
// reads. Each stage that cannot go on stops with every problem it found, at its line.

import { LineCounter, parseDocument, type Document } from 'yaml'
import { EXAMPLE_HINTS } from './example.js'
import { kindlingCommand } from '../project.js'
import { lookalikeProblem, yamlMessage } from './messages.js'
import { specError, type SpecProblem } from './problems.js'
import { duplicateKeys } from './duplicate-keys.js'
import { codePoint } from './characters.js'
import { nodeProblems, type NodeProblem } from './yaml-nodes.js'
import { collectionKeyOffset, dotted, openingQuoteOffset } from './yaml-positions.js'

/** A spec's YAML, read. */
export interface SpecYaml {
  doc: Document
  /** The value the document stands for, aliases and merge keys expanded. */
  value: unknown
  lineOf: (offset: number | undefined) => number
  /** What the document's nodes hold that the value hides (a tag, a lookalike character), found but not yet thrown. */
  nodes: NodeProblem[]
  /** The same, as the user reads them. */
  nodeProblems: SpecProblem[]
}

/** What the parser says about a tag: said better, with its path, by nodeProblems. */
const TAG_CODES = new Set(['TAG_RESOLVE_FAILED', 'BAD_COLLECTION_TYPE'])

/** Parse `text`, shown as `file`; throws the spec's problems when it is no YAML the schema can read. */
export function readSpecYaml(text: string, file: string): SpecYaml {
  const fail = (line: number, message: string): never => {
    throw specError(file, [{ file, line, path: '', message }])
  }
  // YAML reads a carriage return alone as no line break at all: the whole file becomes a few
  // long lines and the parser's complaints about them name nothing the user wrote.
  const loneReturn = /\r(?!\n)/.exec(text)
  if (loneReturn) {
    const line = text.slice(0, loneReturn.index).split('\n').length
    fail(line, 'has lines that end in a carriage return alone (\\r, as classic Mac OS saved text): save the file with LF line endings')
  }
  // YAML allows no control character anywhere; in a value the spec loader names it with its path,
  // but in a comment nothing reads it, and a NUL there makes Git take the file for binary.
  const control = controlInComment(text)
  if (control !== undefined) {
    fail(text.slice(0, control).split('\n').length, `has the control character ${codePoint(text[control]!)} in a comment, which YAML allows nowhere: delete it`)
  }
  const lineCounter = new LineCounter()
  // logLevel error: what the parser would warn about on stderr (a tag it cannot resolve) is listed below instead.
  // merge: YAML 1.1's `<<: *defaults`, which Kubernetes users know from their manifests; it expands
  // under the same alias limit as any alias does.
  // uniqueKeys: the parser's own check compares each key with every one before it (minutes for a
  // pasted mapping of 100,000 keys); duplicateKeyOffsets finds the same keys in one pass.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false, logLevel: 'error', merge: true })
  const lineOf = (offset: number | undefined): number => (offset === undefined ? 1 : lineCounter.linePos(offset).line)

  // Tags and aliases that change what a value is, each at its path; the parser's own word on such
  // a tag (it may only warn, and drop the tag's meaning) is then said once, here.
  const nodes = nodeProblems(doc, text)
  const fromNodes = nodes.map((problem) => ({ file, line: lineOf(problem.offset), path: dotted(problem.path), message: problem.message }))
  const nodeLines = new Set(fromNodes.map((problem) => problem.line))
  // Warnings too: a tag the parser cannot resolve would otherwise change nothing the user sees.
  const duplicates = duplicateKeys(doc).map(({ offset, path }) => ({ code: 'DUPLICATE_KEY', message: 'Map keys must be unique', pos: [offset], path }))
  const parsed = [...doc.errors, ...doc.warnings, ...duplicates].filter((error) => !(TAG_CODES.has(error.code) && nodeLines.has(lineOf(error.pos[0]))))
  if (parsed.length > 0) {
    const errors = parsed.map((error) => ({
      file,
      line: lineOf(errorOffset(doc, error)),
      // A repeated key is named by its path: `spec.gitops.engine`, however it was spelt (`"\x65ngine"`).
      path: 'path' in error ? dotted(error.path) : '',
      message: 'path' in error ? 'appears twice in the same mapping: keep one' : yamlMessage(error.code, error.message),
    }))
    const foreign = foreignFormatLine(text)
    if (foreign !== undefined)
      fail(
        foreign,
        `reads as TOML or INI (\`[section]\`, \`key = value\`), not YAML: write \`key: value\` lines, nested by indentation; start from \`${kindlingCommand('wizard')}\`${EXAMPLE_HINTS.copy.text}`,
      )
    throw specError(file, withCauses([...errors, ...fromNodes], text, file))
  }
  const collectionKey = collectionKeyOffset(doc)
  if (collectionKey !== undefined) fail(lineOf(collectionKey), 'has a key that is a list or a mapping (`? [a, b]`): keys in a cluster spec are plain names')
  if (doc.contents === null) fail(1, `is empty: start from \`${kindlingCommand('wizard')}\`${EXAMPLE_HINTS.copy.text}`)
  if (nodes.some((problem) => problem.unreadable)) throw specError(file, fromNodes)

  let value: unknown
  try {
    value = doc.toJS()
  } catch (error) {
    // yaml refuses to expand aliases past a limit (an "alias bomb"); that is bad input, not a crash.
    const text = error instanceof Error ? error.message : String(error)
    const message =
      error instanceof RangeError
        ? 'nested too deeply to read; a cluster spec is a few levels deep'
        : /Unresolved alias/i.test(text)
          ? 'an alias (*name) comes before its anchor (&name), or has none: set the anchor first, or write the value out'
          : `${text.split('\n')[0]}; write the values out instead of repeating aliases`
    fail(1, `cannot be read: ${message}`)
  }
  return { doc, value, lineOf, nodes, nodeProblems: fromNodes }
}

/**
 * A tab, an odd space or a full-width colon throws the parser off for the rest of the file, often
 * from lines after the one it is on: name that cause, once a line, rather than the page of errors
 * that follows from it. Problems above the first such line do not follow from it and stay listed.
 */
function withCauses(problems: SpecProblem[], text: string, file: string): SpecProblem[] {
  const lines = text.split(/\r?\n/)
  const lastSuspect = problems.reduce((last, problem) => Math.max(last, problem.line), 0)
  const causes = lines.slice(0, lastSuspect).flatMap((line, index) => {
    const message = lookalikeProblem(line)
    return message ? [{ file, line: index + 1, path: '', message }] : []
  })
  if (causes.length === 0) return problems
  return [...problems.filter((problem) => problem.line < causes[0]!.line), ...causes]
}

/** Where the cause of a parser error is: for a quote never closed, where it opens, not the end of the file it ran to. */
function errorOffset(doc: Document, error: { code: string; message: string; pos: number[] }): number | undefined {
  const quote = error.code === 'MISSING_CHAR' ? /Missing closing (["'])quote/.exec(error.message)?.[1] : undefined
  return (quote && error.pos[0] !== undefined ? openingQuoteOffset(doc, error.pos[0], quote) : undefined) ?? error.pos[0]
}

/** C0 controls and DEL, but for the tab and line breaks any file holds (unlike CONTROL, which judges one-line values). */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL_IN_FILE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/

/**
 * The offset of the file's first control character when it is in a comment (after a `#` that starts
 * one). Only the first is looked at: one in a value is refused later anyway, and a file of a million
 * would cost a scan each.
 */
function controlInComment(text: string): number | undefined {
  const match = CONTROL_IN_FILE.exec(text)
  if (!match) return undefined
  const lineStart = text.lastIndexOf('\n', match.index) + 1
  return /(^|\s)#/.test(text.slice(lineStart, match.index)) ? match.index : undefined
}

/**
 * The first line of a file that failed to parse as YAML and reads as TOML or INI: a `[section]`
 * header or a `key = value` line, with no `key: value` line anywhere (a YAML value may hold " = ").
 */
function foreignFormatLine(text: string): number | undefined {
  const lines = text.split(/\r?\n/)
  if (lines.some((line) => /^\s*[\w.-]+:(\s|$)/.test(line))) return undefined
  const index = lines.findIndex((line) => /^\s*\[[\w.\s"-]+\]\s*$/.test(line) || /^\s*[\w.-]+\s*=\s*\S/.test(line))
  return index < 0 ? undefined : index + 1
}
