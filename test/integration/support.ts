import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { inject } from 'vitest'
import { KubeClient } from '../../bootstrap/kube/client.js'
import { USER_AGENT } from '../../bootstrap/kube/json-api.js'
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

interface AuditEvent {
  stage: string
  verb: string
  userAgent?: string
  requestURI: string
  responseStatus?: { code?: number }
}

/**
 * Every mutating request kindling sent while `work` ran, as "verb URI (HTTP code)" lines, read
 * from the API server's audit log: not what kindling says it did, what the server received.
 * Only kindling's user agent counts (controllers write status meanwhile).
 */
export async function kindlingWritesDuring(work: () => Promise<unknown>): Promise<string[]> {
  const file = controlPlane().auditLog
  const offset = readFileSync(file).length
  await work()
  // Blocking mode writes each event before the response; a short pause covers the file system.
  await sleep(200)
  return (
    readFileSync(file)
      .subarray(offset)
      .toString()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as AuditEvent)
      // A server-side dry run (dryRun=All) asks what would change and writes nothing.
      .filter(
        (event) => event.stage === 'ResponseComplete' && event.userAgent?.startsWith(USER_AGENT.split('/')[0]!) && !event.requestURI.includes('dryRun=All'),
      )
      .map((event) => `${event.verb} ${event.requestURI} (${event.responseStatus?.code ?? '?'})`)
  )
}

/** The steps of a GitOps bootstrap in order (`git-server` comes after `cluster` when the spec names no remote). */
const GITOPS_STEPS = ['cluster', 'engine', 'components', 'component-secrets', 'repo-credentials', 'sops-key', 'root-sync', 'push', 'health-gate', 'hooks']

/** What a bootstrap of a converged cluster reports, as `name:status`: every step found done. */
export function everyStepDone(options: { gitServer?: boolean } = {}): string[] {
  const steps = options.gitServer ? ['cluster', 'git-server', ...GITOPS_STEPS.slice(1)] : GITOPS_STEPS
  return steps.map((name) => `${name}:done`)
}
