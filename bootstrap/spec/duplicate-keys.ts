import { isMap, isScalar, isSeq, type Document } from 'yaml'

/** A key that repeats one before it in the same mapping: where it starts, and its path (the mapping's, then the key). */
export interface DuplicateKey {
  offset: number
  path: (string | number)[]
}

/**
 * Each key that repeats one before it in the same mapping, as the parser's own `uniqueKeys` check
 * finds them (scalar keys equal in value: `"\x65ngine"` repeats `engine`). That check compares
 * every key with every key before it, so a pasted mapping of 100,000 keys took minutes; this
 * remembers the keys seen. Without recursion, so no nesting overflows it.
 */
export function duplicateKeys(doc: Document): DuplicateKey[] {
  const found: DuplicateKey[] = []
  const pending: { node: unknown; path: (string | number)[] }[] = [{ node: doc.contents, path: [] }]
  while (pending.length > 0) {
    const { node, path } = pending.pop()!
    if (isSeq(node)) node.items.forEach((item, index) => pending.push({ node: item, path: [...path, index] }))
    if (!isMap(node)) continue
    const seen = new Set<unknown>()
    for (const { key, value } of node.items) {
      const name = isScalar(key) ? String(key.value) : '?'
      if (isScalar(key) && seen.has(key.value)) found.push({ offset: key.range?.[0] ?? 0, path: [...path, name] })
      if (isScalar(key)) seen.add(key.value)
      pending.push({ node: value, path: [...path, name] })
    }
  }
  return found.sort((a, b) => a.offset - b.offset)
}
