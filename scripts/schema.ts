#!/usr/bin/env -S npx tsx
// Writes bootstrap/spec/cluster.schema.json from the zod schema; a unit test fails when it is stale.
import { writeFile } from 'node:fs/promises'
import { SCHEMA_FILE, renderJsonSchema } from '../bootstrap/spec/json-schema.js'

await writeFile(SCHEMA_FILE, renderJsonSchema())
process.stdout.write(`wrote ${SCHEMA_FILE}\n`)
