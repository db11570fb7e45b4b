import { readFileSync } from 'node:fs'
import path from 'node:path'
import { PROJECT_ROOT } from '../project.js'

/** A command-line tool kindling may need, and how to tell which version is installed. */
export interface ToolInfo {
  /** The executable name. */
  binary: string
  /** The Devbox/Nix package that provides it. */
  devboxPackage: string
  versionArgs: readonly string[]
  /** First capture group is the version (without a leading v). */
  versionPattern: RegExp
  /** Where to get it without Devbox. */
  homepage: string
}

export const TOOLS: Readonly<Record<string, ToolInfo>> = {
  docker: {
    binary: 'docker',
    devboxPackage: '',
    versionArgs: ['version', '--format', '{{.Client.Version}}'],
    versionPattern: /(\d+\.\d+\.\d+)/,
    homepage: 'https://docs.docker.com/engine/install/',
  },
  kind: {
    binary: 'kind',
    devboxPackage: 'kind',
    versionArgs: ['version'],
    versionPattern: /v(\d+\.\d+\.\d+)/,
    homepage: 'https://kind.sigs.k8s.io/docs/user/quick-start/#installation',
  },
  kubectl: {
    binary: 'kubectl',
    devboxPackage: 'kubectl',
    versionArgs: ['version', '--client'],
    versionPattern: /Client Version: v(\d+\.\d+\.\d+)/,
    homepage: 'https://kubernetes.io/docs/tasks/tools/',
  },
  helm: {
    binary: 'helm',
    devboxPackage: 'kubernetes-helm',
    versionArgs: ['version', '--short'],
    versionPattern: /v(\d+\.\d+\.\d+)/,
    homepage: 'https://helm.sh/docs/intro/install/',
  },
  flux: {
    binary: 'flux',
    devboxPackage: 'fluxcd',
    versionArgs: ['version', '--client'],
    versionPattern: /(\d+\.\d+\.\d+)/,
    homepage: 'https://fluxcd.io/flux/installation/#install-the-flux-cli',
  },
  argocd: {
    binary: 'argocd',
    devboxPackage: 'argocd',
    versionArgs: ['version', '--client', '--short'],
    versionPattern: /v(\d+\.\d+\.\d+)/,
    homepage: 'https://argo-cd.readthedocs.io/en/stable/cli_installation/',
  },
  git: { binary: 'git', devboxPackage: 'git', versionArgs: ['--version'], versionPattern: /(\d+\.\d+\.\d+)/, homepage: 'https://git-scm.com/downloads' },
  'age-keygen': {
    binary: 'age-keygen',
    devboxPackage: 'age',
    versionArgs: ['--version'],
    versionPattern: /v?(\d+\.\d+\.\d+)/,
    homepage: 'https://github.com/FiloSottile/age#installation',
  },
  sops: {
    binary: 'sops',
    devboxPackage: 'sops',
    versionArgs: ['--version', '--disable-version-check'],
    versionPattern: /(\d+\.\d+\.\d+)/,
    homepage: 'https://getsops.io/docs/#download',
  },
  ssh: { binary: 'ssh', devboxPackage: '', versionArgs: ['-V'], versionPattern: /OpenSSH_(\d+\.\d+)/, homepage: 'https://www.openssh.com/portable.html' },
  'ssh-keygen': {
    binary: 'ssh-keygen',
    devboxPackage: '',
    versionArgs: ['-V'],
    versionPattern: /(\d+\.\d+)/,
    homepage: 'https://www.openssh.com/portable.html',
  },
}

const DEVBOX_JSON = path.join(PROJECT_ROOT, 'devbox.json')

/** Pinned versions from devbox.json, the one place tool versions are chosen: package → version. */
export function pinnedVersions(devboxJson = DEVBOX_JSON): Map<string, string> {
  const packages: unknown = JSON.parse(readFileSync(devboxJson, 'utf8')).packages
  const entries: [string, string][] = Array.isArray(packages)
    ? packages.map((entry: string) => {
        const at = entry.lastIndexOf('@')
        return at > 0 ? [entry.slice(0, at), entry.slice(at + 1)] : [entry, 'latest']
      })
    : Object.entries(packages as Record<string, string | { version: string }>).map(([name, value]) => [name, typeof value === 'string' ? value : value.version])
  return new Map(entries)
}

/** True when `installed` (1.2.3) satisfies a Devbox pin (`1.2`, `1.2.3`, `latest`). */
export function satisfiesPin(installed: string, pin: string): boolean {
  if (pin === 'latest' || pin === '') return true
  const want = pin.replace(/^v/, '').split('.')
  const have = installed.replace(/^v/, '').split('.')
  return want.every((part, index) => part === have[index])
}

/** How to get a missing tool: the Devbox way first, then the upstream instructions. */
export function installHint(binary: string): string {
  const tool = Object.values(TOOLS).find((t) => t.binary === binary)
  if (!tool) return `install ${binary} and make sure it is on PATH`
  if (!tool.devboxPackage) return `install it: ${tool.homepage}`
  const pin = pinnedVersions().get(tool.devboxPackage)
  return `run inside \`devbox shell\` (devbox.json pins ${tool.devboxPackage}@${pin ?? 'latest'}), or install it: ${tool.homepage}`
}
