// The wizard's questions about the cluster itself: its name, where it runs, and then either the
// kind cluster's nodes and host ports or the existing cluster's kubeconfig and context.

import { quoted, typed } from '../spec/quoting.js'
import { DEFAULTS } from '../spec/defaults.js'
import { fieldCheck, workerCount } from '../spec/fields.js'
import type { Asking } from './wizard-asking.js'
import { checkFilePath, checkKindPort, checkName, checkWorkers, kubeconfigPath, notPort } from './wizard-checks.js'
import { KIND_FLAGS, KUBE_FLAGS } from './wizard-flags.js'
import type { WizardAnswers } from './wizard.js'
import { kubeconfigHolding } from '../kube/contexts.js'

/** The cluster's name, and whether its existing spec may be replaced. */
export async function askName({ ask, p, prompter, problems, hints, given }: Asking): Promise<Pick<WizardAnswers, 'name' | 'replace'>> {
  // A name is a DNS label, and its folder must be one the spec can be written into.
  const usable = (value: string): string | true => {
    const named = checkName(value)
    return named === true ? (hints.folderProblem?.(value) ?? true) : named
  }
  let name = await ask(
    'name',
    '--cluster NAME (or -c)',
    () => p.input({ message: 'Cluster name (a folder under clusters/)', default: 'homelab', validate: usable }),
    { check: usable },
  )
  let replace = given.replace ?? false
  while (name && usable(name) === true && !replace && hints.clusterExists(name)) {
    if (!prompter) {
      problems.push(`--cluster ${name}: clusters/${name}/cluster.yaml already exists: pass --yes to replace it, or choose another name`)
      break
    }
    const choice = await p.select({
      message: `clusters/${name}/cluster.yaml already exists`,
      choices: [
        { value: 'other', name: 'pick another name' },
        { value: 'replace', name: `replace clusters/${name}/cluster.yaml` },
      ],
    })
    if (choice === 'replace') replace = true
    // An existing name typed again comes back to this choice: replacing it stays possible.
    else name = await p.input({ message: 'Cluster name', validate: usable })
  }
  return { name, replace }
}

type Placement = Pick<WizardAnswers, 'provider' | 'workers' | 'httpPort' | 'httpsPort' | 'registryPort' | 'kubeconfig' | 'context'>

/** Where the cluster `name` runs, and what that provider needs to know. */
export async function askPlacement(asking: Asking, name: string): Promise<Placement> {
  const { ask, p, given, named, note } = asking
  // --kubeconfig or --context without --provider: an existing cluster is meant.
  const impliedProvider = KUBE_FLAGS.some((key) => given[key] !== undefined) ? 'existing' : 'kind'
  const provider = await ask(
    'provider',
    '--provider kind|existing',
    () =>
      p.select({
        message: 'Where does the cluster run?',
        choices: [
          { value: 'kind', name: 'kind: a local cluster in Docker on this machine' },
          { value: 'existing', name: 'existing: a cluster that already runs (k3s, Talos, kubeadm, managed)' },
        ],
        default: impliedProvider,
      }),
    { fallback: impliedProvider },
  )
  const kind = provider === 'kind'
  const unused = kind ? named(KUBE_FLAGS) : named(KIND_FLAGS)
  // Flags of both providers together are a conflict, reported already: no note besides.
  const mixed = named(KUBE_FLAGS).length > 0 && named(KIND_FLAGS).length > 0
  if (unused.length && given.provider === undefined && !mixed) note(`${unused.join(', ')}: not used for ${kind ? 'a kind cluster' : 'an existing cluster'}`)
  const nodes = kind
    ? await askKindNodes(asking, (await asking.hints.portsTaken?.(name)) ?? new Map<number, string>())
    : { workers: 0, httpPort: 8080, httpsPort: 8443, registryPort: DEFAULTS.kind.localRegistryPort }
  const access = kind ? { kubeconfig: '', context: '' } : await askKubeContext(asking)
  return { provider, ...nodes, ...access }
}

/** `from`, or the first port above it that `taken` and `also` leave free: two kind clusters cannot bind one host port. */
function freePort(from: number, taken: ReadonlyMap<number, string>, also: readonly number[] = []): number {
  let port = from
  while (taken.has(port) || also.includes(port)) port++
  return port
}

/** Who binds each port from `from` up to `to` (all taken): `5001 is bound by clusters/a, 5002 by clusters/b`. */
function portsHeld(from: number, to: number, taken: ReadonlyMap<number, string>): string {
  const held: string[] = []
  for (let port = from; port < to; port++) held.push(`${port} ${port === from ? 'is bound by' : 'by'} ${taken.get(port)}`)
  return held.join(', ')
}

/** A kind cluster's worker count and the host ports HTTP and HTTPS come in on, by default ones no other cluster's spec binds. */
async function askKindNodes(
  { ask, p, given, problems, note }: Asking,
  taken: ReadonlyMap<number, string>,
): Promise<Pick<WizardAnswers, 'workers' | 'httpPort' | 'httpsPort' | 'registryPort'>> {
  // The local registry's port is not asked; the HTTP and HTTPS defaults leave it free.
  const registryPort = freePort(DEFAULTS.kind.localRegistryPort, taken)
  const httpDefault = freePort(8080, taken, [registryPort, given.httpsPort ?? 0])
  const workers = await ask(
    'workers',
    '--workers N',
    async () => Number(await p.input({ message: 'Worker nodes (0 to 10; the control plane runs workloads too)', default: '0', validate: checkWorkers })),
    { fallback: 0, check: (value) => fieldCheck(workerCount)(value) },
  )
  const httpQuestion = async (): Promise<number> =>
    Number(
      await p.input({
        message: 'Host port for HTTP into the cluster (node port 30080)',
        default: String(httpDefault),
        validate: notPort(given.httpsPort, 'HTTPS', '--https-port', registryPort),
      }),
    )
  const httpPort = await ask('httpPort', '--http-port PORT', httpQuestion, { fallback: httpDefault, check: checkKindPort(registryPort) })
  const httpsDefault = freePort(8443, taken, [registryPort, httpPort])
  const httpsQuestion = async (): Promise<number> =>
    Number(
      await p.input({
        message: 'Host port for HTTPS into the cluster (node port 30443)',
        default: String(httpsDefault),
        validate: notPort(httpPort, 'HTTP', undefined, registryPort),
      }),
    )
  const httpsPort = await ask('httpsPort', '--https-port PORT', httpsQuestion, { fallback: httpsDefault, check: checkKindPort(registryPort) })
  // Allowed (the two may never run at once), but said: bootstrap refuses a port in use when it starts.
  for (const port of [httpPort, httpsPort]) {
    const owner = taken.get(port)
    if (owner) note(`host port ${port} is also bound by ${owner}; the two clusters cannot run at the same time`)
  }
  if (registryPort !== DEFAULTS.kind.localRegistryPort)
    note(`the local registry takes host port ${registryPort}: ${portsHeld(DEFAULTS.kind.localRegistryPort, registryPort, taken)}`)
  // Both given and equal is a flag conflict, reported already.
  const bothGiven = given.httpPort !== undefined && given.httpsPort !== undefined
  if (httpPort === httpsPort && !bothGiven) problems.push(`--https-port: ${httpsPort} is already the HTTP port`)
  return { workers, httpPort, httpsPort, registryPort }
}

/** An existing cluster's kubeconfig file and the one context in it kindling may use. */
async function askKubeContext({ ask, p, hints }: Asking): Promise<Pick<WizardAnswers, 'kubeconfig' | 'context'>> {
  // A relative path is read from where the wizard runs, and written so the spec finds it from anywhere.
  const located = (file: string): string => kubeconfigPath(file, hints.cwd)
  const checkKubeconfig = (file: string): true | string => {
    if (!file.trim()) return 'needs the path of a kubeconfig file'
    // `~alice/` or `$HOME/` is not expanded: the spec's rule says so, where "does not exist" would mislead.
    const path = checkFilePath(file.trim())
    if (path !== true) return `${typed(file)} ${path}`
    const { names, problem } = hints.contextsOf(located(file))
    if (problem) return `${typed(file)} ${problem}`
    return names.length ? true : `${typed(file)} has no contexts`
  }
  const defaultKubeconfig = hints.kubeconfig ?? DEFAULTS.existing.kubeconfig
  const typedKubeconfig = await ask(
    'kubeconfig',
    '--kubeconfig FILE',
    () => p.input({ message: 'Kubeconfig file', default: defaultKubeconfig, validate: checkKubeconfig }),
    { fallback: defaultKubeconfig, check: checkKubeconfig },
  )
  const kubeconfig = typedKubeconfig === undefined ? typedKubeconfig : located(typedKubeconfig)
  const { names: contexts, current } = kubeconfig === undefined ? { names: [] } : hints.contextsOf(kubeconfig)
  // kubectl merges the files $KUBECONFIG lists: a context in another of them is found there, and named.
  const elsewhere = (value: string): string => {
    const other = kubeconfig === undefined ? undefined : kubeconfigHolding(value, hints.kubeconfigs ?? [], kubeconfig, hints.contextsOf)
    return other ? `; it is in ${other}, which $KUBECONFIG lists: pass --kubeconfig ${other}` : ''
  }
  const context = await ask(
    'context',
    '--context NAME',
    () =>
      p.select({
        message: 'Kubeconfig context (kindling will touch no other)',
        choices: contexts.map((c) => ({ value: c, name: c === current ? `${c} (current)` : c })),
        default: current,
      }),
    {
      choices: contexts.length ? `${typed(kubeconfig ?? '')} has ${contexts.map((c) => (c === current ? `${c} (current)` : c)).join(', ')}` : undefined,
      // A kubeconfig that cannot be read is one problem, not two.
      check: (value) =>
        contexts.includes(value) ||
        checkKubeconfig(typedKubeconfig) !== true ||
        `${typed(kubeconfig ?? '')} has no context ${quoted(value)} (it has: ${contexts.join(', ') || 'none'})${elsewhere(value)}`,
    },
  )
  return { kubeconfig, context }
}
