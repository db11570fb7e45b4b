import type { TestProject } from 'vitest/node'
import { startControlPlane, type ControlPlaneInfo } from './harness/control-plane.js'

declare module 'vitest' {
  export interface ProvidedContext {
    controlPlane: ControlPlaneInfo
  }
}

/**
 * One real control plane for the whole integration run. If it cannot be built or started, this
 * throws and every integration test fails with the reason: they are never skipped.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = performance.now()
  const plane = await startControlPlane({ log: (line) => console.log(`[control plane] ${line}`) })
  console.log(
    `[control plane] kube-apiserver ${plane.version} at ${plane.server}, ${plane.nodes.length} kwok node(s) Ready, in ${((performance.now() - started) / 1000).toFixed(1)}s`,
  )
  const { children: _children, stop: _stop, restartApiServer: _restart, ...info } = plane
  project.provide('controlPlane', info)
  return () => plane.stop()
}
