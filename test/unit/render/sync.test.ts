import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { engineOf } from '../../../bootstrap/engines/index.js'
import { desiredContent, reconcilePins, renderClusterKustomization } from '../../../bootstrap/render/repo-files.js'
import { renderSopsConfig, renderSopsSecret, sopsPathRegex } from '../../../bootstrap/render/secrets.js'
import { Secret } from '../../../bootstrap/tools/secrets.js'
import { goldenSpec } from '../steps/gitops/support.js'

const RECIPIENT = 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p'

describe('root sync and repository files', () => {
  it('renders one root sync per engine and keeps it in the engine folder', () => {
    const [flux, argocd] = [goldenSpec('flux'), goldenSpec('argocd')]
    expect(
      engineOf(flux)
        .rootSync(flux)
        .map((object) => object.kind),
    ).toEqual(['GitRepository', 'Kustomization'])
    expect(
      engineOf(argocd)
        .rootSync(argocd)
        .map((object) => object.kind),
    ).toEqual(['Application'])
    expect(engineOf(flux).rootSyncFile(flux)).toBe('clusters/lab/flux-system/sync.yaml')
    expect(engineOf(argocd).rootSyncFile(argocd)).toBe('clusters/lab/argocd/root.yaml')
  })

  it('writes the cluster kustomization listing the engine and components folders, and keeps folders others listed', () => {
    const entries = ['flux-system', 'components']
    const fresh = renderClusterKustomization('clusters/lab', entries)
    expect(fresh.path).toBe('clusters/lab/kustomization.yaml')
    expect(parse(fresh.content)).toMatchObject({ kind: 'Kustomization', resources: ['flux-system', 'components'] })
    const existing = '# mine\napiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - apps\n'
    const merged = renderClusterKustomization('clusters/lab', entries, existing).content
    expect(parse(merged).resources).toEqual(['flux-system', 'components', 'apps'])
    expect(merged).toContain('# mine')
    expect(renderClusterKustomization('clusters/lab', entries, merged).content).toBe(merged)
    for (const written of ['./flux-system', 'flux-system/', './flux-system/']) {
      const theirs = `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ${written}\n  - components\n`
      expect(renderClusterKustomization('clusters/lab', entries, theirs).content).toBe(theirs)
    }
  })

  it("after an engine switch, drops the other engine's folder it listed, keeping the user's entries and comments", () => {
    const flux = renderClusterKustomization('clusters/lab', ['flux-system', 'components']).content
    const mine = flux.replace('  - components\n', '  - components\n  # my own\n  - apps\n')
    const switched = renderClusterKustomization('clusters/lab', ['argocd', 'components'], mine, ['flux-system']).content
    expect(parse(switched).resources).toEqual(['argocd', 'components', 'apps'])
    expect(switched).toContain('# my own')
    expect(renderClusterKustomization('clusters/lab', ['argocd', 'components'], switched, ['flux-system']).content).toBe(switched)
  })

  it('keeps edits to pinned files and only brings the version pins in line', () => {
    const spec = goldenSpec('flux')
    const pins = engineOf(spec)
      .files(spec)
      .find((file) => file.path.endsWith('flux-instance.yaml'))!.pins!
    const edited = `# my comment\napiVersion: fluxcd.controlplane.io/v1\nkind: FluxInstance\nmetadata:\n  name: flux\n  namespace: flux-system\nspec:\n  distribution:\n    version: 2.6.0\n    registry: ghcr.io/fluxcd\n  kustomize:\n    patches: []\n`
    const updated = reconcilePins(edited, pins)
    expect(parse(updated).spec).toMatchObject({ distribution: { version: '2.9.5' }, kustomize: { patches: [] } })
    expect(updated).toContain('# my comment')
    expect(reconcilePins(updated, pins)).toBe(updated)
  })

  it('reads values files back as the user left them and rewrites kindling-owned files', () => {
    const flux = goldenSpec('flux')
    const operatorValues = engineOf(flux)
      .files(flux)
      .find((file) => file.path.endsWith('flux-operator-values.yaml'))!
    expect(desiredContent(operatorValues, 'resources: {}\n')).toBe('resources: {}\n')
    const spec = goldenSpec('argocd')
    const files = engineOf(spec).files(spec)
    const root = files.find((file) => file.path.endsWith('root.yaml'))!
    expect(desiredContent(root, 'stale')).toBe(root.content)
    expect(desiredContent(root, undefined)).toBe(root.content)
  })

  it('keeps the Argo CD values a user wrote and adds back only the health checks sync waves rely on', () => {
    const spec = goldenSpec('argocd')
    const values = engineOf(spec)
      .files(spec)
      .find((file) => file.path.endsWith('argocd/values.yaml'))!
    const mine = '# my values\nserver:\n  replicas: 2\nconfigs:\n  cm:\n    timeout.reconciliation: 30s\n'
    const kept = desiredContent(values, mine)
    const parsed = parse(kept) as { server: unknown; configs: { cm: Record<string, string> } }
    expect(kept).toContain('# my values')
    expect(parsed.server).toEqual({ replicas: 2 })
    expect(parsed.configs.cm['timeout.reconciliation']).toBe('30s')
    expect(Object.keys(parsed.configs.cm)).toContain('resource.customizations.health.pkg.crossplane.io_Provider')
    expect(desiredContent(values, kept)).toBe(kept)
  })
})

describe('secrets and SOPS config', () => {
  it('writes a .sops.yaml rule for the cluster folder that encrypts only Secret payloads', () => {
    const text = renderSopsConfig(goldenSpec('flux'), RECIPIENT)
    expect(parse(text)).toEqual({ creation_rules: [{ path_regex: 'clusters/lab/.*\\.sops\\.ya?ml$', encrypted_regex: '^(data|stringData)$', age: RECIPIENT }] })
    expect(new RegExp(sopsPathRegex(goldenSpec('flux'))).test('clusters/lab/apps/db.sops.yaml')).toBe(true)
    expect(renderSopsConfig(goldenSpec('flux'), RECIPIENT, text)).toBe(text)
  })

  it('puts this cluster first and keeps other clusters rules', () => {
    const other = 'creation_rules:\n  - path_regex: clusters/other/.*\\.sops\\.ya?ml$\n    age: age1other\n'
    const rules = parse(renderSopsConfig(goldenSpec('flux'), RECIPIENT, other)).creation_rules as { path_regex: string }[]
    expect(rules.map((rule) => rule.path_regex)).toEqual(['clusters/lab/.*\\.sops\\.ya?ml$', 'clusters/other/.*\\.sops\\.ya?ml$'])
  })

  it('formats repository credentials the way each engine reads them, with values masked in output', () => {
    const key = new Secret('-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----\n', 'deploy key')
    const fluxSpec = goldenSpec('flux', { auth: 'type: ssh', url: 'ssh://git@github.com/x/y.git' })
    const argoSpec = goldenSpec('argocd', { auth: 'type: https\ntokenEnv: T' })
    const flux = engineOf(fluxSpec).renderRepoSecret(fluxSpec, { type: 'ssh', privateKey: key, knownHosts: 'github.com ssh-ed25519 AAAA\n' })
    expect(flux.metadata).toEqual({ name: 'flux-system', namespace: 'flux-system', labels: { 'app.kubernetes.io/managed-by': 'kindling' } })
    expect(Object.keys(flux.stringData as object)).toEqual(['identity', 'known_hosts'])
    const argo = engineOf(argoSpec).renderRepoSecret(argoSpec, { type: 'https', username: 'git', token: new Secret('tok-123456789', 'T') })
    expect(argo.metadata.labels).toEqual({ 'app.kubernetes.io/managed-by': 'kindling', 'argocd.argoproj.io/secret-type': 'repository' })
    expect(argo.stringData).toMatchObject({ type: 'git', url: 'https://github.com/example/lab.git', username: 'git' })
    expect(JSON.stringify([flux, argo])).not.toMatch(/abc|tok-123456789/)
  })

  it('stores the age key under the key name each engine decrypts with', () => {
    const contents = new Secret('# public key: age1x\nAGE-SECRET-KEY-1XYZ\n', 'age key file')
    const ref = (engine: 'flux' | 'argocd') => engineOf(goldenSpec(engine)).sopsSecretRef(goldenSpec(engine))
    expect(Object.keys(renderSopsSecret(ref('flux'), contents).stringData as object)).toEqual(['age.agekey'])
    expect(renderSopsSecret(ref('argocd'), contents).metadata).toEqual({
      name: 'sops-age',
      namespace: 'argocd',
      labels: { 'app.kubernetes.io/managed-by': 'kindling' },
    })
  })
})
