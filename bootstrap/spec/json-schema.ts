import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { PROJECT_ROOT } from '../project.js'
import { generateJsonSchema } from './schema.js'

/** Where the generated JSON Schema is shipped; cluster.yaml files point at it. */
export const SCHEMA_FILE = path.join(PROJECT_ROOT, 'bootstrap', 'spec', 'cluster.schema.json')

export function renderJsonSchema(): string {
  return `${JSON.stringify(generateJsonSchema(), null, 2)}\n`
}

/**
 * Writes the JSON Schema to `file` only when its text differs, and says whether it did: rewriting an
 * unchanged file would only make it newer than the build, for nothing.
 */
export async function writeJsonSchema(file = SCHEMA_FILE): Promise<boolean> {
  const text = renderJsonSchema()
  const current = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined
    throw error
  })
  if (current === text) return false
  await writeFile(file, text)
  return true
}
