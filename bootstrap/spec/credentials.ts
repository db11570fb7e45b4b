/**
 * Recognising credentials where the spec must hold none: inside a repository URL, or pasted where
 * the *name* of an environment variable belongs. Messages never repeat the value.
 */

/**
 * `https://user:token@host/...`, `https://token@host/...`, `https://host/x?access_token=...` or
 * `...#access_token=...`: credentials a URL must not carry, percent-encoded or not (`git%3Atoken@`,
 * `?%74oken=`). Everything before the first `/` after the scheme counts as the authority, so
 * `user:p#ss@host` is caught although a URL parser would stop at the `#`. `query` stands for a
 * credential parameter in the query or the fragment, or a fragment that is a token.
 */
export function urlCredentials(url: string): 'password' | 'user' | 'query' | undefined {
  const match = /^([a-z][a-z0-9+.-]*):\/\/?([^/\s]*)@/i.exec(url)
  if (match) {
    const [, scheme, userinfo] = match
    if (/[:?#]/.test(percentDecoded(userinfo!))) return 'password'
    // Git hosts take a token as the user name over HTTPS; over SSH the user is just `git`.
    if (/^https?$/i.test(scheme!)) return 'user'
  }
  // `me%3Apass%40host`: no `@` as written, but whatever decodes the authority reads user:pass@host,
  // and a tool that does not names the whole of it, password included, as a host it cannot reach.
  const encoded = /^[a-z][a-z0-9+.-]*:\/\/?([^/\s?#]*)%40/i.exec(url)?.[1]
  if (encoded !== undefined) return /[:?#]/.test(percentDecoded(encoded)) ? 'password' : 'user'
  const decoded = percentDecoded(url)
  if (SECRET_PARAMETER.test(decoded)) return 'query'
  const fragment = /#([^#\s]+)$/.exec(decoded)?.[1]
  if (fragment !== undefined && looksLikeToken(fragment)) return 'query'
  // A token as a query or fragment value, named or bare (`?ghp_…`, `#0123…`, `?state=0123…`).
  const parameters = /[?#](\S*)$/.exec(url)?.[1]
  return parameters !== undefined && parameters.split(/[?#&;]/).some((part) => looksLikeToken(percentDecoded(part.slice(part.indexOf('=') + 1))))
    ? 'query'
    : undefined
}

/**
 * `%3A` read as `:`: how a server reads a URL, for the checks above. A malformed escape stays as
 * written. What is shown or masked is always the text as given.
 */
function percentDecoded(text: string): string {
  return text.replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
}

/** Query or fragment parameters that carry credentials (`?access_token=`, `&sig=`, `#password=`, ...). */
const SECRET_PARAMETER_NAMES = String.raw`(?:access[_-]?token|private[_-]?token|auth[_-]?token|id[_-]?token|token|password|passwd|pwd|secret|client[_-]?secret|api[_-]?key|apikey|key|sig|signature|auth|credentials?)`
const SECRET_PARAMETER = new RegExp(String.raw`[?&#;]${SECRET_PARAMETER_NAMES}=[^&\s#]`, 'i')
const SECRET_PARAMETER_NAME = new RegExp(`^${SECRET_PARAMETER_NAMES}$`, 'i')
/** Any `name=value` after `?`, `&`, `;` or `#`; masked when the name, percent-decoded, is one of the above. */
const PARAMETER_VALUES = /([?&#;])([^=?&#;\s"'<>]+)=([^&\s#"'<>]+)/g

/** What the spec says about a URL with credentials in it, wherever it appears; never the value. */
export const URL_CREDENTIALS_MESSAGE =
  'must not hold credentials (user:password@, token@, or a token in the query or the #fragment, percent-encoded or not): remove them, put the token in an environment variable and name it where the spec takes one (for the repository: auth type https, tokenEnv: NAME), or use auth type ssh with a deploy key (the value was not printed; if it was ever committed or shared, revoke it)'

/**
 * A variable the spec names, as a message about it being unset shows it. A name in capitals
 * (`GITHUB_TOKEN`) is printed as written; any other may be a short password typed where its name
 * belongs (too short to look like a token), so the field that holds it is named instead.
 */
export function variableInMessage(name: string, field: string): string {
  return /^[A-Z_][A-Z0-9_]*$/.test(name) ? name : `named by ${field} (its name is not printed: one with lowercase letters may be a password typed by mistake)`
}

/**
 * How the tokens of common hosts begin: GitHub, GitLab, Slack, Stripe, OpenAI and Anthropic, AWS,
 * Google, Hugging Face, npm, DigitalOcean, Docker Hub, PyPI, Shopify, Grafana, Vault, and JWTs.
 * Case matters: `GITHUB_PAT_LAB` and `HF_TOKEN` are variable names, `github_pat_…` and `hf_…`
 * tokens. Where a variable name could begin the same way (`hf_`, `npm_`, `sk-`), the token's body
 * must follow: one run of letters and digits, too long (and too mixed) for a word.
 */
const TOKEN_STARTS = [
  String.raw`gh[pousr]_`,
  'github_pat_',
  String.raw`gl(?:pat|dt|ptt|rt|oas|cbt|imt|soat|ffct|agent|ft)-`,
  String.raw`xox[abeprs]-`,
  'xapp-',
  String.raw`[sr]k_(?:live|test)_`,
  String.raw`sk-(?=[\w-]*[A-Z])(?=[\w-]*[a-z])(?=[\w-]*\d)[\w-]{20}`,
  String.raw`(?:AKIA|ASIA)[0-9A-Z]{12}`,
  String.raw`AIza[\w-]{20}`,
  String.raw`ya29\.`,
  String.raw`eyJ[\w-]{10}`,
  String.raw`hf_[A-Za-z0-9]{16}`,
  String.raw`npm_[A-Za-z0-9]{16}`,
  'dop_v1_',
  'dckr_pat_',
  'pypi-',
  String.raw`shp(?:at|ss|ca|pa)_`,
  String.raw`gl(?:c|sa)_[A-Za-z0-9]{16}`,
  String.raw`hv[sb]\.`,
  'AGE-SECRET-KEY-1',
]
const TOKEN_PREFIX = new RegExp(`^(?:${TOKEN_STARTS.join('|')})`)

/**
 * A token in one of the formats the common hosts issue, anywhere in a text: the prefix and a body
 * of the length that host issues. The newer shapes must not continue a word (`task-…` is no `sk-`).
 */
const KNOWN_TOKEN = new RegExp(
  [
    String.raw`gh[pousr]_[A-Za-z0-9]{20,}`,
    String.raw`github_pat_\w{20,}`,
    String.raw`gl(?:pat|dt|ptt)-[\w-]{16,}`,
    String.raw`xox[abprs]-[\w-]{10,}`,
    String.raw`sk_live_\w{16,}`,
    String.raw`AKIA[0-9A-Z]{16}`,
    String.raw`(?<![A-Za-z0-9])(?:${[
      String.raw`gl(?:rt|oas|cbt|imt|soat|ffct|agent|ft)-[\w-]{16,}`,
      String.raw`xoxe-[\w-]{10,}`,
      String.raw`xapp-[\w-]{10,}`,
      String.raw`(?:sk_test|rk_live|rk_test)_\w{16,}`,
      String.raw`sk-(?=[\w-]*[A-Z])(?=[\w-]*[a-z])(?=[\w-]*\d)[\w-]{32,}`,
      String.raw`ASIA[0-9A-Z]{16}`,
      String.raw`AIza[\w-]{35}`,
      String.raw`ya29\.[\w-]{20,}`,
      String.raw`eyJ[\w-]{10,}\.eyJ[\w-]{10,}\.[\w-]*`,
      String.raw`hf_[A-Za-z0-9]{30,}`,
      String.raw`npm_[A-Za-z0-9]{30,}`,
      String.raw`dop_v1_[a-f0-9]{64}`,
      String.raw`dckr_pat_[\w-]{20,}`,
      String.raw`pypi-[\w-]{50,}`,
      String.raw`shp(?:at|ss|ca|pa)_[a-fA-F0-9]{32}`,
      String.raw`glc_[A-Za-z0-9+/=]{30,}`,
      String.raw`glsa_\w{30,}`,
      String.raw`hv[sb]\.[\w-]{20,}`,
    ].join('|')})`,
  ].join('|'),
)

export function containsKnownToken(text: string): boolean {
  return KNOWN_TOKEN.test(text)
}

/**
 * Secrets recognisable by their shape alone, wherever they turn up: host tokens, an age secret
 * key, a private key block or an OpenSSH key's first line. Nothing kindling prints legitimately
 * looks like these, so every output line is masked with them even when nobody registered them
 * (a token passed as a --timeout, a key pasted where a path belongs). A random string without a
 * known prefix is not masked here: base64 certificates and SSH fingerprints look the same.
 */
const SECRET_SHAPES = new RegExp(
  [
    KNOWN_TOKEN.source,
    String.raw`AGE-SECRET-KEY-1[0-9A-Z]{20,}`,
    String.raw`-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)`,
    String.raw`b3BlbnNzaC1rZXktdjE[A-Za-z0-9+/=]*`,
  ].join('|'),
  'g',
)

export function maskSecretShapes(text: string, mask = '***'): string {
  return text.replace(SECRET_SHAPES, mask)
}

/** Letters of both cases in about equal measure, as random text has: a camelCase name has far fewer capitals. */
function mixedCase(run: string): boolean {
  const upper = run.replace(/[^A-Z]/g, '').length
  const lower = run.replace(/[^a-z]/g, '').length
  return upper > 0 && lower > 0 && upper / (upper + lower) >= 0.25 && lower / (upper + lower) >= 0.25
}

/**
 * A content digest (`sha256:` and 64 hex digits, as an image reference pins): a hash anyone may
 * see, not a secret, though its hex digits look like a token's.
 */
const DIGEST = /\bsha(?:1:[0-9a-f]{40}|256:[0-9a-f]{64}|384:[0-9a-f]{96}|512:[0-9a-f]{128})(?![0-9a-z])/gi
const DIGEST_LENGTHS: Readonly<Record<string, number>> = { '1': 40, '256': 64, '384': 96, '512': 128 }

/** True when `word`, found at `offset` of `text`, is the hex body of a digest: `sha256:` just before it. */
function isDigestBody(text: string, offset: number, word: string): boolean {
  const algorithm = /sha(1|256|384|512):$/i.exec(text.slice(Math.max(0, offset - 7), offset))?.[1]
  return algorithm !== undefined && word.length === DIGEST_LENGTHS[algorithm] && /^[0-9a-f]+$/i.test(word)
}

/** One run between separators that is long and random-looking: letters and digits mixed, or both cases mixed. */
function randomRun(run: string): boolean {
  return run.length >= 20 && ((/\d/.test(run) && /[a-z]/i.test(run)) || mixedCase(run))
}

/**
 * A value that looks like a token rather than a name. Names are words joined by `_`, `-`, `.`,
 * `:` or `/` (GITHUB_TOKEN, homelab-production-2024, staging-eu-west-1-lab, an ARN, an image
 * path); a token has a known prefix, or one of those runs is itself long and random-looking: 20 or
 * more characters of letters and digits mixed (a hex token), or of letters of both cases mixed
 * like random text. A digest (`sha256:` and its hex) is a hash, not a token.
 */
export function looksLikeToken(value: string): boolean {
  if (TOKEN_PREFIX.test(value) || KNOWN_TOKEN.test(value)) return true
  return value
    .replace(DIGEST, ' ')
    .split(/[-_.:/@\s]/)
    .some(randomRun)
}

/** The most characters of a value an error quotes: enough to recognise what was typed. */
const QUOTED_MAX = 60

/**
 * A value as an error may quote it: in quotes, with URL credentials and token-like words masked and
 * a long value cut short, or not at all when it looks like a token pasted in the wrong place. A URL
 * is shown with its credentials masked, so the person sees which one was meant.
 */
export function quoted(value: string): string {
  const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(value)
  if (!url && (looksLikeToken(value) || maskSecretShapes(value) !== value)) return 'the value given (not printed: it looks like a token)'
  const shown = masked(value)
  return shown.length > QUOTED_MAX
    ? `${escapeUnseen(JSON.stringify(`${shown.slice(0, QUOTED_MAX).join('')}…`))} (${shown.length} characters)`
    : escapeUnseen(JSON.stringify(shown.join('')))
}

/**
 * Characters that show as nothing: zero-width ones, the marks that reorder text (U+202E shows the
 * rest of the line backwards), the byte order mark, the soft hyphen, the combining grapheme joiner,
 * the Hangul and Mongolian fillers and selectors, variation selectors, the interlinear annotation
 * marks and the tag characters (U+E0000 to U+E007F, which can spell out a whole hidden text). The
 * spec refuses them; quoted values escape them.
 */
const INVISIBLE_CHARACTERS =
  '\\u00ad\\u034f\\u061c\\u115f\\u1160\\u17b4\\u17b5\\u180b-\\u180f\\u200b-\\u200f\\u202a-\\u202e\\u2060-\\u206f\\u3164\\ufe00-\\ufe0f\\ufeff\\uffa0\\ufff9-\\ufffb\\u{e0000}-\\u{e007f}\\u{e0100}-\\u{e01ef}'
/** One of INVISIBLE_CHARACTERS. */
// eslint-disable-next-line no-misleading-character-class -- each joiner and selector is matched alone, as the point
export const INVISIBLE = new RegExp(`[${INVISIBLE_CHARACTERS}]`, 'u')

/**
 * Characters JSON leaves as they are that a terminal would not show as themselves: C1 controls
 * (U+009B starts an escape sequence in some terminals), the soft hyphen, the line and paragraph
 * separators and the invisible ones. Written as `\uXXXX`, so the user sees them.
 */
// eslint-disable-next-line no-misleading-character-class -- each joiner and selector is matched alone, as the point
const UNSEEN = new RegExp(`[\\u007f-\\u009f\\u2028\\u2029${INVISIBLE_CHARACTERS}]`, 'gu')

/** Each UTF-16 unit as `\uXXXX`, as JSON writes it: a tag character is two. */
function escapeUnseen(text: string): string {
  return text.replace(UNSEEN, (character) =>
    [...Array(character.length).keys()].map((i) => `\\u${character.charCodeAt(i).toString(16).padStart(4, '0')}`).join(''),
  )
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

/** Every match of `words` in `text` that looks like a token replaced with `***`; a digest's hex stays. */
function maskWords(text: string, words: RegExp): string {
  return text.replace(words, (word, offset: number) => (looksLikeToken(word) && !isDigestBody(text, offset, word) ? '***' : word))
}

/** A printf verb, or a `{{ }}`, `${ }` or `$( )` expression: filled in later, not a value. */
const TEMPLATE_PLACEHOLDER = /^(%[a-z]|\{\{.*\}\}|\$\{[^}]*\}|\$\([^)]*\))$/

/**
 * Mask the credentials of every URL in a text. Over HTTP(S) all of the userinfo goes (the user name
 * may be a token): `https://***@host`; elsewhere only a password, percent-encoded or not:
 * `ssh://git:***@host`, `ssh://git@host` kept. Credential parameters of the query or the fragment
 * keep their name: `?access_token=***`, `#access_token=***`, `?%74oken=***`; so does any query or
 * fragment value that looks like a token, and a bare one goes whole: `?state=***`, `#***`.
 * `https:/` (a URL that went through path handling) counts too, and so does an `@` percent-encoded in the
 * authority (`https://me%3Apass%40host` goes as `https://***%40host`).
 */
export function redactUrlCredentials(text: string): string {
  return text
    .replace(/\b([a-z][a-z0-9+.-]*):(\/\/?)[^\s/@?#]*%40/gi, (_, scheme: string, slashes: string) => `${scheme}:${slashes}***%40`)
    .replace(/\b([a-z][a-z0-9+.-]*):(\/\/?)([^\s/@]*)@/gi, (whole, scheme: string, slashes: string, userinfo: string) => {
      // A template's placeholders (`postgresql://%s:%s@` in a Composition) hold no credential.
      if (userinfo.split(':').every((part) => TEMPLATE_PLACEHOLDER.test(part))) return whole
      if (/^https?$/i.test(scheme)) return `${scheme}:${slashes}***@`
      return /[:?#]/.test(percentDecoded(userinfo)) ? `${scheme}:${slashes}${userinfo.split(/[:?#]|%3a|%3f|%23/i)[0]}:***@` : whole
    })
    .replace(PARAMETER_VALUES, (whole, separator: string, name: string) =>
      SECRET_PARAMETER_NAME.test(percentDecoded(name)) ? `${separator}${name}=***` : whole,
    )
    .replace(URL_TEXT, (url: string) => {
      const start = url.search(/[?#]/)
      if (start < 0) return url
      // Every query or fragment value that looks like a token, whatever its name, and a bare one (`#0123…`).
      const tail = url.slice(start).replace(/([?#&;])([^?#&;]*)/g, (whole, separator: string, part: string) => {
        const equals = part.indexOf('=')
        const value = part.slice(equals + 1)
        if (value === '' || value === '***' || !looksLikeToken(percentDecoded(value))) return whole
        return equals < 0 ? `${separator}***` : `${separator}${part.slice(0, equals)}=***`
      })
      return url.slice(0, start) + tail
    })
}

/** A URL in running text, with a scheme or as `user@host:path`; a full stop or comma after it is not part of it. */
const URL_TEXT = /\b(?:[a-z][a-z0-9+.-]*:\/\/?|[\w.-]+@[\w.-]+:)[^\s"'<>]*[^\s"'<>.,;:)]/gi

/** Replace every word of a text that looks like a token with `***`: for messages that quote what a user typed. */
export function maskTokens(text: string): string {
  return maskWords(text, /[\w-]{8,}/g)
}
