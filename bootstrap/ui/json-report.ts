import { stringify } from 'yaml'
import { formatCommand } from '../tools/runner.js'
import type { Action } from '../engine/step.js'
import type { RunReport } from '../engine/run.js'
import { describeWait, describeWaits } from '../engine/waits.js'
import { formatError } from './format.js'

/** The run as one JSON-ready document (secrets masked): what `--json` prints. */
export function toJsonReport(
  command: string,
  cluster: string | undefined,
  report: RunReport | undefined,
  extra: Record<string, unknown>,
  redact: (text: string) => string,
  error?: unknown,
): Record<string, unknown> {
  const document = {
    command,
    cluster,
    ok: report?.ok ?? false,
    dryRun: report?.dryRun ?? false,
    interrupted: report?.interrupted ?? false,
    totalMs: report?.totalMs,
    steps: report?.steps.map((step) => ({
      name: step.name,
      title: step.title,
      status: step.status,
      verdict: step.verdict,
      detail: step.detail,
      timings: step.timings,
      actions: step.actions?.map(actionJson),
      waits: step.waits && describeWaits(step.waits),
      error: step.error ? formatError(step.error, (text) => text) : undefined,
    })),
    ...extra,
    error: error === undefined ? undefined : formatError(error, (text) => text),
  }
  return redactStrings(JSON.parse(JSON.stringify(document)), redact) as Record<string, unknown>
}

/**
 * Every string of a JSON value redacted as it is, not as JSON text: a secret holding `"` or `\`
 * is escaped in the text and would not match there.
 */
function redactStrings(value: unknown, redact: (text: string) => string): unknown {
  if (typeof value === 'string') return redact(value)
  if (Array.isArray(value)) return value.map((item) => redactStrings(item, redact))
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, inner]) => [redact(key), redactStrings(inner, redact)]))
  return value
}

function actionJson(action: Action): Record<string, unknown> {
  switch (action.type) {
    case 'run':
      return { type: 'run', command: formatCommand(action.command), description: action.description }
    case 'apply':
      return { type: 'apply', description: action.description, manifests: stringifyAll(action.objects) }
    case 'write-file':
      return { type: 'write-file', path: action.path, mode: action.mode, content: action.content }
    case 'wait':
      return { type: 'wait', description: describeWait(action.wait) }
    case 'call':
      return { type: 'call', description: action.description }
    case 'note':
      return { type: 'note', text: action.text }
  }
}

function stringifyAll(objects: readonly unknown[]): string {
  return objects.map((object) => stringify(JSON.parse(JSON.stringify(object)), { lineWidth: 0 })).join('---\n')
}
