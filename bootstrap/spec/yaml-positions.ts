// Where things are in a parsed spec, for the `file:line` of a problem: a node, a key, the parent
// of a missing field, a key that is a collection; and a path of keys written as the user reads it.

import { isCollection, isMap, isPair, isScalar, visit, type Document } from 'yaml'

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
    const node = doc.getIn(keys.slice(0, depth), true)
    if (node && typeof node === 'object' && 'range' in node && Array.isArray(node.range)) return node.range[0] as number
  }
  return undefined
}

/** Offset of the key of the deepest existing ancestor: a missing field is reported at `parent:`. */
export function parentKeyOffset(doc: Document, keys: readonly (string | number)[]): number | undefined {
  for (let depth = keys.length - 1; depth >= 1; depth -= 1) {
    const parent = keys.slice(0, depth)
    if (doc.getIn(parent, true) === undefined) continue
    const last = parent[parent.length - 1]
    const offset = typeof last === 'string' ? keyOffset(doc, parent.slice(0, -1), last) : undefined
    return offset ?? nodeOffset(doc, parent)
  }
  return undefined
}

export function keyOffset(doc: Document, parent: readonly (string | number)[], key: string): number | undefined {
  const node = parent.length === 0 ? doc.contents : doc.getIn(parent, true)
  if (!isMap(node)) return undefined
  const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && item.key.value === key)
  return pair && isScalar(pair.key) ? pair.key.range?.[0] : undefined
}

/** `spec.provider.nodes`, `spec.ports[0]`; a key that is not a plain name is quoted (and cut short): `spec["my key"]`. */
export function dotted(keys: readonly (string | number)[]): string {
  return keys
    .map((key, index) => {
      if (typeof key === 'number') return `[${key}]`
      if (/^[A-Za-z_$][\w$-]*$/.test(key)) return index === 0 ? key : `.${key}`
      return `[${JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}…` : key)}]`
    })
    .join('')
}
