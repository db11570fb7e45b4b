#!/usr/bin/env -S npx tsx
// For .github/workflows/validate.yml: writes a kubeconform schema for every API the repository's
// own Crossplane XRDs define, so an app team's PostgresInstance is checked like a Deployment.
//   npx tsx scripts/xr-schemas.ts OUT_DIR FOLDER...
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { parseAllDocuments } from 'yaml'
import type { KubeObject } from '../bootstrap/kube/client.js'
import { xrJsonSchemas } from '../bootstrap/render/xr-schemas.js'

const [out, ...folders] = process.argv.slice(2)
if (!out || folders.length === 0) {
  process.stderr.write('usage: npx tsx scripts/xr-schemas.ts OUT_DIR FOLDER...\n')
  process.exit(2)
}

async function yamlFiles(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true })
  return entries.filter((entry) => entry.isFile() && /\.ya?ml$/.test(entry.name)).map((entry) => path.join(entry.parentPath, entry.name))
}

const objects: KubeObject[] = []
for (const file of (await Promise.all(folders.map(yamlFiles))).flat()) {
  for (const doc of parseAllDocuments(await readFile(file, 'utf8'))) {
    // A file that is not YAML is kustomize's to report, in the next step.
    if ('errors' in doc && doc.errors.length === 0) {
      const value: unknown = doc.toJS()
      if (value && typeof value === 'object' && 'kind' in value && 'apiVersion' in value) objects.push(value as KubeObject)
    }
  }
}
const schemas = xrJsonSchemas(objects)
for (const [name, schema] of schemas) {
  const file = path.join(out, name)
  await mkdir(path.dirname(file), { recursive: true })
  await writeFile(file, `${JSON.stringify(schema, null, 2)}\n`)
}
process.stdout.write(`${schemas.size} schema(s) for the repository's own APIs in ${out}: ${[...schemas.keys()].join(', ') || 'none'}\n`)
