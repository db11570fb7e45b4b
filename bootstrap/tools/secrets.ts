import { maskSecretShapes } from '../spec/tokens.js'
import { redactUrlCredentials } from '../spec/url-credentials.js'

/**
 * A value that must never reach a log line, an error, a report or a process argument.
 * `String(secret)` and JSON serialisation print a mask, so a slip shows `***` rather than the value.
 */
export class Secret {
  readonly #value: string
  constructor(
    value: string,
    /** What the secret is, for messages: "GITHUB_TOKEN", "age key". */
    readonly label: string,
  ) {
    this.#value = value
  }
  reveal(): string {
    return this.#value
  }
  toString(): string {
    return `<secret ${this.label}>`
  }
  toJSON(): string {
    return this.toString()
  }
}

const MASK = '***'
// Short values would mask ordinary words; every secret we handle (tokens, keys) is far longer.
const MIN_REDACTED_LENGTH = 6

/** Remembers every secret value seen in a run and masks them in any text. */
export class Redactor {
  readonly #values = new Set<string>()

  add(secret: Secret | string): void {
    const value = typeof secret === 'string' ? secret : secret.reveal()
    if (value.length < MIN_REDACTED_LENGTH) return
    this.#values.add(value)
    // Multi-line keys also appear line by line (stderr tails, PEM bodies).
    for (const line of value.split('\n')) {
      if (line.trim().length >= MIN_REDACTED_LENGTH * 3) this.#values.add(line.trim())
    }
    for (const encoded of encodings(value)) this.#values.add(encoded)
  }

  redact(text: string): string {
    // Credentials typed into a URL, and tokens and keys known by their shape, are masked even if nobody registered them.
    let out = maskSecretShapes(redactUrlCredentials(text), MASK)
    // Longest first, so a whole key is masked before any of its lines.
    for (const value of [...this.#values].sort((a, b) => b.length - a.length)) {
      out = out.split(value).join(MASK)
    }
    return out
  }
}

/**
 * The forms a secret takes on its way out: percent-encoded in a URL's query or path, and as a URL's
 * password encodes it (a password with `@` or `/`), base64 as a Kubernetes Secret's `data` holds it,
 * base64url as tokens carry it.
 */
function encodings(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8')
  const url = new URL('http://host')
  url.password = value
  const forms = [encodeURIComponent(value), url.password, bytes.toString('base64'), bytes.toString('base64').replace(/=+$/, ''), bytes.toString('base64url')]
  return forms.filter((form) => form !== value && form.length >= MIN_REDACTED_LENGTH)
}
