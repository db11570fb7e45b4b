import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse, parseAllDocuments } from 'yaml'
import { enabledComponents } from '../../bootstrap/components/registry.js'
import { engineOf } from '../../bootstrap/engines/index.js'
import { desiredContent } from '../../bootstrap/render/repo-files.js'
import { CROSSPLANE_PACKAGES, DEFAULTS, HCLOUD_TERRAFORM_PROVIDER_VERSION, REGISTRY_IMAGE } from '../../bootstrap/spec/defaults.js'
import { repoRoot, specText, testSpec } from './support/context.js'

/**
 * The files that make a fork of this repository look after itself: renovate.json (update pull
 * requests for the pins under clusters/) and .github/workflows/validate.yml (checks on every pull
 * request, without cluster credentials).
 */

const read = (file: string): string => readFileSync(path.join(repoRoot, file), 'utf8')

interface CustomManager {
  customType: string
  description: string
  managerFilePatterns: string[]
  matchStrings: string[]
  datasourceTemplate: string
  depNameTemplate?: string
}
const renovate = JSON.parse(read('renovate.json')) as Record<string, unknown> & { customManagers: CustomManager[] }

/** Renovate's `/regex/` file patterns, as RegExps. */
function filePatterns(patterns: string[]): RegExp[] {
  return patterns.map((pattern) => {
    expect(pattern).toMatch(/^\/.+\/$/)
    return new RegExp(pattern.slice(1, -1))
  })
}

/** What Renovate's regex manager extracts from a file: it runs each matchString with the `g` flag. */
function extract(manager: CustomManager, content: string): Record<string, string>[] {
  return manager.matchStrings.flatMap((source) => [...content.matchAll(new RegExp(source, 'g'))].map((match) => ({ ...match.groups })))
}

function manager(description: string): CustomManager {
  const found = renovate.customManagers.find((entry) => entry.description.startsWith(description))
  if (!found) throw new Error(`renovate.json has no custom manager "${description}"`)
  return found
}

/** A cluster.yaml that leaves every version to its default (the examples write them out). */
const bare = (text: string): string => text.replace(/^ +(version|operatorVersion): .*\n/gm, '')
const homelab = bare(read('clusters/homelab/cluster.yaml'))
const homelabArgo = bare(read('clusters/homelab-argocd/cluster.yaml'))

/** homelab's cluster.yaml with lines added after the line `after` (same indentation rules), still a valid spec. */
function withLines(text: string, after: string, lines: string): string {
  expect(text).toContain(`${after}\n`)
  const edited = text.replace(`${after}\n`, `${after}\n${lines}\n`)
  const name = /\n {2}name: (\S+)/.exec(edited)![1]!
  expect(() => testSpec(edited, name)).not.toThrow()
  return edited
}

const clusterFolders = readdirSync(path.join(repoRoot, 'clusters'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
// The shipped examples; clusters/ may also hold clusters users wrote with the wizard, with their own choices.
const examples = ['homelab', 'homelab-argocd']

describe('renovate.json', () => {
  it('is a Renovate repository config that extends the recommended preset', () => {
    expect(renovate.$schema).toBe('https://docs.renovatebot.com/renovate-schema.json')
    expect(renovate.extends).toEqual(['config:recommended'])
    for (const entry of renovate.customManagers) {
      expect(entry.customType).toBe('regex')
      expect(['docker', 'helm', 'github-releases', 'terraform-provider']).toContain(entry.datasourceTemplate)
      for (const source of entry.matchStrings) expect(source).toMatch(/\(\?<currentValue>/)
    }
  })

  it('points the built-in flux, argocd, crossplane and helm-values managers at the files under clusters/', () => {
    const matches = (manager: string, file: string): boolean =>
      filePatterns((renovate[manager] as { managerFilePatterns: string[] }).managerFilePatterns).some((pattern) => pattern.test(file))
    expect(matches('flux', 'clusters/homelab/flux-system/flux-operator.yaml')).toBe(true)
    expect(matches('flux', 'clusters/homelab/components/crossplane/release.yaml')).toBe(true)
    expect(matches('argocd', 'clusters/homelab-argocd/argocd/argocd.yaml')).toBe(true)
    expect(matches('argocd', 'clusters/homelab-argocd/components/crossplane.yaml')).toBe(true)
    expect(matches('crossplane', 'clusters/homelab/components/crossplane-packages/manifests.yaml')).toBe(true)
    expect(matches('helm-values', 'clusters/homelab-argocd/argocd/values.yaml')).toBe(true)
    expect(matches('flux', 'test/unit/render/__golden__/flux/flux-operator.yaml')).toBe(false)
  })

  it('the files the built-in managers read carry the pins they look for', () => {
    const operator = parseAllDocuments(read('clusters/homelab/flux-system/flux-operator.yaml')).map(
      (doc) => doc.toJS() as { kind: string; spec: { ref?: { tag?: string } } },
    )
    expect(operator.find((doc) => doc.kind === 'OCIRepository')?.spec.ref?.tag).toBe(DEFAULTS.gitops.flux.operatorVersion)
    const argocd = parse(read('clusters/homelab-argocd/argocd/argocd.yaml')) as { spec: { sources: { chart?: string; targetRevision: string }[] } }
    expect(argocd.spec.sources.find((source) => source.chart === 'argo-cd')?.targetRevision).toBe(DEFAULTS.gitops.argocd.version)
    expect(read('clusters/homelab/components/crossplane-packages/manifests.yaml')).toContain(`package: ${CROSSPLANE_PACKAGES.providerKubernetes.package}`)
  })

  it('reads the Flux version of every FluxInstance under clusters/', () => {
    const flux = manager('FluxInstance')
    const instances = clusterFolders.map((name) => `clusters/${name}/flux-system/flux-instance.yaml`).filter((file) => existsSync(path.join(repoRoot, file)))
    expect(instances).toContain('clusters/homelab/flux-system/flux-instance.yaml')
    for (const file of instances) {
      expect(filePatterns(flux.managerFilePatterns).some((pattern) => pattern.test(file))).toBe(true)
      expect(extract(flux, read(file))).toEqual([{ currentValue: expect.any(String) }])
    }
    expect(extract(flux, read('clusters/homelab/flux-system/flux-instance.yaml'))).toEqual([{ currentValue: DEFAULTS.gitops.flux.version }])
  })

  it('reads kubernetesVersion and nodeImage from cluster.yaml', () => {
    const kind = manager('cluster.yaml spec.provider.kubernetesVersion')
    expect(filePatterns(kind.managerFilePatterns).some((pattern) => pattern.test('clusters/homelab/cluster.yaml'))).toBe(true)
    expect(extract(kind, homelab)).toEqual([{ currentValue: DEFAULTS.kind.kubernetesVersion }])
    const digest = `sha256:${'a'.repeat(64)}`
    const pinned = withLines(homelab, `    kubernetesVersion: ${DEFAULTS.kind.kubernetesVersion}`, `    nodeImage: kindest/node:v1.36.4@${digest}`)
    expect(extract(kind, pinned)).toEqual([
      { currentValue: DEFAULTS.kind.kubernetesVersion },
      { depName: 'kindest/node', currentValue: 'v1.36.4', currentDigest: digest },
    ])
  })

  it('reads the engine version stated in cluster.yaml, for its own engine only', () => {
    const flux = manager('cluster.yaml spec.gitops.version with engine flux')
    const argocd = manager('cluster.yaml spec.gitops.version with engine argocd')
    const operator = manager('cluster.yaml spec.gitops.operatorVersion')
    expect([flux, argocd, operator].flatMap((entry) => extract(entry, homelab))).toEqual([])

    const fluxSpec = withLines(homelab, '    engine: flux', '    version: 2.9.5\n    operatorVersion: 0.59.0')
    expect(extract(flux, fluxSpec)).toEqual([{ currentValue: '2.9.5' }])
    expect(extract(operator, fluxSpec)).toEqual([{ currentValue: '0.59.0' }])
    expect(extract(argocd, fluxSpec)).toEqual([])
    const versionFirst = homelab.replace('    engine: flux\n', '    version: 2.9.5\n    engine: flux\n')
    expect(extract(flux, versionFirst)).toEqual([{ currentValue: '2.9.5' }])

    const argoSpec = withLines(homelabArgo, '    engine: argocd', '    version: 10.1.1')
    expect(extract(argocd, argoSpec)).toEqual([{ currentValue: '10.1.1' }])
    expect(extract(flux, argoSpec)).toEqual([])
  })

  it('reads each component chart version from its own block of cluster.yaml', () => {
    const crossplane = manager('cluster.yaml spec.components.crossplane.version')
    const monitoring = manager('cluster.yaml spec.components.monitoring.version')
    expect(extract(crossplane, homelab)).toEqual([])
    const spec = withLines(
      withLines(homelab, '    crossplane:\n      enabled: true', '      version: 2.4.2'),
      '    monitoring:\n      enabled: true',
      '      version: 79.5.0',
    )
    expect(extract(crossplane, spec)).toEqual([{ currentValue: '2.4.2' }])
    expect(extract(monitoring, spec)).toEqual([{ currentValue: '79.5.0' }])
    const monitoringOnly = withLines(homelab, '    monitoring:\n      enabled: true', '      version: 79.5.0')
    expect(extract(crossplane, monitoringOnly)).toEqual([])
  })

  it('reads every Crossplane package kindling pins, and extra providers named in cluster.yaml', () => {
    const packages = manager('Crossplane packages')
    const patterns = filePatterns(packages.managerFilePatterns)
    expect(patterns.some((pattern) => pattern.test('bootstrap/spec/defaults.ts'))).toBe(true)
    const pinned = Object.values(CROSSPLANE_PACKAGES).map((entry) => {
      const [depName, currentValue] = entry.package.split(/:(?=[^:]+$)/)
      return { depName, currentValue }
    })
    expect(extract(packages, read('bootstrap/spec/defaults.ts'))).toEqual(pinned)
    const extra = withLines(
      homelab,
      '    crossplane:\n      enabled: true',
      '      providers:\n        - name: provider-aws-s3\n          package: xpkg.crossplane.io/crossplane-contrib/provider-aws-s3:v2.1.0',
    )
    expect(extract(packages, extra)).toEqual([{ depName: 'xpkg.crossplane.io/crossplane-contrib/provider-aws-s3', currentValue: 'v2.1.0' }])
  })

  it('reads the hcloud Terraform provider pin where bootstrap keeps it and where a Hetzner cluster renders it, so both move in one pull request', () => {
    const hcloud = manager('The hetznercloud/hcloud Terraform provider')
    const patterns = filePatterns(hcloud.managerFilePatterns)
    const pin = [{ currentValue: HCLOUD_TERRAFORM_PROVIDER_VERSION }]
    expect(patterns.some((pattern) => pattern.test('bootstrap/spec/defaults.ts'))).toBe(true)
    expect(extract(hcloud, read('bootstrap/spec/defaults.ts'))).toEqual(pin)
    const spec = testSpec(specText({ extra: 'components:\n  crossplane:\n    enabled: true\n    clouds:\n      hetzner: { enabled: true }' }))
    const rendered = engineOf(spec)
      .componentFiles(spec, enabledComponents(spec))
      .filter((file) => extract(hcloud, file.content).length > 0)
    expect(rendered.map((file) => file.path)).toHaveLength(1)
    expect(patterns.some((pattern) => pattern.test(rendered[0]!.path))).toBe(true)
    expect(extract(hcloud, rendered[0]!.content)).toEqual(pin)
  })

  it('reads the images bootstrap pins in its own sources, each the one the example clusters run', () => {
    const images = manager('Images bootstrap runs itself')
    const found = (file: string): string[] => {
      expect(filePatterns(images.managerFilePatterns).some((pattern) => pattern.test(file))).toBe(true)
      return extract(images, read(file)).map((match) => `${match.depName}:${match.currentValue}${match.currentDigest ? `@${match.currentDigest}` : ''}`)
    }
    expect(found('bootstrap/spec/defaults.ts')).toEqual([DEFAULTS.gitServer.image, REGISTRY_IMAGE])
    const [ksops] = found('bootstrap/render/argocd.ts')
    expect(read('clusters/homelab-argocd/argocd/values.yaml')).toContain(`image: ${ksops}\n`)
    const [app] = found('bootstrap/components/apps.ts')
    expect(read('clusters/homelab/apps/podinfo/app.yaml')).toContain(`image: ${app}\n`)
  })

  it('finds every version in the example specs, so Renovate moves them where bootstrap reads them', () => {
    const found = (file: string): Record<string, string>[] =>
      renovate.customManagers.flatMap((entry) =>
        filePatterns(entry.managerFilePatterns).some((pattern) => pattern.test(file))
          ? extract(entry, read(file)).map((match) => ({ dep: entry.depNameTemplate ?? match.depName ?? '', version: match.currentValue! }))
          : [],
      )
    expect(found('clusters/homelab/cluster.yaml')).toEqual(
      expect.arrayContaining([
        { dep: 'fluxcd/flux2', version: DEFAULTS.gitops.flux.version },
        { dep: 'ghcr.io/controlplaneio-fluxcd/charts/flux-operator', version: DEFAULTS.gitops.flux.operatorVersion },
        { dep: 'crossplane', version: DEFAULTS.components.crossplane.version },
        { dep: 'kube-prometheus-stack', version: DEFAULTS.components.monitoring.version },
      ]),
    )
    expect(found('clusters/homelab-argocd/cluster.yaml')).toEqual(
      expect.arrayContaining([
        { dep: 'argo-cd', version: DEFAULTS.gitops.argocd.version },
        { dep: 'crossplane', version: DEFAULTS.components.crossplane.version },
        { dep: 'kube-prometheus-stack', version: DEFAULTS.components.monitoring.version },
      ]),
    )
  })

  it.each(['homelab', 'homelab-argocd'])('a chart update Renovate makes in %s survives the next bootstrap', (name) => {
    // Renovate's pull request: the cluster.yaml line and the rendered file, moved together.
    const text = read(`clusters/${name}/cluster.yaml`)
    const moved = text.replace(/(\n {4}crossplane:\n(?: {6}.*\n)*? {6}version: )[\d.]+/, '$19.9.9')
    expect(moved).not.toBe(text)
    const spec = testSpec(moved, name)
    const file = engineOf(spec)
      .componentFiles(spec, enabledComponents(spec))
      .find((entry) => entry.path.startsWith(`clusters/${name}/components/crossplane`) && entry.content.includes('9.9.9'))
    expect(file, 'a rendered file names the Crossplane chart version').toBeDefined()
    const committed = read(file!.path)
    const renovated = committed.replaceAll(DEFAULTS.components.crossplane.version, '9.9.9')
    expect(renovated).not.toBe(committed)
    expect(desiredContent(file!, renovated)).toBe(renovated)
  })

  it('updates the images of the apps under clusters/<name>/apps/', () => {
    const kubernetes = filePatterns((renovate.kubernetes as { managerFilePatterns: string[] }).managerFilePatterns)
    expect(kubernetes.some((pattern) => pattern.test('clusters/homelab/apps/podinfo/app.yaml'))).toBe(true)
    expect(read('clusters/homelab/apps/podinfo/app.yaml')).toMatch(/image: \S+:\d+\.\d+\.\d+/)
  })

  it('moves the Flux distribution and its operator in one pull request', () => {
    const rules = renovate.packageRules as { matchDepNames?: string[]; groupName?: string }[]
    const flux = rules.find((rule) => rule.groupName === 'Flux')
    expect(flux?.matchDepNames).toEqual(expect.arrayContaining(['fluxcd/flux2', 'ghcr.io/controlplaneio-fluxcd/charts/flux-operator']))
    expect(manager('cluster.yaml spec.gitops.operatorVersion').depNameTemplate).toBe('ghcr.io/controlplaneio-fluxcd/charts/flux-operator')
  })
})

interface Step {
  uses?: string
  run?: string
  with?: Record<string, unknown>
}
interface Workflow {
  on: Record<string, unknown>
  permissions: Record<string, string>
  jobs: Record<string, { permissions?: unknown; steps: Step[] }>
}

describe('.github/workflows/validate.yml', () => {
  const text = read('.github/workflows/validate.yml')
  const workflow = parse(text) as Workflow
  const steps = Object.values(workflow.jobs).flatMap((job) => job.steps)
  const script = steps.map((step) => step.run ?? '').join('\n')

  it('runs on every pull request, with read-only access to the repository and nothing else', () => {
    expect(Object.keys(workflow.on)).toContain('pull_request')
    expect(workflow.permissions).toEqual({ contents: 'read' })
    for (const job of Object.values(workflow.jobs)) expect(job.permissions).toBeUndefined()
  })

  it('references no secret, token or kubeconfig, and keeps no Git credentials', () => {
    expect(text).not.toMatch(/secrets\.|github\.token|GITHUB_TOKEN|kubeconfig|KUBECONFIG|kubectl/i)
    for (const step of steps.filter((entry) => entry.uses?.startsWith('actions/checkout@'))) expect(step.with?.['persist-credentials']).toBe(false)
  })

  it('pins every action to a commit, with its version beside it', () => {
    const uses = [...text.matchAll(/uses: (\S+)(.*)/g)]
    expect(uses.length).toBeGreaterThan(0)
    for (const [, ref, comment] of uses) {
      expect(ref).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/)
      expect(comment).toMatch(/# v\d+\.\d+\.\d+$/)
    }
  })

  it('skips exactly the provider configs the CRD catalog has no schema for, for every cloud a user can enable', () => {
    const skipped = /-skip '([^']+)'/.exec(script)![1]!.split(',')
    const extra =
      'components:\n  crossplane:\n    enabled: true\n    clouds:\n      azure: { enabled: true }\n      gcp: { enabled: true, projectID: my-project-123 }\n      hetzner: { enabled: true }'
    const spec = testSpec(specText({ extra }))
    const providerConfigs = engineOf(spec)
      .componentFiles(spec, enabledComponents(spec))
      .flatMap((file) => parseAllDocuments(file.content).map((doc) => doc.toJS() as { apiVersion?: string; kind?: string } | null))
      .filter((object) => object?.kind === 'ClusterProviderConfig')
      .map((object) => `${object!.apiVersion}/${object!.kind}`)
    expect(providerConfigs.length).toBe(5)
    expect(skipped).toEqual(expect.arrayContaining(providerConfigs))
    expect(skipped.filter((kind) => kind !== 'v1/Secret' && !providerConfigs.includes(kind))).toEqual([])
  })

  it('builds every kustomization folder under clusters/, each component folder included', () => {
    const listing = script.split('\n').find((line) => line.trim().startsWith('folders=$('))
    expect(listing).toBeDefined()
    const folders = execFileSync('bash', ['-c', `${listing!.trim()}\nprintf '%s\\n' "$folders"`], { cwd: repoRoot, encoding: 'utf8' })
      .trim()
      .split('\n')
    const componentFolders = (name: string): string[] => {
      const components = path.join(repoRoot, 'clusters', name, 'components')
      if (!existsSync(components)) return []
      return readdirSync(components, { withFileTypes: true })
        .filter((entry) => entry.isDirectory() && existsSync(path.join(components, entry.name, 'kustomization.yaml')))
        .map((entry) => `clusters/${name}/components/${entry.name}`)
    }
    for (const name of examples) {
      expect(folders).toContain(`clusters/${name}`)
      expect(componentFolders(name)).not.toEqual([])
    }
    // A cluster written with the wizard is built too, though it may have no component folders.
    for (const name of clusterFolders.filter((name) => existsSync(path.join(repoRoot, 'clusters', name, 'kustomization.yaml')))) {
      expect(folders).toContain(`clusters/${name}`)
      for (const folder of componentFolders(name)) expect(folders).toContain(folder)
    }
    expect(script).toMatch(/kustomize build "\$dir"/)
    expect(script).toMatch(/kubeconform -strict/)
    // Schemas in order: Kubernetes' own, the cluster's own XRDs (written by scripts/xr-schemas.ts), the CRD catalog.
    expect(script).toMatch(/npx tsx scripts\/xr-schemas\.ts "\$RUNNER_TEMP\/xr-schemas\/\$\(basename "\$cluster"\)" "\$cluster"/)
    expect(script).toMatch(
      /-schema-location default -schema-location "\$own\/\{\{\.Group\}\}\/\{\{\.ResourceKind\}\}_\{\{\.ResourceAPIVersion\}\}\.json" -schema-location "\$CRD_SCHEMAS"/,
    )
  })

  it('checks each cluster.yaml against the JSON Schema kindling generates', () => {
    expect(script).toMatch(/check-jsonschema --schemafile bootstrap\/spec\/cluster\.schema\.json clusters\/\*\/cluster\.yaml/)
  })

  it('pins its tools by version', () => {
    expect(text).toMatch(/KUSTOMIZE_VERSION: v\d+\.\d+\.\d+\n/)
    expect(text).toMatch(/KUBECONFORM_VERSION: v\d+\.\d+\.\d+\n/)
    expect(text).toMatch(/CHECK_JSONSCHEMA_VERSION: \d+\.\d+\.\d+\n/)
    expect(text).toMatch(/CRDs-catalog\/[0-9a-f]{40}\//)
  })
})
