import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { runWizard } from '../../../bootstrap/cli/wizard.js'
import { loadClusterSpec } from '../../../bootstrap/spec/load.js'
import { RecordingRunner } from '../../../bootstrap/tools/recording-runner.js'
import type { Prompter } from '../../../bootstrap/ui/wizard.js'

let dir = ''
afterEach(() => rmSync(dir, { recursive: true, force: true }))

function repo(): string {
  dir = mkdtempSync(path.join(os.tmpdir(), 'kindling-wizard-'))
  mkdirSync(path.join(dir, 'clusters'))
  return dir
}

function io(cwd: string, prompter?: Prompter) {
  const out: string[] = []
  const err: string[] = []
  const runner = new RecordingRunner([{ match: /remote get-url origin/, stdout: 'git@github.com:me/lab.git' }])
  return { value: { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t), cwd, runner, prompter }, out, err }
}

/** Answers questions in order, by the start of their message. */
function scripted(answers: Record<string, string | boolean>): Prompter & { asked: string[] } {
  const asked: string[] = []
  const answer = (message: string): string | boolean => {
    asked.push(message)
    const key = Object.keys(answers).find((k) => message.startsWith(k))
    if (key === undefined) throw new Error(`unexpected question: ${message}`)
    return answers[key]!
  }
  return {
    asked,
    input: async ({ message }) => String(answer(message)),
    select: async ({ message }) => answer(message) as never,
    confirm: async ({ message }) => Boolean(answer(message)),
  }
}

describe('wizard', () => {
  it('asks a person and writes a spec that bootstrap accepts', async () => {
    const root = repo()
    const prompter = scripted({
      'Cluster name': 'lab',
      'Where does': 'kind',
      'Worker nodes': '2',
      'GitOps engine': 'argocd',
      'Git repository': 'git@github.com:me/lab.git',
      Branch: 'main',
      'Install Crossplane': true,
      'Install kube-prometheus-stack': false,
    })
    const t = io(root, prompter)
    expect(await runWizard([], t.value)).toBe(0)
    const spec = await loadClusterSpec(root, 'lab')
    expect(spec.gitops.engine).toBe('argocd')
    expect(spec.repository.auth.type).toBe('ssh')
    expect(spec.components.monitoring.enabled).toBe(false)
    expect(spec.provider.type === 'kind' && spec.provider.nodes.workers).toBe(2)
    expect(readFileSync(spec.file, 'utf8').split('\n')[0]).toBe('# yaml-language-server: $schema=../../bootstrap/spec/cluster.schema.json')
    // An SSH URL implies a deploy key: the wizard does not ask about access.
    expect(prompter.asked.some((q) => q.startsWith('Repository access'))).toBe(false)
  })

  it('runs without a terminal from flags, defaulting what is optional', async () => {
    const root = repo()
    const t = io(root)
    expect(await runWizard(['--name', 'edge', '--provider', 'existing', '--context', 'edge-admin', '--repo', 'https://example.com/r.git', '--auth', 'https', '--token-env', 'GIT_TOKEN', '--no-monitoring'], t.value)).toBe(0)
    const spec = await loadClusterSpec(root, 'edge')
    expect(spec.provider).toMatchObject({ type: 'existing', context: 'edge-admin' })
    expect(spec.repository.auth).toEqual({ type: 'https', tokenEnv: 'GIT_TOKEN', username: 'git' })
    expect(spec.gitops.engine).toBe('flux')
  })

  it('uses the checkout origin as the default repository', async () => {
    const root = repo()
    expect(await runWizard(['--name', 'lab'], io(root).value)).toBe(0)
    expect((await loadClusterSpec(root, 'lab')).repository.url).toBe('git@github.com:me/lab.git')
  })

  it('without a terminal, names the flags it still needs and exits 2', async () => {
    const t = io(repo())
    expect(await runWizard(['--provider', 'existing'], t.value)).toBe(2)
    expect(t.err.join('')).toMatch(/--name NAME, --context NAME/)
  })

  it('never overwrites an existing spec without --yes', async () => {
    const root = repo()
    expect(await runWizard(['--name', 'lab'], io(root).value)).toBe(0)
    const t = io(root)
    expect(await runWizard(['--name', 'lab', '--engine', 'argocd'], t.value)).toBe(2)
    expect(t.err.join('')).toMatch(/already exists/)
    expect((await loadClusterSpec(root, 'lab')).gitops.engine).toBe('flux')
    expect(await runWizard(['--name', 'lab', '--engine', 'argocd', '--yes'], io(root).value)).toBe(0)
    expect((await loadClusterSpec(root, 'lab')).gitops.engine).toBe('argocd')
  })

  it('rejects bad flag values with exit 2', async () => {
    const t = io(repo())
    expect(await runWizard(['--engine', 'jenkins'], t.value)).toBe(2)
    expect(t.err.join('')).toMatch(/--engine must be one of: flux, argocd/)
  })
})
