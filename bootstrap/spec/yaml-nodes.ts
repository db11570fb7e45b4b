// What the parsed document says that the value built from it hides: a tag that makes a mapping
// something else (`!!omap`, `!!set`, `!!binary`), an alias inside the value its own anchor marks,
// which never ends, a key typed with a full-width colon that became text. Found on the nodes, each
// at the path its value has in the spec.

import { isAlias, isMap, isNode, isScalar, isSeq, Scalar, type Document, type Node } from 'yaml'
import { lookalikeProblem } from './messages.js'
import { clip } from './quoting.js'
import type { Flagged } from './problems.js'
import { isMergeKey, resolved } from './yaml-positions.js'

/** A problem found on the document's nodes: at `path` (or with the key `key` there), from `offset` of the text. */
export interface NodeProblem extends Flagged {
  offset: number | undefined
  message: string
  /** The value cannot be built from the document at all. */
  unreadable?: boolean
}

/** The tags a plain spec may spell out: the core schema's, which leave a value what it is. */
const CORE_TAGS = new Set(['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((name) => `tag:yaml.org,2002:${name}`))

/** A node as the walk meets it: `key` is set when the node is that key of the mapping at `path`. */
interface Visit {
  node: Node
  path: (string | number)[]
  key?: string
  /** The collections the node is inside, innermost first. */
  inside: Ancestor | undefined
  /** Merged into the mapping at `path` (`<<: value`, or an item of `<<: [a, b]`): it must be a mapping. */
  merged?: 'value' | 'item'
}

interface Ancestor {
  node: Node
  up: Ancestor | undefined
}

/** Every node in the order it is written, not through aliases (their anchor is met at its own place). */
function* walk(doc: Document): Generator<Visit> {
  const pending: Visit[] = doc.contents ? [{ node: doc.contents, path: [], inside: undefined }] : []
  while (pending.length > 0) {
    const visit = pending.pop()!
    const { node, path } = visit
    yield visit
    // Children are pushed last first, so they come off the stack in the order they are written.
    const inside = { node, up: visit.inside }
    if (isSeq(node)) {
      for (let index = node.items.length - 1; index >= 0; index -= 1) {
        const item = node.items[index]
        // The mappings of `<<: [a, b]` land in the mapping the merge key is in, as `<<: a` does.
        const merged = visit.merged === 'value' ? { path, merged: 'item' as const } : { path: [...path, index] }
        if (isNode(item)) pending.push({ node: item, inside, ...merged })
      }
    } else if (isMap(node)) {
      for (const pair of [...node.items].reverse()) {
        if (isMergeKey(pair.key)) {
          if (isNode(pair.value)) pending.push({ node: pair.value, path, inside, merged: 'value' })
          continue
        }
        // A key that is a list or a mapping is refused before this runs.
        if (!isScalar(pair.key)) continue
        const key = pair.key.value === null ? '' : String(pair.key.value)
        if (isNode(pair.value)) pending.push({ node: pair.value, path: [...path, key], inside })
        pending.push({ node: pair.key, path, key, inside })
      }
    }
  }
}

/** `!!omap` for the core schema's long names, other tags as written, cut short. */
function shownTag(tag: string): string {
  const short = tag.replace(/^tag:yaml\.org,2002:/, '!!')
  return clip(short, 40)
}

/**
 * Tags other than the core ones, aliases inside their own anchor's value, and unquoted text with a
 * character that looks like YAML's own. A tag the parser knows (`!!omap`, `!!set`, `!!binary`,
 * `!!timestamp`) turns a mapping into a Map or text into bytes, which reads as an empty or missing
 * section; one it does not know is dropped with its meaning.
 */
export function nodeProblems(doc: Document, text: string): NodeProblem[] {
  const problems: NodeProblem[] = []
  // One anchor repeated in itself several times is one mistake.
  const looping = new Set<Node>()
  const suspects = suspectLines(text)
  for (const { node, path, key, inside, merged } of walk(doc)) {
    const target = resolved(doc, node)
    const offset = node.range?.[0]
    if (node.tag && !CORE_TAGS.has(node.tag)) {
      problems.push({
        path,
        key,
        offset,
        message: `${key === undefined ? 'has' : 'has a key with'} the tag ${shownTag(node.tag)}, which kindling does not read: remove it (a cluster spec is plain YAML)`,
      })
    }
    const lookalike = isScalar(node) && node.type === Scalar.PLAIN ? lookalikeIn(text, suspects, node.range) : undefined
    if (lookalike) problems.push({ path, key, ...lookalike })
    if (merged && !mergesMappings(doc, node, merged)) {
      problems.push({
        path,
        offset,
        unreadable: true,
        message:
          target === undefined
            ? 'merges an alias (*name) that comes before its anchor (&name), or has none: set the anchor first, or write the value out'
            : 'has a merge key (<<) with something other than a mapping to merge: << takes a mapping, an alias of one (*name), or a list of them',
      })
    }
    if (isAlias(node) && target && !looping.has(target) && encloses(inside, target)) {
      looping.add(target)
      problems.push({
        path,
        key,
        offset,
        unreadable: true,
        message: 'repeats an alias (*name) inside the value its own anchor (&name) marks, which never ends: write the value out',
      })
    }
  }
  return problems
}

/** Whether a merge key's value (or an item of its list) is what `<<` takes: a mapping, or for the value a list of them. */
function mergesMappings(doc: Document, node: Node, merged: 'value' | 'item'): boolean {
  const target = resolved(doc, node)
  if (isMap(target)) return true
  if (merged === 'item' || !isSeq(target)) return false
  // The items of a list written here are checked as the walk meets them; those of an alias' list here.
  return !isAlias(node) || target.items.every((item) => isMap(resolved(doc, isNode(item) ? item : undefined)))
}

function encloses(inside: Ancestor | undefined, node: Node): boolean {
  for (let at = inside; at; at = at.up) if (at.node === node) return true
  return false
}

/** A line of the text with a lookalike of YAML's own characters, from `start` to `end` (its line break). */
interface SuspectLine {
  start: number
  end: number
  message: string
}

/** Every line with a lookalike, in order; found once, so a line of many values is not read once per value. */
function suspectLines(text: string): SuspectLine[] {
  const lines: SuspectLine[] = []
  let start = 0
  for (const line of text.split('\n')) {
    const message = lookalikeProblem(line)
    if (message) lines.push({ start, end: start + line.length, message })
    start += line.length + 1
  }
  return lines
}

/**
 * The first line of unquoted text that holds a lookalike of YAML's own characters: `engine： flux`
 * under `gitops:`, typed with a full-width colon, is read as the text "engine： flux" that
 * continues `gitops:`, so the schema would only say gitops is no mapping.
 */
function lookalikeIn(text: string, suspects: readonly SuspectLine[], range: Node['range']): { offset: number; message: string } | undefined {
  if (!range || suspects.length === 0) return undefined
  // The first suspect line that ends at or after the value starts (ends grow with starts), if it starts before the value ends.
  let low = 0
  let high = suspects.length
  while (low < high) {
    const middle = (low + high) >> 1
    if (suspects[middle]!.end < range[0]) low = middle + 1
    else high = middle
  }
  const line = suspects[low]
  if (!line || line.start > range[1]) return undefined
  // A line the value ends on is read up to the value's end, as the parser read it.
  const message = line.end <= range[1] ? line.message : lookalikeProblem(text.slice(line.start, range[1]))
  return message ? { offset: line.start, message } : undefined
}
