import { randomBytes } from 'node:crypto'
import { inject } from 'vitest'
import { KubeClient } from '../../bootstrap/kube/client.js'
import type { ControlPlaneInfo } from './harness/control-plane.js'

/** The control plane started by global-setup.ts for this run. */
export function controlPlane(): ControlPlaneInfo {
  return inject('controlPlane')
}

/** A KubeClient for the test control plane, through its named context. */
export function testKube(): KubeClient {
  const plane = controlPlane()
  return KubeClient.fromKubeconfig({ file: plane.kubeconfigFile, context: plane.context })
}

/** A DNS-safe name unique to this test, for namespaces and objects. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString('hex')}`
}
