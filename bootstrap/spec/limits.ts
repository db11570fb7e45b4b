import { containsKnownToken, looksLikeToken, maskSecretShapes } from './tokens.js'
import { EXAMPLE_HINTS } from './example.js'
import { codePoint, CONTROL, INVISIBLE } from './characters.js'
import { URL_CREDENTIALS_MESSAGE, urlCredentials } from './url-credentials.js'

/**
 * Checks every value of a spec gets before its schema: bounds no real spec comes near, characters
 * no field may hold, and credentials inside any URL-like text (a kubeconfig path, a mirror, a
 * value nobody thought of yet) or a token in a known format anywhere. Messages name the problem,
 * never the value.
 */
const SPEC_LIMITS = {
  /** The longest text any field takes (a path, a URL, an image with its digest). */
  textLength: 1024,
  /** The most entries of any list (port mappings, mirrors, providers). */
  listLength: 100,
  /** The deepest nesting: a real spec is five levels deep. */
  depth: 12,
}

/** One problem at a path of the spec: with the value there, or with the key `key` of the mapping there. */
export interface ValueProblem {
  path: (string | number)[]
  key?: string
  message: string
}

/** Half of a UTF-16 pair without the other half: no character at all (`"\uD800"` in YAML). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** Code points Unicode sets aside as never a character: U+FDD0 to U+FDEF and the last two of each plane (U+FFFE, U+FFFF, U+1FFFE, ...). */
const NONCHARACTER = new RegExp(
  `[\\uFDD0-\\uFDEF${Array.from({ length: 17 }, (_, plane) => `\\u{${(plane * 0x10000 + 0xfffe).toString(16)}}\\u{${(plane * 0x10000 + 0xffff).toString(16)}}`).join('')}]`,
  'u',
)

function textProblem(text: string, what: 'is' | 'key'): string | undefined {
  const subject = what === 'key' ? 'this key' : 'the value'
  if (text.length > SPEC_LIMITS.textLength)
    return `${what === 'key' ? 'has a key that' : ''} is ${text.length} characters long; no field takes more than ${SPEC_LIMITS.textLength} (the value was not printed)`.trim()
  const control = CONTROL.exec(text)
  // A `|` or `>` block keeps one line break at its end; `>-` or a plain value does not.
  if (/^[^\r\n]*\r?\n$/.test(text)) return `${subject} ends with a line break (a \`|\` or \`>\` block keeps one): write it on one line, or use \`>-\``
  if (control?.[0] === '\n' || control?.[0] === '\r')
    return `${subject} holds a line break; every field is one line (a pasted key or file belongs in a file the spec names) (the value was not printed)`
  if (control) return `${subject} holds the control character ${codePoint(control[0])}: retype it (the value was not printed)`
  const noncharacter = NONCHARACTER.exec(text)
  if (noncharacter) return `${subject} holds ${codePoint(noncharacter[0])}, which Unicode keeps as no character at all: retype it (the value was not printed)`
  if (LONE_SURROGATE.test(text))
    return `${subject} holds half of a UTF-16 character pair (an escape like "\\uD800" on its own), which is no character: retype it (the value was not printed)`
  const invisible = INVISIBLE.exec(text)
  if (invisible)
    return `${subject} holds the invisible character ${codePoint(invisible[0])} (pasted from a web page or document?): retype it (the value was not printed)`
  if (what === 'is' && urlCredentials(text) !== undefined) return URL_CREDENTIALS_MESSAGE
  if (containsKnownToken(text))
    return `${subject} holds what looks like an access token (GitHub, GitLab, Hugging Face, npm, Slack, AWS, a JWT, ...): no field of the spec takes one; put it in an environment variable and name that where the spec asks (the value was not printed; if it was ever committed or shared, revoke it)`
  // An age secret key or a private key's first line where a path belongs (ageKeyFile, privateKeyFile).
  if (maskSecretShapes(text) !== text)
    return `${subject} holds what looks like a private key (an age secret key or an SSH key): no field of the spec takes one; keep the key in a file outside the repository and write that file's path here (the value was not printed; if it was ever committed or shared, make a new key)`
  // `password=Hunt3r: 1`, a pasted `key=value` or token: no field is named like that, and the
  // unknown-field message would print it.
  if (what === 'key' && (text.includes('=') || looksLikeToken(text)))
    return 'has a key that looks like a value, not a field name (it holds "=" or looks like a token), so it was not printed: remove it, or write the field as name: value (if it is a secret that was ever committed or shared, change it)'
  return undefined
}

/** Every problem of `value` against SPEC_LIMITS; walks without recursion, so no depth overflows it. */
export function valueProblems(value: unknown): ValueProblem[] {
  const problems: ValueProblem[] = []
  const pending: { value: unknown; path: (string | number)[] }[] = [{ value, path: [] }]
  while (pending.length > 0) {
    const { value: here, path } = pending.pop()!
    if (typeof here === 'string') {
      const message = textProblem(here, 'is')
      if (message) problems.push({ path, message })
      continue
    }
    if (here === null || typeof here !== 'object') continue
    if (path.length >= SPEC_LIMITS.depth) {
      problems.push({
        path,
        message: `is nested more than ${SPEC_LIMITS.depth} levels deep; a cluster spec is a few levels deep${EXAMPLE_HINTS.see.text}`,
      })
      continue
    }
    if (Array.isArray(here)) {
      if (here.length > SPEC_LIMITS.listLength) {
        problems.push({ path, message: `has ${here.length} entries; no list takes more than ${SPEC_LIMITS.listLength}` })
        continue
      }
      here.forEach((item, index) => pending.push({ value: item, path: [...path, index] }))
      continue
    }
    const entries = Object.entries(here)
    if (entries.length > SPEC_LIMITS.listLength) {
      problems.push({ path, message: `has ${entries.length} keys; no mapping takes more than ${SPEC_LIMITS.listLength}` })
      continue
    }
    for (const [key, item] of entries) {
      const message = textProblem(key, 'key')
      if (message) problems.push({ path, key, message })
      else pending.push({ value: item, path: [...path, key] })
    }
  }
  return problems
}

/**
 * `value` with every text, list and mapping cut just past its limit, and nesting past the deepest
 * left empty: what the schema reads, so no rule of it runs long on a 4 MB value. Whatever was cut
 * is one of valueProblems already.
 */
export function withinLimits(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.length > SPEC_LIMITS.textLength ? value.slice(0, SPEC_LIMITS.textLength + 1) : value
  if (value === null || typeof value !== 'object') return value
  if (depth >= SPEC_LIMITS.depth) return null
  const inner = (item: unknown): unknown => withinLimits(item, depth + 1)
  if (Array.isArray(value)) return value.slice(0, SPEC_LIMITS.listLength + 1).map(inner)
  // A Map, a Set or binary data (what a YAML tag makes) is left for the schema to refuse as it is.
  if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) return value
  return Object.fromEntries(
    Object.entries(value)
      .slice(0, SPEC_LIMITS.listLength + 1)
      .map(([key, item]) => [key, inner(item)]),
  )
}
