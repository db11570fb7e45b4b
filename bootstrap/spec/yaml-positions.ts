// Where things are in a parsed spec, for the `file:line` of a problem: a node, a key, the parent
// of a missing field, a key that is a collection, each found through aliases and merge keys as
// the value was built; and a path of keys written as the user reads it.

import {
  isAlias,
  isCollection,
  isMap,
  isNode,
  isPair,
  isScalar,
  isSeq,
  Scalar,
  visit,
  type Alias,
  type Document,
  type Node,
  type Pair,
  type YAMLMap,
} from 'yaml'
import { clip } from './quoting.js'

/** Where the first key that is a collection starts: JavaScript would turn it into the text "[ a, b ]". */
export function collectionKeyOffset(doc: Document): number | undefined {
  let offset: number | undefined
  visit(doc, {
    Pair(_, pair) {
      if (isCollection(pair.key)) {
        offset = pair.key.range?.[0]
        return visit.BREAK
      }
      return undefined
    },
  })
  return offset
}

/** Offset of the deepest node along `keys` that exists, so a missing field points at its parent. */
export function nodeOffset(doc: Document, keys: readonly (string | number)[]): number | undefined {
  for (let depth = keys.length; depth >= 0; depth -= 1) {
    const offset = nodeAt(doc, keys.slice(0, depth))?.range?.[0]
    if (offset !== undefined) return offset
  }
  return undefined
}

/** Offset of the key of the deepest existing ancestor: a missing field is reported at `parent:`. */
export function parentKeyOffset(doc: Document, keys: readonly (string | number)[]): number | undefined {
  for (let depth = keys.length - 1; depth >= 1; depth -= 1) {
    const parent = keys.slice(0, depth)
    if (nodeAt(doc, parent) === undefined) continue
    const last = parent[parent.length - 1]
    const offset = typeof last === 'string' ? keyOffset(doc, parent.slice(0, -1), last) : undefined
    return offset ?? nodeOffset(doc, parent)
  }
  return undefined
}

export function keyOffset(doc: Document, parent: readonly (string | number)[], key: string): number | undefined {
  const node = resolved(doc, nodeAt(doc, parent))
  const pair = isMap(node) ? pairOf(doc, node, key) : undefined
  return isScalar(pair?.key) ? pair.key.range?.[0] : undefined
}

/**
 * The node the value at `keys` was read from, through aliases (`*name`) to the node their anchor
 * marks and through merge keys (`<<`) to the mapping merged in: where that value is written.
 */
export function nodeAt(doc: Document, keys: readonly (string | number)[]): Node | undefined {
  let node: Node | undefined = doc.contents ?? undefined
  for (const key of keys) {
    const here = resolved(doc, node)
    if (isSeq(here) && typeof key === 'number') node = asNode(here.items[key])
    else if (isMap(here)) node = asNode(pairOf(doc, here, String(key))?.value)
    else return undefined
  }
  return node
}

/** A merge key (`<<`), as the parser reads it with merge keys on. */
export function isMergeKey(key: unknown): boolean {
  return isScalar(key) && typeof key.value === 'symbol' && key.value.description === '<<'
}

/** The pair of `map` that gives `key` its value: its own, else the first mapping merged in that has it. */
function pairOf(doc: Document, map: YAMLMap, key: string, seen = new Set<Node>()): Pair | undefined {
  if (seen.has(map)) return undefined
  seen.add(map)
  const own = map.items.find((pair) => isScalar(pair.key) && !isMergeKey(pair.key) && String(pair.key.value) === key)
  if (own) return own
  for (const pair of map.items.filter((item) => isMergeKey(item.key))) {
    const source = resolved(doc, asNode(pair.value))
    for (const item of isSeq(source) ? source.items : [source]) {
      const merged = resolved(doc, asNode(item))
      const found = isMap(merged) ? pairOf(doc, merged, key, seen) : undefined
      if (found) return found
    }
  }
  return undefined
}

/** The node an alias stands for (the last one its anchor marks before it), or the node itself. */
export function resolved(doc: Document, node: Node | undefined): Node | undefined {
  return isAlias(node) ? aliasTargets(doc).get(node) : node
}

const targetsOfDocument = new WeakMap<Document, Map<Alias, Node | undefined>>()

/** What each alias of the document stands for, found in one pass in the order they are written. */
function aliasTargets(doc: Document): Map<Alias, Node | undefined> {
  let targets = targetsOfDocument.get(doc)
  if (!targets) {
    const anchors = new Map<string, Node>()
    const found = new Map<Alias, Node | undefined>()
    visit(doc, {
      Node(_, node) {
        if (isAlias(node)) found.set(node, anchors.get(node.source))
        else if (node.anchor) anchors.set(node.anchor, node)
      },
    })
    targets = found
    targetsOfDocument.set(doc, targets)
  }
  return targets
}

/** Every node of the document, keys included, in no set order; without recursion, so no nesting overflows it. */
function* allNodes(doc: Document): Generator<Node> {
  const pending: unknown[] = [doc.contents]
  while (pending.length > 0) {
    const item = pending.pop()
    if (isPair(item)) pending.push(item.key, item.value)
    else if (isNode(item)) {
      yield item
      if (isCollection(item)) for (const child of item.items) pending.push(child)
    }
  }
}

/**
 * Where a quoted value the parser found no closing quote for opens: the last one of that quote
 * that starts before the parser gave up (it runs to there, so none starts inside it).
 */
export function openingQuoteOffset(doc: Document, errorOffset: number, quote: string): number | undefined {
  const type = quote === '"' ? Scalar.QUOTE_DOUBLE : Scalar.QUOTE_SINGLE
  let opening: number | undefined
  for (const node of allNodes(doc)) {
    const start = node.range?.[0]
    if (isScalar(node) && node.type === type && start !== undefined && start < errorOffset && (opening === undefined || start > opening)) opening = start
  }
  return opening
}

function asNode(value: unknown): Node | undefined {
  return isNode(value) ? value : undefined
}

/** `spec.provider.nodes`, `spec.ports[0]`; a key that is not a plain name is quoted (and cut short): `spec["my key"]`. */
export function dotted(keys: readonly (string | number)[]): string {
  return keys
    .map((key, index) => {
      if (typeof key === 'number') return `[${key}]`
      if (/^[A-Za-z_$][\w$-]*$/.test(key)) return index === 0 ? key : `.${key}`
      return `[${JSON.stringify(clip(key, 40))}]`
    })
    .join('')
}
