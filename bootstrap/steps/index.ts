import type { Step } from '../engine/step.js'
import type { CommandName } from '../cli/args.js'
import type { ClusterSpec } from '../spec/load.js'
import { gitopsSteps, gitopsStatusSteps } from './gitops/index.js'
import { providerDestroySteps, providerSteps, providerStatusSteps } from './provider/index.js'

export interface StepOptions {
  /** How long the health gate waits. */
  healthTimeoutMs: number
  /** A person can answer prompts (stdin and stderr on a terminal, not --json). */
  interactive: boolean
  /** Why nothing is asked when not interactive, as a refusal says it; `under --json` on a terminal, else the step's own words. */
  unasked?: string
}

/** The steps of a command, for a spec. Order in the list is display order; needs decide execution. */
export function stepsFor(command: CommandName, spec: ClusterSpec, options: StepOptions): Step[] {
  switch (command) {
    case 'bootstrap':
      return [...providerSteps(spec, options), ...gitopsSteps(spec, options)]
    case 'status':
      return [...providerStatusSteps(spec, options), ...gitopsStatusSteps(spec, options)]
    case 'destroy':
      return providerDestroySteps(spec, options)
  }
}
