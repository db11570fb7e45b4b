import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { parseAllDocuments } from 'yaml'
import { enabledComponents } from '../../../bootstrap/components/registry.js'
import { engineOf } from '../../../bootstrap/engines/index.js'
import type { KubeObject } from '../../../bootstrap/kube/client.js'
import { CROSSPLANE_SPEC_FIELDS, xrJsonSchemas } from '../../../bootstrap/render/xr-schemas.js'
import { repoRoot, specText, testSpec } from '../support/context.js'

const out = mkdtempSync(path.join(os.tmpdir(), 'kindling-xr-schemas-'))
afterAll(() => rmSync(out, { recursive: true, force: true }))

type Props = Record<string, { enum?: unknown[]; properties?: Props; additionalProperties?: unknown; required?: string[] }>
interface XrSchema {
  properties: Props
  additionalProperties?: unknown
}

/** Every object kindling renders for a cluster with the azure target enabled. */
function rendered(): KubeObject[] {
  const spec = testSpec(specText({ extra: 'components:\n  crossplane:\n    enabled: true\n    clouds:\n      azure: { enabled: true }' }))
  return engineOf(spec)
    .componentFiles(spec, enabledComponents(spec))
    .flatMap((file) => parseAllDocuments(file.content).map((doc) => doc.toJS() as KubeObject | null))
    .filter((object): object is KubeObject => object !== null)
}

describe('schemas for the APIs a repository defines with Crossplane XRDs (for kubeconform in validate.yml)', () => {
  it("gives the PostgresInstance API a closed schema from its XRD: the cluster's targets, Crossplane's own spec fields, nothing else", () => {
    const schemas = xrJsonSchemas(rendered())
    expect([...schemas.keys()]).toEqual(['platform.kindling.dev/postgresinstance_v1alpha1.json'])
    const schema = schemas.get('platform.kindling.dev/postgresinstance_v1alpha1.json') as unknown as XrSchema
    expect(schema.properties.apiVersion!.enum).toEqual(['platform.kindling.dev/v1alpha1'])
    expect(schema.properties.kind!.enum).toEqual(['PostgresInstance'])
    const spec = schema.properties.spec!
    // Only the targets this cluster enables: an XR for another is refused before it reaches Git.
    expect(spec.properties!.target!.enum).toEqual(['local', 'azure'])
    expect(spec.required).toEqual(['target'])
    // A misspelt field (storageGb) fails the pull request instead of being dropped by the API server.
    expect(schema.additionalProperties).toBe(false)
    expect(spec.additionalProperties).toBe(false)
    expect(spec.properties!.writeConnectionSecretToRef!.additionalProperties).toBe(false)
    expect(Object.keys(spec.properties!.crossplane!.properties!)).toEqual(Object.keys(CROSSPLANE_SPEC_FIELDS))
    expect(spec.properties!.crossplane!.additionalProperties).toBe(false)
  })

  it('the workflow script writes one file per API of the cluster folder it is given', () => {
    const stdout = execFileSync('npx', ['tsx', 'scripts/xr-schemas.ts', out, 'clusters/homelab'], { cwd: repoRoot, encoding: 'utf8' })
    expect(stdout).toContain('1 schema(s) for the repository')
    const written = JSON.parse(readFileSync(path.join(out, 'platform.kindling.dev', 'postgresinstance_v1alpha1.json'), 'utf8')) as XrSchema
    // The example cluster enables no cloud: its PostgresInstances may only be local.
    expect(written.properties.spec!.properties!.target!.enum).toEqual(['local'])
  })
})
