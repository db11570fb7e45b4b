import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { ExitCode } from '../../../bootstrap/engine/errors.js'
import { KubeClient } from '../../../bootstrap/kube/client.js'

describe('a kubeconfig that is no file', () => {
  it('is refused by name before the API library reads it: a device would never end, a folder or a missing file says so', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kindling-kubeconfig-'))
    try {
      // /dev/zero read synchronously would fill memory and hold the process past any signal.
      expect(() => KubeClient.fromKubeconfig({ file: '/dev/zero', context: 'lab' })).toThrow(
        expect.objectContaining({
          exitCode: ExitCode.missingPrerequisite,
          message: 'kubeconfig /dev/zero is not a regular file (a pipe or a device): reading it would not end',
        }),
      )
      expect(() => KubeClient.fromKubeconfig({ file: dir, context: 'lab' })).toThrow(`kubeconfig ${dir} is a folder, not a file`)
      expect(() => KubeClient.fromKubeconfig({ file: path.join(dir, 'config'), context: 'lab' })).toThrow(
        `kubeconfig ${path.join(dir, 'config')} does not exist`,
      )
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
