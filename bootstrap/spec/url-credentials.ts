import { looksLikeToken } from './tokens.js'

// Credentials inside a URL: found (the spec refuses them) and masked (every line kindling prints).

/**
 * `https://user:token@host/...`, `https://token@host/...`, `https://host/x?access_token=...` or
 * `...#access_token=...`: credentials a URL must not carry, percent-encoded or not (`git%3Atoken@`,
 * `?%74oken=`). Everything before the first `/` after the scheme counts as the authority, so
 * `user:p#ss@host` is caught although a URL parser would stop at the `#`; so is `user:pa/ss@host`
 * (see USERINFO). `query` stands for a credential parameter in the query or the fragment, or a
 * fragment that is a token.
 */
export function urlCredentials(url: string): 'password' | 'user' | 'query' | undefined {
  const match = LEADING_USERINFO.exec(url)
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
 * The userinfo before a URL's `@`: up to the last `@` before the first `/` (a password with an `@`
 * typed unescaped, which Git and browsers read the same way), or `user:` and a password with a `/`
 * in it (`user:pa/ss@host`: no parser reads a password there, but it is one, typed unescaped). A
 * port and a path with an `@` in it (`host:8080/a@b`) are not.
 */
const USERINFO = String.raw`[^\s/]*|[^\s/@:]*:(?!\d*\/)[^\s@]*`
const LEADING_USERINFO = new RegExp(String.raw`^([a-z][a-z0-9+.-]*):\/\/?(${USERINFO})@`, 'i')
// No word boundary before the scheme: a colour code runs into it (`\x1b[31mhttps://`).
const ANY_USERINFO = new RegExp(String.raw`([a-z][a-z0-9+.-]*):(\/\/?)(${USERINFO})@`, 'gi')

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

/** `scheme://` at the start: the text is a URL, whatever else it may be taken for (a path, a token). */
export function startsWithUrlScheme(text: string): boolean {
  return /^[a-z][a-z\d+.-]*:\/\//i.test(text)
}

/** What the spec says about a URL with credentials in it, wherever it appears; never the value. */
export const URL_CREDENTIALS_MESSAGE =
  'must not hold credentials (user:password@, token@, or a token in the query or the #fragment, percent-encoded or not): remove them, put the token in an environment variable and name it where the spec takes one (for the repository: auth type https, tokenEnv: NAME), or use auth type ssh with a deploy key (the value was not printed; if it was ever committed or shared, revoke it)'

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
    .replace(ANY_USERINFO, (whole, scheme: string, slashes: string, userinfo: string) => {
      // A template's placeholders (`postgresql://%s:%s@` in a Composition) hold no credential.
      if (userinfo.split(':').every((part) => TEMPLATE_PLACEHOLDER.test(part))) return whole
      // The scheme may have run on from the word before it (`31mhttps`).
      if (/https?$/i.test(scheme)) return `${scheme}:${slashes}***@`
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
