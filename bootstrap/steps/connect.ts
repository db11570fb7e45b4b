import type { KubeClient } from '../kube/client.js'
import type { ClusterSpec } from '../spec/load.js'
import { shellQuote, type Runner } from '../tools/runner.js'
import type { Redactor } from '../tools/secrets.js'

/** The kubeconfig context kindling uses for a spec; it never touches any other. */
export function contextOf(spec: ClusterSpec): string {
  return spec.provider.type === 'kind' ? `kind-${spec.name}` : spec.provider.context
}

/** `kubectl --context kind-lab -n monitoring`: the command line a person pastes to reach the spec's cluster. */
export function kubectlFor(spec: ClusterSpec, namespace?: string, tool = 'kubectl'): string {
  // Quoted as a shell needs them: a kubeconfig under "/Users/Jane Doe" or a context named
  // "prod (eu)" would otherwise paste as other arguments, or as a syntax error.
  const kubeconfig = spec.provider.type === 'existing' ? ` --kubeconfig ${shellQuote(spec.provider.kubeconfig)}` : ''
  return `${tool}${kubeconfig} --context ${shellQuote(contextOf(spec))}${namespace ? ` -n ${namespace}` : ''}`
}

/**
 * A local port for a `kubectl port-forward` the run report suggests: `preferred`, or the next one
 * up that the spec's kind port mappings do not already bind (Argo CD's 8080 would meet the
 * example's ingress on 8080).
 */
export function localPortFor(spec: ClusterSpec, preferred: number): number {
  const taken = new Set(spec.provider.type === 'kind' ? (spec.provider.portMappings ?? []).map((mapping) => mapping.hostPort) : [])
  let port = preferred
  while (taken.has(port)) port += 1
  return port
}

/**
 * Flags that point kubectl-style tools (helm) at the spec's cluster and nowhere else. kind writes
 * its `kind-<name>` context into the default kubeconfig ($KUBECONFIG or ~/.kube/config) when it
 * creates the cluster; an existing cluster is reached through the spec's file and context.
 */
export function kubeTargetArgs(spec: ClusterSpec): string[] {
  const file = spec.provider.type === 'existing' ? ['--kubeconfig', spec.provider.kubeconfig] : []
  return [...file, '--kube-context', contextOf(spec)]
}

/**
 * Connect to the spec's cluster. kind clusters are reached through `kind get kubeconfig`, so the
 * user's kubeconfig is neither needed nor changed; existing clusters through their named context.
 */
export async function connectKube(spec: ClusterSpec, runner: Runner, signal?: AbortSignal, secrets?: Redactor): Promise<KubeClient> {
  // The API client library takes most of a second to load: only when a step first needs the cluster.
  const { KubeClient } = await import('../kube/client.js')
  if (spec.provider.type === 'kind') {
    const { stdout } = await runner.run({ file: 'kind', args: ['get', 'kubeconfig', '--name', spec.name], readOnly: true }, { signal })
    return KubeClient.fromKubeconfig({ yaml: stdout, context: contextOf(spec), bounds: { signal }, secrets })
  }
  // kindling does not start an existing cluster: a server that never answers is reported in seconds.
  const { FIRST_CONTACT_RETRY_MS } = await import('../kube/json-api.js')
  return KubeClient.fromKubeconfig({
    file: spec.provider.kubeconfig,
    context: spec.provider.context,
    bounds: { signal, firstContactRetryMs: FIRST_CONTACT_RETRY_MS },
    secrets,
  })
}
