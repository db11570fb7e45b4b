import type { StepContext } from '../engine/step.js'

const KEY = 'summary'

/** Record a line for the end-of-run summary ("Grafana: http://127.0.0.1:3000"). */
export function addSummary(ctx: StepContext, line: string): void {
  const lines = (ctx.shared.get(KEY) as string[] | undefined) ?? []
  lines.push(line)
  ctx.shared.set(KEY, lines)
}

export function summaryLines(ctx: StepContext): string[] {
  return (ctx.shared.get(KEY) as string[] | undefined) ?? []
}
