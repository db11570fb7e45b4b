import { isMap, isPair, isScalar, type Document } from 'yaml'
import { EXAMPLE_HINTS } from './example.js'
import type { z } from 'zod'
import { KIND_NODE_IMAGES } from './defaults.js'
import { nearestName } from './edit-distance.js'
import { codePoint } from './characters.js'
import { nodeAt, resolved } from './yaml-positions.js'

// What the YAML parser and the schema say about a spec, rephrased the way kindling speaks:
// "must be …", with the fix for the common slips. load.ts reads and validates; this words it.

/** The YAML parser's message, first line only, with the fix for the common cases. */
export function yamlMessage(code: string, message: string): string {
  if (code === 'MULTIPLE_DOCS') return 'holds more than one YAML document (a `---` or `...` line): one cluster per file, in clusters/<name>/cluster.yaml'
  if (code === 'TAB_AS_INDENT' || /tab characters? (must not be used|as indentation)/i.test(message))
    return 'is indented with a tab: YAML indents with spaces only'
  if (code === 'TAG_RESOLVE_FAILED') {
    const tag = /Unresolved tag: (\S{1,40})/.exec(message)?.[1]?.replace(/^tag:yaml\.org,2002:/, '!!')
    // `!!int abc`: a tag kindling reads, on a value it does not fit.
    if (tag && /^!!(str|int|float|bool|null|map|seq)$/.test(tag)) return `has the tag ${tag}, which does not fit the value after it: remove the tag`
    return `has the tag ${tag ?? 'here'}, which kindling does not read: remove it (a cluster spec is plain YAML)`
  }
  if (/All mapping items must start at the same column/.test(message))
    return `is not lined up with the keys above it: keys of one mapping start at the same column${EXAMPLE_HINTS.indent.text}`
  const quote = code === 'MISSING_CHAR' ? /Missing closing (["'])quote/.exec(message)?.[1] : undefined
  if (quote) return `opens a quoted value with ${quote} that is never closed: end the value with ${quote}, or remove the ${quote} before it`
  if (code === 'BAD_DQ_ESCAPE') {
    const escape = /Invalid escape sequence (\\[\w{}]{1,10})/.exec(message)?.[1]
    return `has an escape YAML does not know in a "double-quoted" value${escape ? ` (${escape})` : ''}: write the character itself, or use 'single quotes', where a backslash is just a backslash`
  }
  if (code === 'BAD_DIRECTIVE') return 'has a directive (a line starting with %) kindling does not read: remove it'
  if (/Maximum call stack/i.test(message)) return `is nested too deeply to read; a cluster spec is a few levels deep${EXAMPLE_HINTS.see.text}`
  // A complaint kindling has no words of its own for: where to look for how it should read.
  return `${message.split('\n')[0] || 'invalid YAML'}${EXAMPLE_HINTS.samePart.text}`
}

/**
 * A character on a line that YAML reads as something else: a tab or a non-breaking space where it
 * indents, a full-width colon after a key or a full-width space after its colon (typed with an
 * East Asian keyboard layout). The parser then stumbles over the rest of the file, or reads the
 * line as text; this names the cause, with the fix.
 */
export function lookalikeProblem(line: string): string | undefined {
  const indent = /^[ \t\u00a0\u3000]*/.exec(line)![0]
  if (indent.includes('\t')) return 'is indented with a tab: YAML indents with spaces only'
  const odd = /[\u00a0\u3000]/.exec(indent)?.[0]
  if (odd) return `is indented with ${oddSpace(odd)}, pasted from a web page or document?: retype the indent with plain spaces`
  if (/^[^#"']*\uff1a/.test(line)) return 'has a full-width colon "：" (U+FF1A) after a key: type the plain colon ":"'
  const afterColon = /^[^#"']*?:([\u00a0\u3000])/.exec(line)?.[1]
  if (afterColon) return `has ${oddSpace(afterColon)} after the colon of a key, so YAML reads no key there: type a plain space`
  // Unicode's own line breaks, which YAML reads as text: the next line's key joins this line.
  const separator = /[\u0085\u2028\u2029]/.exec(line)?.[0]
  if (separator)
    return `holds ${codePoint(separator)}, a line break YAML does not read as one (pasted from a document?): end the line with a plain line break (retype it with Enter)`
  return undefined
}

function oddSpace(character: string): string {
  return character === '\u3000' ? 'an ideographic space (U+3000)' : 'a non-breaking space (U+00A0)'
}

const YAML_11_BOOLEANS = /^(y|yes|n|no|on|off|true|false)$/i

/**
 * Fields that stand beside a secret, where a number may be the secret (a PIN, a password, a short
 * token) typed in place of what belongs there: what the field takes, and the fix; quotes are not it.
 */
const BESIDE_A_SECRET: readonly { field: RegExp; what: string; fix: string }[] = [
  {
    // tokenEnv, adminPasswordEnv: the name of a variable that holds the secret.
    field: /Env$/,
    what: 'the name of the environment variable that holds the secret',
    fix: 'if it is the secret itself, keep it in a variable (export NAME=...) and write that NAME here',
  },
  {
    // repository.auth.username: the token goes in the variable tokenEnv names, never here.
    field: /^username$/,
    what: 'the user name the token is sent with, such as git or x-access-token',
    fix: 'if it is a PIN or password, take it out of the spec (the token goes in the variable named by tokenEnv); a user name that really is a number goes in quotes',
  },
]

/** zod's wording, rephrased the way the rest of kindling speaks: "must be …", with the fix for common slips. */
export function friendlyMessage(message: string, given: unknown, at: readonly (string | number)[], doc: Document, text: string): string {
  const type = /^Invalid input: expected (\w+), received (-?\w+)$/.exec(message)
  if (type) {
    const [, expected, received] = type
    if (expected === 'boolean' && (given === 'true' || given === 'false')) return `must be true or false without quotes ("${given}" in quotes is text)`
    if (expected === 'boolean' && typeof given === 'string' && YAML_11_BOOLEANS.test(given))
      return `must be true or false, not "${given}" (YAML 1.2 reads ${given} as text)`
    const field = String(at[at.length - 1] ?? '')
    // A field beside a secret: a number there may be the secret itself, typed in its place. Never repeated.
    const beside = BESIDE_A_SECRET.find((entry) => entry.field.test(field))
    if (beside && expected === 'string') {
      return typeof given === 'number'
        ? `must be ${beside.what}, not a number (the value was not printed): ${beside.fix}; if it was ever committed or shared, change it`
        : `must be ${beside.what}, not ${article(received!)}`
    }
    // `1.34` where `v1.34.0` belongs (Kubernetes versions carry the v), `2.9` where `2.9.0` does.
    // Built from what was written: YAML has already read `1.30` as the number 1.3.
    const node = resolved(doc, nodeAt(doc, at))
    // Only a number is ever shown as written; a mapping may hold a key named toString, which String() would call.
    const written = isScalar(node) && node.range ? text.slice(node.range[0], node.range[1]).trim() : typeof given === 'number' ? String(given) : ''
    if (expected === 'string' && typeof given === 'number') {
      if (field === 'kubernetesVersion') return `must be text, not the number ${written}: ${kubernetesVersionFix(written)}`
      const parts = written.split('.')
      const inFull = [...parts, '0', '0'].slice(0, Math.max(3, parts.length)).join('.')
      return `must be text, not the number ${written}: ${/version$/i.test(field) ? `a version is written in full (${inFull})` : 'put it in quotes'}`
    }
    if (expected === 'int' && typeof given === 'number') return `must be a whole number, not ${given}`
    if ((expected === 'number' || expected === 'int') && typeof given === 'string' && /^-?\d+(\.\d+)?$/.test(given.trim()))
      return `must be a number without quotes ("${given.trim()}" in quotes is text)`
    if (typeof given === 'number' && !Number.isFinite(given)) return `must be ${article(expected!)}, not ${written}`
    return `must be ${article(expected!)}, not ${article(received!)}`
  }
  const literal = /^Invalid input: expected ("[^"]*")$/.exec(message)
  if (literal) return `must be ${literal[1]}`
  const choices = /^Invalid (?:discriminator value\. Expected|option: expected one of) (.+)$/.exec(message)
  if (choices) {
    const list = choices[1]!
      .replaceAll(/['"]/g, '')
      .split('|')
      .map((choice) => choice.trim())
      .join(', ')
    if (given !== undefined) return `must be one of: ${list}`
    // The field that chooses the shape is missing: perhaps it is there, misspelt.
    const near = misspelt(doc, at)
    return `is required (one of: ${list})${near ? `; is "${near}" a misspelling of "${String(at[at.length - 1])}"?` : ''}`
  }
  if (/^Invalid IPv4 address$/.test(message)) return 'must be an IPv4 address, e.g. 127.0.0.1 (or 0.0.0.0 for every interface)'
  const bound = /^Too (small|big): expected \w+ to (?:be|have) ([<>]=?)(.+)$/.exec(message)
  if (bound && /^>=?1 characters?$/.test(`${bound[2]}${bound[3]!.trim()}`)) return 'must not be empty'
  if (bound) return `must be ${bound[2]!.startsWith('>') ? 'at least' : 'at most'} ${bound[3]!.trim()}`
  return message
}

/**
 * Required fields the example spec does not show (it adopts no existing cluster, reads no private
 * repository and adds no provider): pointing there for them would send the reader to look for
 * what is not in it, so each says what to write instead. Keyed by path, `*` for a list index.
 */
const NOT_IN_THE_EXAMPLE: Readonly<Record<string, string>> = {
  'spec.provider.context':
    'is required with type existing: the one kubeconfig context kindling may use (`kubectl config get-contexts` lists them), as in context: my-cluster-admin',
  'spec.repository.auth.tokenEnv':
    'is required with auth type https: the name of the environment variable that holds the token, as in tokenEnv: GITHUB_TOKEN (export GITHUB_TOKEN=... before bootstrap)',
  'spec.components.crossplane.providers.*.name':
    'is required: each extra provider has a name and a fully qualified package, as in - { name: provider-example, package: xpkg.crossplane.io/org/provider-example:v1.0.0 }',
  'spec.components.crossplane.providers.*.package':
    'is required: each extra provider has a name and a fully qualified package, as in - { name: provider-example, package: xpkg.crossplane.io/org/provider-example:v1.0.0 }',
}

/** A required field that is not there: the key beside it that may be it misspelt, or where to see one written out. */
export function requiredMessage(doc: Document, at: readonly (string | number)[]): string {
  const near = misspelt(doc, at)
  if (near) return `is required; is "${near}" a misspelling of "${String(at[at.length - 1])}"?`
  const field = at.map((key) => (typeof key === 'number' ? '*' : key)).join('.')
  if (Object.hasOwn(NOT_IN_THE_EXAMPLE, field)) return NOT_IN_THE_EXAMPLE[field]!
  return `is required: add it${EXAMPLE_HINTS.everySection.text}`
}

/**
 * `1.36` where a Kubernetes version belongs: the release of that minor kindling pins (`v1.36.0`
 * would be refused for want of a node image), or, for a minor its kind release does not ship,
 * the ones it does.
 */
function kubernetesVersionFix(written: string): string {
  const minor = written.split('.').slice(0, 2).join('.')
  const pinned = Object.keys(KIND_NODE_IMAGES)
  const release = pinned.find((version) => version.startsWith(`v${minor}.`))
  if (release) return `write the version in full, with its v, as kindling pins ${minor}: ${release}`
  return `kindling's kind release ships node images for ${pinned.join(', ')} only: write one of them, or set nodeImage to a node image built for ${minor}`
}

/** A key beside a missing field that differs from its name by one or two letters, case aside (`engin` or `Engine` for `engine`). */
function misspelt(doc: Document, at: readonly (string | number)[]): string | undefined {
  const name = String(at[at.length - 1] ?? '')
  const parent = resolved(doc, nodeAt(doc, at.slice(0, -1)))
  if (!name || !isMap(parent)) return undefined
  const keys = parent.items.flatMap((item) => (isPair(item) && isScalar(item.key) ? [String(item.key.value)] : []))
  return nearestName(name, keys)
}

function article(type: string): string {
  if (type === 'object') return 'a mapping of fields'
  if (type === 'int') return 'a whole number'
  if (type === 'null') return 'empty'
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`
}

/**
 * A huge number (1e26 where a port belongs) breaks the field's own range and JavaScript's safe
 * integer bound; only the field's rule names something the user chose.
 */
export function withoutSafeIntegerBound(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  const safeBound = (issue: z.core.$ZodIssue): boolean => issue.code === 'too_big' && Number(issue.maximum) === Number.MAX_SAFE_INTEGER
  const key = (issue: z.core.$ZodIssue): string => issue.path.map(String).join('.')
  return issues.filter((issue) => !safeBound(issue) || !issues.some((other) => other !== issue && !safeBound(other) && key(other) === key(issue)))
}
