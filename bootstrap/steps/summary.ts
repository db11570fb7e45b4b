import type { StepContext } from '../engine/step.js'

/** Record a line for the end-of-run summary ("Grafana: http://127.0.0.1:3000"). */
export function addSummary(ctx: StepContext, line: string): void {
  ctx.facts.summary.push(line)
}

export function summaryLines(ctx: StepContext): string[] {
  return ctx.facts.summary
}
