import { fileURLToPath } from 'node:url'
import { generateJsonSchema } from './schema.js'

/** Where the generated JSON Schema is shipped; cluster.yaml files point at it. */
export const SCHEMA_FILE = fileURLToPath(new URL('./cluster.schema.json', import.meta.url))

export function renderJsonSchema(): string {
  return `${JSON.stringify(generateJsonSchema(), null, 2)}\n`
}
