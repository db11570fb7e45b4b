import { isMap, isPair, isScalar, isSeq, type Document, type Node } from 'yaml'

/**
 * Where each key that repeats one before it in the same mapping starts, as the parser's own
 * `uniqueKeys` check finds them (scalar keys equal in value). That check compares every key with
 * every key before it, so a pasted mapping of 100,000 keys took minutes; this remembers the keys
 * seen, and walks without recursion, so no nesting overflows it.
 */
export function duplicateKeyOffsets(doc: Document): number[] {
  const offsets: number[] = []
  const pending: unknown[] = [doc.contents]
  while (pending.length > 0) {
    const node = pending.pop()
    if (isSeq(node)) for (const item of node.items) pending.push(item)
    else if (isPair(node)) pending.push(node.key, node.value)
    else if (isMap(node)) {
      const seen = new Set<unknown>()
      for (const pair of node.items) {
        pending.push(pair.key, pair.value)
        if (!isScalar(pair.key)) continue
        if (seen.has(pair.key.value)) offsets.push(rangeStart(pair.key))
        seen.add(pair.key.value)
      }
    }
  }
  return offsets.sort((a, b) => a - b)
}

function rangeStart(node: Node): number {
  return node.range?.[0] ?? 0
}
