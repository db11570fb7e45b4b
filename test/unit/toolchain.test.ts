import { execFileSync, spawnSync } from 'node:child_process'
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { DEFAULTS } from '../../bootstrap/spec/defaults.js'

const root = fileURLToPath(new URL('../../', import.meta.url))
const devbox = JSON.parse(readFileSync(`${root}devbox.json`, 'utf8')) as Record<string, unknown> & { packages: string[]; shell?: Record<string, unknown> }

/** devbox `name@version` → the versioned nixpkgs attribute flake.nix must use for the same pin. */
function nixAttribute(entry: string): string {
  const [name, version = ''] = entry.split('@')
  const [major, minor] = version.split('.')
  if (name === 'nodejs') return `nodejs_${major}`
  if (name === 'go') return `go_${major}_${minor}`
  return name!
}

/**
 * Evaluate flake.nix with nix-instantiate against a stub nixpkgs that has exactly the attributes
 * devbox.json implies: a flake naming any other package fails to evaluate ("undefined variable").
 */
function flakePackages(attributes: string[]): string[] {
  const stubPackages = attributes.map((name) => `"${name}" = "${name}";`).join(' ')
  const expression = `
    let
      flake = import ${root}flake.nix;
      genAttrs = names: f: builtins.listToAttrs (map (n: { name = n; value = f n; }) names);
      pkgs = { ${stubPackages} mkShell = args: args.packages; };
      nixpkgs = { lib = { inherit genAttrs; }; legacyPackages = genAttrs [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ] (s: pkgs); };
      outputs = flake.outputs { self = {}; inherit nixpkgs; };
    in outputs.devShells.x86_64-linux.default`
  const out = execFileSync('nix-instantiate', ['--eval', '--strict', '--json', '-E', expression], { encoding: 'utf8' })
  return JSON.parse(out) as string[]
}

describe('toolchain', () => {
  it('flake.nix and devbox.json name the same tools', () => {
    const expected = devbox.packages.map(nixAttribute)
    expect(flakePackages(expected).sort()).toEqual([...expected].sort())
  })

  it('pins Node 22 or 24 in both front doors, never the end-of-life Node 20', () => {
    const node = devbox.packages.find((entry) => entry.startsWith('nodejs@'))
    expect(node).toMatch(/^nodejs@(22|24)(\.|$)/)
    expect(readFileSync(`${root}flake.nix`, 'utf8')).toMatch(/\bnodejs_(22|24)\b/)
  })

  it('flake.nix parses', () => {
    expect(() => execFileSync('nix-instantiate', ['--parse', `${root}flake.nix`], { stdio: 'pipe' })).not.toThrow()
  })

  it('devbox.json uses only the keys Devbox accepts', () => {
    // From Devbox's schema (.schema/devbox.schema.json at the version devbox.json's $schema names): additionalProperties is false at the top level and in `shell`.
    const topLevel = ['$schema', 'name', 'description', 'packages', 'env', 'shell', 'include', 'env_from', 'nixpkgs', 'aliases']
    const shell = ['init_hook', 'scripts']
    expect(Object.keys(devbox).filter((key) => !topLevel.includes(key))).toEqual([])
    expect(Object.keys(devbox.shell ?? {}).filter((key) => !shell.includes(key))).toEqual([])
  })

  it('pins every package to a version', () => {
    expect(devbox.packages.filter((entry) => !/@\d/.test(entry))).toEqual([])
  })

  it("pins a kubectl within Kubernetes' one-minor skew of the default kind node", () => {
    // kubectl supports one minor version older or newer than the API server it talks to.
    const minor = (version: string): number => Number(/^v?1\.(\d+)/.exec(version)?.[1])
    const kubectl = devbox.packages.find((entry) => entry.startsWith('kubectl@'))!
    expect(Math.abs(minor(kubectl.split('@')[1]!) - minor(DEFAULTS.kind.kubernetesVersion))).toBeLessThanOrEqual(1)
  })

  it('pins the Crossplane CLI of the Crossplane release line kindling installs', () => {
    // nixpkgs builds crossplane-cli from crossplane/cli since 2.3, whose release lines follow Crossplane's.
    const cli = devbox.packages.find((entry) => entry.startsWith('crossplane-cli@'))!.split('@')[1]!
    expect(cli.split('.').slice(0, 2)).toEqual(DEFAULTS.components.crossplane.version.split('.').slice(0, 2))
  })

  it('pins the kustomize the validate workflow builds every cluster folder with', () => {
    const workflow = readFileSync(`${root}.github/workflows/validate.yml`, 'utf8')
    const kustomize = devbox.packages.find((entry) => entry.startsWith('kustomize@'))!.split('@')[1]
    expect(`v${kustomize}`).toBe(/KUSTOMIZE_VERSION: (v[\d.]+)/.exec(workflow)?.[1])
  })

  it("keeps stdout for the tool's own output: the first shell's npm ci writes to stderr (--json | jq)", () => {
    // A fresh clone: no node_modules, and an npm that prints what npm ci prints.
    const dir = mkdtempSync(path.join(tmpdir(), 'kindling-devbox-'))
    writeFileSync(path.join(dir, 'npm'), '#!/bin/sh\necho "> kindling@0.1.0 prepare"\necho "added 300 packages in 9s"\n')
    chmodSync(path.join(dir, 'npm'), 0o755)
    const env = { ...process.env, PATH: `${dir}:${process.env.PATH}` }
    const hooks = [...((devbox.shell?.init_hook ?? []) as string[]), /shellHook = ''\n([\s\S]*?)'';/.exec(readFileSync(`${root}flake.nix`, 'utf8'))![1]!]
    for (const hook of hooks) {
      const stdout = execFileSync('sh', ['-c', hook], { cwd: dir, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      expect(stdout, hook).toBe('')
    }
  })

  it('offers every kindling command as a Devbox script and an npm script, each running the launcher and nothing else', () => {
    // The commands as the launcher names them for an unknown one.
    const unknown = spawnSync(process.execPath, [`${root}bin/kindling.js`, 'no-such-command'], { encoding: 'utf8' })
    const commands = /commands: (.+)\n/.exec(unknown.stderr)![1]!.split(', ')
    expect(commands).toEqual(expect.arrayContaining(['bootstrap', 'status', 'destroy', 'wizard', 'schema']))
    const scripts = (devbox.shell?.scripts ?? {}) as Record<string, string>
    const npmScripts = (JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { scripts: Record<string, string> }).scripts
    for (const command of commands) {
      expect(scripts[command], command).toBe(`node bin/kindling.js ${command} "$@"`)
      expect(npmScripts[command], command).toBe(`node bin/kindling.js ${command}`)
    }
    expect(scripts.test).toBe('npm test')
  })
})
