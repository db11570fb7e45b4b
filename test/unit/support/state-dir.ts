import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll } from 'vitest'

// Each test file takes run locks and saves run reports in a folder of its own: files that run a
// real command on the same cluster name in parallel (and other test runs on this machine) would
// otherwise find each other's lock and stop with exit 3.
const dir = mkdtempSync(path.join(os.tmpdir(), 'kindling-test-state-'))
process.env.XDG_STATE_HOME = dir
// Nor does a test meet this machine's kubeconfig, which preflight reads for kind: none is there.
process.env.KUBECONFIG = path.join(dir, 'kubeconfig')
afterAll(() => rmSync(dir, { recursive: true, force: true }))
