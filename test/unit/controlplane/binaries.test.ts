import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest'
import { locateBinaries, PROGRAMS } from '../../integration/harness/binaries.js'

const dirs: string[] = []
afterEach(() => vi.unstubAllEnvs())
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })))

/** A folder of stand-in programs, as envtest's KUBEBUILDER_ASSETS or a Nix profile would hold. */
function assets(etcdVersion = '3.6.16'): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'kindling-assets-'))
  dirs.push(root)
  const bin = path.join(root, 'bin')
  mkdirSync(bin)
  mkdirSync(path.join(root, 'etc'))
  writeFileSync(path.join(root, 'etc', 'kwok-stages.yaml'), 'kind: Stage\n')
  for (const program of PROGRAMS) {
    const file = path.join(bin, program)
    writeFileSync(file, program === 'etcd' ? `#!/bin/sh\necho "etcd Version: ${etcdVersion}"\n` : '#!/bin/sh\nexit 0\n')
    chmodSync(file, 0o755)
  }
  return bin
}

describe('control-plane binaries', () => {
  it('come from KUBEBUILDER_ASSETS when it holds them, without building anything', () => {
    const bin = assets()
    vi.stubEnv('KUBEBUILDER_ASSETS', bin)
    const logs: string[] = []
    const found = locateBinaries((line) => logs.push(line))
    for (const program of PROGRAMS) expect(found[program]).toBe(path.join(bin, program))
    expect(found.kwokStages).toBe(path.join(bin, '..', 'etc', 'kwok-stages.yaml'))
    expect(logs).toEqual([])
  })

  it('come from PATH (say, Nix packages) when they are there', () => {
    const bin = assets()
    vi.stubEnv('KUBEBUILDER_ASSETS', '')
    vi.stubEnv('PATH', `${bin}${path.delimiter}${process.env.PATH ?? ''}`)
    const found = locateBinaries()
    expect(found['kube-apiserver']).toBe(path.join(bin, 'kube-apiserver'))
    expect(found.etcd).toBe(path.join(bin, 'etcd'))
  })
})
