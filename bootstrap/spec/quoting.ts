import { INVISIBLE_CHARACTERS, unshowable } from './characters.js'
import { looksLikeToken, maskSecretShapes, maskWords } from './tokens.js'
import { redactUrlCredentials, startsWithUrlScheme } from './url-credentials.js'

// What a user typed, as a message repeats it: masked, cut short and with unseen characters shown, or not at all.

/**
 * A variable the spec names, as a message about it being unset shows it. A name in capitals
 * (`GITHUB_TOKEN`) is printed as written; any other may be a short password typed where its name
 * belongs (too short to look like a token), so the field that holds it is named instead.
 */
export function variableInMessage(name: string, field: string): string {
  return /^[A-Z_][A-Z0-9_]*$/.test(name) ? name : `named by ${field} (its name is not printed: one with lowercase letters may be a password typed by mistake)`
}

/** `text` cut to its first `max` characters, with `…` when there were more. */
export function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text
}

/** The most characters of a value an error quotes: enough to recognise what was typed. */
const QUOTED_MAX = 60

/**
 * A value as an error may quote it: in quotes, with URL credentials and token-like words masked and
 * a long value cut short, or not at all when it looks like a token pasted in the wrong place. A URL
 * is shown with its credentials masked, so the person sees which one was meant.
 */
export function quoted(value: string): string {
  const url = startsWithUrlScheme(value)
  if (!url && (looksLikeToken(value) || maskSecretShapes(value) !== value)) return 'the value given (not printed: it looks like a token)'
  const shown = masked(value)
  return shown.length > QUOTED_MAX
    ? `${escapeUnseen(JSON.stringify(`${shown.slice(0, QUOTED_MAX).join('')}…`))} (${shown.length} characters)`
    : escapeUnseen(JSON.stringify(shown.join('')))
}

/**
 * Characters JSON leaves as they are that a terminal would not show as themselves: C1 controls
 * (U+009B starts an escape sequence in some terminals), the soft hyphen, the line and paragraph
 * separators and the invisible ones. Written as `\uXXXX`, so the user sees them.
 */
const UNSEEN = new RegExp(`[\\u007f-\\u009f\\u2028\\u2029${INVISIBLE_CHARACTERS}]`, 'gu')

/** Each UTF-16 unit as `\uXXXX`, as JSON writes it: a tag character is two. */
function escapeUnseen(text: string): string {
  return text.replace(UNSEEN, (character) =>
    [...Array(character.length).keys()].map((i) => `\\u${character.charCodeAt(i).toString(16).padStart(4, '0')}`).join(''),
  )
}

/** A text kindling did not write itself (a file name, a lock file's field) as a line shows it: as it is, or quoted and escaped when it holds what nobody sees. */
export function asShown(text: string): string {
  return unshowable(text) ? quoted(text) : text
}

/** A typed path or name inside a message, unquoted: URL credentials and token-like words masked, a long one cut short. */
export function typed(value: string): string {
  const shown = masked(value)
  return shown.length > QUOTED_MAX ? `${shown.slice(0, QUOTED_MAX).join('')}… (${shown.length} characters)` : shown.join('')
}

/**
 * The characters of a value with URL credentials, known token shapes and token-like words masked.
 * Words stop at `-`, `.` and `/`: `kindling-lab-2b8Xq1` in a path is three words, none a token.
 */
function masked(value: string): string[] {
  return [...maskWords(maskSecretShapes(redactUrlCredentials(value)), /\w{16,}/g)]
}
