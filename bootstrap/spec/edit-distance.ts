// How near two short names are: a mistyped field or flag is named with the one it was meant to be.

/** Levenshtein distance, for short names only. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    previous = current
  }
  return previous[b.length]!
}

/** The name of `names` one or two letters from `name` (case aside), or undefined when none is that near. */
export function nearestName(name: string, names: readonly string[]): string | undefined {
  const lower = name.toLowerCase()
  return names.find((other) => other !== name && editDistance(other.toLowerCase(), lower) <= 2)
}
