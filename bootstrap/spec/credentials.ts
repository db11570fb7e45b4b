/**
 * Recognising credentials where the spec must hold none: inside a repository URL, or pasted where
 * the *name* of an environment variable belongs. Messages never repeat the value.
 */

/** `https://user:token@host/...` or `https://token@host/...`: userinfo a URL must not carry. */
export function urlCredentials(url: string): 'password' | 'user' | undefined {
  const match = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)@/i.exec(url)
  if (!match) return undefined
  const [, scheme, userinfo] = match
  if (userinfo!.includes(':')) return 'password'
  // Git hosts take a token as the user name over HTTPS; over SSH the user is just `git`.
  return /^https?$/i.test(scheme!) ? 'user' : undefined
}

/** Prefixes of tokens the common Git hosts and chat tools issue. */
const TOKEN_PREFIXES = /^(gh[pousr]_|github_pat_|glpat|gldt|glptt|xox[abprs]|sk_live_|AKIA)/i

/**
 * A value that looks like a token rather than a variable name: a known token prefix, or a long
 * string mixing lower case, upper case and digits (variable names are UPPER_SNAKE_CASE by habit).
 */
export function looksLikeToken(value: string): boolean {
  if (TOKEN_PREFIXES.test(value)) return true
  return value.length >= 24 && /[a-z]/.test(value) && /[A-Z]/.test(value) && /\d/.test(value)
}

/**
 * Mask the userinfo of every URL in a text. Over HTTP(S) all of it goes (the user name may be a
 * token): `https://***@host`; elsewhere only a password: `ssh://git:***@host`, `ssh://git@host` kept.
 */
export function redactUrlCredentials(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*):\/\/([^\s/?#@]*)@/gi, (whole, scheme: string, userinfo: string) => {
    if (/^https?$/i.test(scheme)) return `${scheme}://***@`
    return userinfo.includes(':') ? `${scheme}://${userinfo.split(':')[0]}:***@` : whole
  })
}

/** Replace every word of a text that looks like a token with `***`: for messages that quote what a user typed. */
export function maskTokens(text: string): string {
  return text.replace(/[\w-]{8,}/g, (word) => (looksLikeToken(word) ? '***' : word))
}
