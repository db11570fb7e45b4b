// Tokens recognised by their shape: a known host's prefix, or a long random-looking run where a name belongs.

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

/** Every match of `words` in `text` that looks like a token replaced with `***`; a digest's hex stays. */
export function maskWords(text: string, words: RegExp): string {
  return text.replace(words, (word, offset: number) => (looksLikeToken(word) && !isDigestBody(text, offset, word) ? '***' : word))
}

/** Replace every word of a text that looks like a token with `***`: for messages that quote what a user typed. */
export function maskTokens(text: string): string {
  return maskWords(text, /[\w-]{8,}/g)
}
