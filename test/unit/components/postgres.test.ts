import { parse } from 'yaml'
import { describe, expect, it } from 'vitest'
import { crossplanePackages } from '../../../bootstrap/components/crossplane-packages.js'
import { postgres } from '../../../bootstrap/components/postgres.js'
import type { KubeObject } from '../../../bootstrap/kube/client.js'
import { ALL_CLOUDS, crossplaneSpec, objectsOf } from './support.js'

const all = objectsOf(postgres.describe(crossplaneSpec(ALL_CLOUDS)))
const xrd = all.find((object) => object.kind === 'CompositeResourceDefinition')!
const compositions = all.filter((object) => object.kind === 'Composition')

interface Step {
  step: string
  functionRef: { name: string }
  input?: { inline: { template: string } }
}
const pipelineOf = (composition: KubeObject): Step[] => (composition.spec as { pipeline: Step[] }).pipeline
const templateOf = (composition: KubeObject): string => pipelineOf(composition)[0]!.input!.inline.template

/** apiVersion and kind of each document a template renders (Go actions do not touch these lines). */
function composedKinds(template: string): { apiVersion: string; kind: string }[] {
  return template
    .split(/^---$/m)
    .map((document) => ({ apiVersion: /^apiVersion: (\S+)$/m.exec(document)?.[1], kind: /^kind: (\S+)$/m.exec(document)?.[1] }))
    .filter((entry): entry is { apiVersion: string; kind: string } => entry.apiVersion !== undefined && entry.kind !== undefined)
}

describe('postgres', () => {
  it('offers target local only while every cloud is off, and each enabled cloud beside it; all four Compositions always', () => {
    const local = objectsOf(postgres.describe(crossplaneSpec()))
    expect(local.filter((object) => object.kind === 'Composition').map((object) => object.metadata.name)).toEqual([
      'postgres-local',
      'postgres-azure',
      'postgres-gcp',
      'postgres-hetzner',
    ])
    const offered = (
      local.find((object) => object.kind === 'CompositeResourceDefinition')!.spec as {
        versions: { schema: { openAPIV3Schema: { properties: { spec: { properties: { target: { enum: string[] } } } } } } }[]
      }
    ).versions[0]!.schema.openAPIV3Schema.properties.spec.properties.target
    expect(offered.enum).toEqual(['local'])
    expect(compositions.map((object) => object.metadata.name)).toEqual(['postgres-local', 'postgres-azure', 'postgres-gcp', 'postgres-hetzner'])
    const target = (xrd.spec as { versions: { schema: { openAPIV3Schema: { properties: { spec: { properties: { target: { enum: string[] } } } } } } }[] })
      .versions[0]!.schema.openAPIV3Schema.properties.spec.properties.target
    expect(target.enum).toEqual(['local', 'azure', 'gcp', 'hetzner'])
  })

  it('defines a namespaced v2 XRD whose schema requires target', () => {
    expect(xrd.apiVersion).toBe('apiextensions.crossplane.io/v2')
    expect(xrd.spec).toMatchObject({
      scope: 'Namespaced',
      group: 'platform.kindling.dev',
      names: { kind: 'PostgresInstance' },
      defaultCompositionRef: { name: 'postgres-local' },
    })
    const schema = (xrd.spec as { versions: { schema: { openAPIV3Schema: { properties: { spec: { required: string[] } } } } }[] }).versions[0]!.schema
      .openAPIV3Schema
    expect(schema.properties.spec.required).toEqual(['target'])
  })

  it('points every Composition at the XRD and labels it with its target', () => {
    const { group, names, versions } = xrd.spec as { group: string; names: { kind: string }; versions: { name: string }[] }
    for (const composition of compositions) {
      expect((composition.spec as { compositeTypeRef: unknown }).compositeTypeRef).toEqual({ apiVersion: `${group}/${versions[0]!.name}`, kind: names.kind })
      expect(composition.metadata.name).toBe(`postgres-${composition.metadata.labels?.['platform.kindling.dev/target']}`)
      expect((composition.spec as { mode: string }).mode).toBe('Pipeline')
    }
  })

  it('names only Functions that crossplane-packages installs', () => {
    const installed = objectsOf(crossplanePackages.describe(crossplaneSpec(ALL_CLOUDS)))
      .filter((object) => object.kind === 'Function')
      .map((object) => object.metadata.name)
    for (const composition of compositions) {
      for (const step of pipelineOf(composition)) expect(installed).toContain(step.functionRef.name)
    }
  })

  it('composes only namespaced resources: .m. groups, core or apps', () => {
    for (const composition of compositions) {
      const composed = composedKinds(templateOf(composition)).filter((entry) => entry.kind !== 'PostgresInstance')
      expect(composed.length).toBeGreaterThan(1)
      for (const { apiVersion, kind } of composed) {
        const group = apiVersion.includes('/') ? apiVersion.split('/')[0]! : ''
        expect(group === '' || group === 'apps' || group.includes('.m.'), `${composition.metadata.name}: ${apiVersion} ${kind}`).toBe(true)
      }
    }
  })

  it('gives every target a connection Secret with the keys an app reads', () => {
    for (const composition of compositions) {
      const template = templateOf(composition)
      expect(template).toContain('{{ setResourceNameAnnotation "connection" }}')
      for (const key of ['host', 'port', 'username', 'password', 'database'])
        expect(template).toMatch(new RegExp(`^  ${key}: \\{\\{ .* \\| b64enc \\| quote \\}\\}$`, 'm'))
      // The password is read back from the observed Secret, so it survives every reconcile.
      expect(template).toContain('getComposedResource . "connection"')
    }
  })

  it('lets Crossplane manage the StatefulSets the local target composes', () => {
    const role = all.find((object) => object.kind === 'ClusterRole')
    expect(role?.metadata.labels).toEqual({ 'rbac.crossplane.io/aggregate-to-crossplane': 'true' })
    expect(role?.rules).toEqual([expect.objectContaining({ apiGroups: ['apps'], resources: ['statefulsets'] })])
  })

  it('is healthy when the XRD is Established, and after the packages', () => {
    const description = postgres.describe(crossplaneSpec())
    expect(description.dependsOn).toEqual(['crossplane-packages'])
    expect(description.health).toEqual([
      {
        ref: { apiVersion: 'apiextensions.crossplane.io/v2', kind: 'CompositeResourceDefinition', name: 'postgresinstances.platform.kindling.dev' },
        condition: expect.objectContaining({ description: 'Established=True' }),
      },
    ])
    expect(description.readiness).toEqual([{ apiVersion: 'apiextensions.crossplane.io/v2', kind: 'CompositeResourceDefinition', condition: 'Established' }])
  })

  it('ships one example per target, each a PostgresInstance of that target', () => {
    const files = postgres.describe(crossplaneSpec(ALL_CLOUDS)).extraFiles ?? []
    expect(postgres.describe(crossplaneSpec()).extraFiles?.map((file) => file.path)).toEqual(files.map((file) => file.path))
    expect(files.map((file) => file.path)).toEqual(['examples/local.yaml', 'examples/azure.yaml', 'examples/gcp.yaml', 'examples/hetzner.yaml'])
    for (const file of files) {
      const target = file.path.replace(/^examples\/|\.yaml$/g, '')
      const instance = parse(file.content) as KubeObject
      expect(instance).toMatchObject({ apiVersion: 'platform.kindling.dev/v1alpha1', kind: 'PostgresInstance', spec: { target } })
      if (target !== 'local')
        expect(instance.spec).toMatchObject({
          region: expect.any(String),
          crossplane: { compositionSelector: { matchLabels: { 'platform.kindling.dev/target': target } } },
        })
    }
    expect(files.find((file) => file.path === 'examples/hetzner.yaml')?.content).toContain('hcloud-token (key token')
  })

  it('is off when the spec turns postgres off', () => {
    expect(postgres.enabled(crossplaneSpec('postgres: { enabled: false }'))).toBe(false)
    expect(postgres.enabled(crossplaneSpec())).toBe(true)
  })
})
