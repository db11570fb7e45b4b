#!/usr/bin/env -S npx tsx
// Writes bootstrap/spec/cluster.schema.json from the zod schema; a unit test fails when it is stale.
import { writeFile } from 'node:fs/promises'
import { SCHEMA_FILE, renderJsonSchema } from '../bootstrap/spec/json-schema.js'

const USAGE = `Usage: kindling schema     (npm run -s schema)

Regenerate bootstrap/spec/cluster.schema.json, the JSON Schema editors use for cluster.yaml, from
the spec's own schema. Takes no flags; one schema serves every cluster.

Exit codes:
  0    written
  2    bad input: a flag or argument was given
`

const args = process.argv.slice(2)
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(USAGE)
  process.exit(0)
}
if (args.length > 0) {
  process.stderr.write(`error: schema takes no flags or arguments (got ${JSON.stringify(args[0]!.slice(0, 40))})\n  see: kindling schema --help\n`)
  process.exit(2)
}
await writeFile(SCHEMA_FILE, renderJsonSchema())
process.stdout.write(`wrote ${SCHEMA_FILE}\n`)
