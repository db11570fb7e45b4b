import { parseArgs } from 'node:util'
import { BadInputError, errorMessage } from '../engine/errors.js'
import { maskTokens } from '../spec/tokens.js'
import { quoted } from '../spec/quoting.js'
import { redactUrlCredentials } from '../spec/url-credentials.js'
import { DNS_LABEL, DNS_LABEL_MAX } from '../spec/dns-label.js'
import { nearestName } from '../spec/edit-distance.js'

export type CommandName = 'bootstrap' | 'destroy' | 'status'

export interface CliFlags {
  cluster?: string
  dryRun: boolean
  yes: boolean
  json: boolean
  verbose: boolean
  help: boolean
  recreate: boolean
  purge: boolean
  noPush: boolean
  timeout?: string
}

const COMMON = {
  cluster: { type: 'string', short: 'c' },
  json: { type: 'boolean', default: false },
  verbose: { type: 'boolean', short: 'v', default: false },
  help: { type: 'boolean', short: 'h', default: false },
  timeout: { type: 'string' },
} as const

/** Flags of commands that change something; `status` only reads, so it offers none of them. */
const CHANGING = {
  'dry-run': { type: 'boolean', default: false },
  yes: { type: 'boolean', short: 'y', default: false },
} as const

const EXTRA: Record<CommandName, Record<string, { type: 'boolean'; short?: string; default: boolean }>> = {
  bootstrap: { ...CHANGING, recreate: { type: 'boolean', default: false }, 'no-push': { type: 'boolean', default: false } },
  destroy: { ...CHANGING, purge: { type: 'boolean', default: false } },
  status: {},
}

/** Parse a command's flags; anything unknown is bad input (exit 2), never silently ignored. */
export function parseFlags(command: CommandName, argv: readonly string[]): CliFlags {
  try {
    const parsed = parseArgs({ args: [...argv], options: { ...COMMON, ...EXTRA[command] }, strict: true, allowPositionals: true, tokens: true })
    const { positionals } = parsed
    const repeated = contradictingRepeat(parsed.tokens)
    if (repeated) throw new BadInputError(repeated, { details: [`see: kindling ${command} --help`] })
    const values = parsed.values as Record<string, string | boolean | undefined>
    if (positionals.length > 0) throw unexpectedArgument(command, positionals[0]!)
    return {
      cluster: values.cluster as string | undefined,
      dryRun: Boolean(values['dry-run']),
      yes: Boolean(values.yes),
      json: Boolean(values.json),
      verbose: Boolean(values.verbose),
      help: Boolean(values.help),
      recreate: Boolean(values.recreate),
      purge: Boolean(values.purge),
      noPush: Boolean(values['no-push']),
      timeout: values.timeout as string | undefined,
    }
  } catch (cause) {
    if (cause instanceof BadInputError) throw cause
    const known = Object.keys({ ...COMMON, ...EXTRA[command] })
    throw new BadInputError(otherCommandsFlag(command, cause) ?? flagError(cause, known), { details: [`see: kindling ${command} --help`] })
  }
}

type FlagToken = { kind: string; name?: string; rawName?: string; value?: string }

/**
 * A flag given twice with different values (`-c homelab -c lab`, `--crossplane --no-crossplane`):
 * the parser would keep the last one without a word, and the run would act on a cluster or answer
 * the user may not have meant. The same flag repeated as it was is harmless.
 */
export function contradictingRepeat(tokens: readonly FlagToken[]): string | undefined {
  const seen = new Map<string, FlagToken>()
  for (const token of tokens) {
    if (token.kind !== 'option' || !token.name) continue
    const first = seen.get(token.name)
    if (!first) {
      seen.set(token.name, token)
      continue
    }
    const negated = (flag: FlagToken) => flag.rawName?.startsWith('--no-') ?? false
    if (first.value !== token.value || negated(first) !== negated(token)) {
      const shown = (flag: FlagToken) => (flag.value === undefined ? flag.rawName! : `${flag.rawName} ${quoted(flag.value)}`)
      return `${shown(first)} and ${shown(token)}: the same flag twice with different values; give it once`
    }
  }
  return undefined
}

/** A flag another command takes (`status --dry-run`, `bootstrap --purge`): say whose it is, not just "unknown". */
function otherCommandsFlag(command: CommandName, cause: unknown): string | undefined {
  const flag = /^Unknown option '--?([\w-]+)'/.exec(errorMessage(cause))?.[1]
  if (!flag) return undefined
  const owners = (Object.keys(EXTRA) as CommandName[]).filter((other) =>
    Object.entries(EXTRA[other]).some(([name, option]) => name === flag || option.short === flag),
  )
  if (!owners.length) return undefined
  const shown = flag.length === 1 ? `-${flag}` : `--${flag}`
  if (command === 'status') return `status only reads and changes nothing, so it takes no ${shown} (a flag of ${owners.join(' and ')})`
  return `${command} takes no ${shown}: it is a flag of ${owners.join(' and ')}`
}

/**
 * The flag parser's complaint as a person needs it. `--timeout -5m` or `-c --json` reads as a
 * flag with no value ("argument is ambiguous", with advice about `--flag=-XYZ`): say that instead.
 */
export function flagError(cause: unknown, known: readonly string[] = []): string {
  const message = errorMessage(cause)
  const ambiguous = /Option '(-[\w-]+)[^']*' argument is ambiguous/.exec(message)
  if (ambiguous) return `${ambiguous[1]} needs a value, and one starting with "-" is not valid here`
  // `--json=1`, `--yes=true`: a switch is on by being there.
  const switchValue = /^Option '(--[\w-]+)' does not take an argument/.exec(message)
  if (switchValue) return `${switchValue[1]} takes no value: write ${switchValue[1]} alone (leave it out for no)`
  // The parser repeats an unknown option as typed: `--ghp_…` or a URL with a password pasted as one.
  const unknown = /^Unknown option '(.*?)'(?:\. To specify|$)/s.exec(message)
  if (unknown) {
    const shown = quoted(unknown[1]!)
    // `--jsno`, `--dry_run`, `--Cluster`: the flag it was meant to be, when one is that near.
    const meant = /^--[\w-]{2,}$/.test(unknown[1]!) ? nearestName(unknown[1]!.slice(2), known) : undefined
    const hint = meant ? ` (did you mean --${meant}?)` : ''
    return shown === JSON.stringify(unknown[1]) ? `Unknown option '${unknown[1]}'${hint}` : `Unknown option: ${shown}`
  }
  return maskTokens(redactUrlCredentials(message.split('\n')[0]!.replace(/\. To specify.*$/s, '')))
}

/**
 * An argument where only flags go. `kindling bootstrap homelab` is the natural first guess at
 * naming a cluster, so a value shaped like a cluster name is answered with the flag that takes it.
 */
export function unexpectedArgument(command: string, value: string): BadInputError {
  // `kindling bootstrap help` asks for help, not for a cluster named help.
  const asCluster = DNS_LABEL.test(value) && value.length <= DNS_LABEL_MAX && value !== 'help' ? [`to name the cluster, pass -c ${value}`] : []
  return new BadInputError(`unexpected argument ${quoted(value)}`, { details: [...asCluster, `see: kindling ${command} --help`] })
}

/** "10m", "90s", "1h" → milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+)(ms|s|m|h)$/.exec(text.trim())
  if (!match) throw new BadInputError(`--timeout ${quoted(text)} is not a duration`, { details: ['use a number with a unit: 90s, 10m, 1h'] })
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] as 'ms' | 's' | 'm' | 'h']
  const ms = Number(match[1]) * unit
  // Zero would stop every run before its first step; past a day is a typo (and past 24.8 days
  // Node's timers fire at once).
  // Under a second is the same: the run stops before its first check answers.
  if (ms < MIN_TIMEOUT_MS)
    throw new BadInputError(`--timeout ${text.trim()} would stop the run before it starts`, {
      details: ['give the whole run time to finish, at least 1s, e.g. 10m; leave --timeout out for the defaults'],
    })
  if (ms > MAX_TIMEOUT_MS)
    throw new BadInputError(`--timeout ${text.trim()} is longer than a day`, { details: ['at most 24h; leave --timeout out for the defaults'] })
  return ms
}

const MIN_TIMEOUT_MS = 1000
const MAX_TIMEOUT_MS = 24 * 3_600_000
