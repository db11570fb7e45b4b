import { existsSync } from 'node:fs'
import path from 'node:path'
import { KindlingError } from '../engine/errors.js'
import { kindlingCommand } from '../project.js'

/** The example spec the repository comes with; hints point at it while the checkout still has it. */
export const EXAMPLE_SPEC = 'clusters/homelab/cluster.yaml'

/** Every field of a spec, generated from the rules that check it (`npm run schema`). */
const SCHEMA_FILE = 'bootstrap/spec/cluster.schema.json'

const wizard = kindlingCommand('wizard')

/**
 * The hints that name the example spec, as the spec's messages write them, each with what it says
 * instead in a checkout without the example (deleted, or renamed to the user's own cluster): the
 * wizard, which writes a spec with every section, or the schema, which lists every field.
 */
export const EXAMPLE_HINTS = {
  copy: { text: `, or copy ${EXAMPLE_SPEC} and edit it`, without: '' },
  see: { text: ` (see ${EXAMPLE_SPEC})`, without: ` (see ${SCHEMA_FILE})` },
  indent: { text: ` (indent with spaces, as in ${EXAMPLE_SPEC})`, without: ' (indent with spaces)' },
  samePart: {
    text: `: see how the same part of ${EXAMPLE_SPEC}, the example spec, is written`,
    without: `: see how a spec \`${wizard}\` writes has the same part, or ${SCHEMA_FILE}`,
  },
  everySection: {
    text: ` (${EXAMPLE_SPEC} has every section; ${SCHEMA_FILE} lists every field)`,
    without: ` (\`${wizard}\` writes a spec with every section; ${SCHEMA_FILE} lists every field)`,
  },
} as const

/**
 * `error` as it reads in `repoRoot`: unchanged while the example spec is there; without it, each
 * hint naming it says where to look instead, rather than send the user to a file that is gone.
 */
export function withExampleHints(error: unknown, repoRoot: string): unknown {
  if (!(error instanceof KindlingError) || existsSync(path.join(repoRoot, EXAMPLE_SPEC))) return error
  const reworded = (line: string): string => Object.values(EXAMPLE_HINTS).reduce((text, hint) => text.split(hint.text).join(hint.without), line)
  error.message = reworded(error.message)
  error.details.splice(0, error.details.length, ...error.details.map(reworded))
  return error
}
