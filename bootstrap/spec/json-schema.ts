import path from 'node:path'
import { PROJECT_ROOT } from '../project.js'
import { generateJsonSchema } from './schema.js'

/** Where the generated JSON Schema is shipped; cluster.yaml files point at it. */
export const SCHEMA_FILE = path.join(PROJECT_ROOT, 'bootstrap', 'spec', 'cluster.schema.json')

export function renderJsonSchema(): string {
  return `${JSON.stringify(generateJsonSchema(), null, 2)}\n`
}
