import { expect } from 'vitest'
import { BadInputError, ExitCode, exitCodeOf } from '../../../bootstrap/engine/errors.js'
import { parseClusterSpec } from '../../../bootstrap/spec/load.js'

/** The problems a spec text is refused with (bad input, exit 2), as `/repo/clusters/lab/cluster.yaml` of folder `cluster`. */
export function problemsOf(text: string, cluster = 'lab'): string[] {
  try {
    parseClusterSpec(text, '/repo/clusters/lab/cluster.yaml', '/repo', cluster)
  } catch (error) {
    expect(error).toBeInstanceOf(BadInputError)
    expect(exitCodeOf(error)).toBe(ExitCode.badInput)
    return (error as BadInputError).details
  }
  throw new Error('expected the spec to be rejected')
}
