import type { KubeClient, KubeObject, ObjectRef } from '../kube/client.js'

/** The commit SHA in a Flux revision (`main@sha1:<sha>`, or the older `main/<sha>`) or an Argo CD one. */
export function revisionSha(revision: unknown): string | undefined {
  if (typeof revision !== 'string') return undefined
  return /(?:^|[@/:])([0-9a-f]{40}(?:[0-9a-f]{24})?)$/.exec(revision)?.[1]
}

/** The controller has seen the object's latest spec. */
export function observedCurrent(object: KubeObject): boolean {
  const observed = (object.status as { observedGeneration?: number } | undefined)?.observedGeneration
  return observed === undefined || observed >= Number(object.metadata.generation ?? 0)
}

/** A headline for an object that is not ready, followed by its most recent events. */
export async function withEvents(kube: KubeClient, ref: ObjectRef, headline: string, signal?: AbortSignal): Promise<string[]> {
  const events = await kube.events(ref, 3, { signal }).catch(() => [])
  return [headline, ...events.map((line) => `    event: ${line}`)]
}

/** The first 7 characters of a commit, for messages; anything else (a dry run's placeholder) as it is. */
export function shortSha(sha: string): string {
  return /^[0-9a-f]{40}/.test(sha) ? sha.slice(0, 7) : sha
}
