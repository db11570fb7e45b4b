#!/usr/bin/env -S npx tsx
// Writes bootstrap/spec/cluster.schema.json from the zod schema; a unit test fails when it is stale.
import { quoted } from '../bootstrap/spec/quoting.js'
import { SCHEMA_FILE, writeJsonSchema } from '../bootstrap/spec/json-schema.js'

const USAGE = `Usage: kindling schema     (npx kindling schema, npm run -s schema, devbox run schema)

Regenerate bootstrap/spec/cluster.schema.json, the JSON Schema editors use for cluster.yaml, from
the spec's own schema. Takes no flags; one schema serves every cluster. The file is left as it is
when it is already up to date.

Exit codes:
  0    written, or already up to date
  2    bad input: a flag or argument was given
`

const args = process.argv.slice(2)
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(USAGE)
  process.exit(0)
}
if (args.length > 0) {
  process.stderr.write(`error: schema takes no flags or arguments (got ${quoted(args[0]!)})\n  see: kindling schema --help\n`)
  process.exit(2)
}
process.stdout.write((await writeJsonSchema()) ? `wrote ${SCHEMA_FILE}\n` : `${SCHEMA_FILE} is up to date\n`)
