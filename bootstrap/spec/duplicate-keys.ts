import { isMap, isScalar, type Document } from 'yaml'
import { allNodes } from './yaml-positions.js'

/**
 * Where each key that repeats one before it in the same mapping starts, as the parser's own
 * `uniqueKeys` check finds them (scalar keys equal in value). That check compares every key with
 * every key before it, so a pasted mapping of 100,000 keys took minutes; this remembers the keys seen.
 */
export function duplicateKeyOffsets(doc: Document): number[] {
  const offsets: number[] = []
  for (const node of allNodes(doc)) {
    if (!isMap(node)) continue
    const seen = new Set<unknown>()
    for (const { key } of node.items) {
      if (!isScalar(key)) continue
      if (seen.has(key.value)) offsets.push(key.range?.[0] ?? 0)
      seen.add(key.value)
    }
  }
  return offsets.sort((a, b) => a - b)
}
