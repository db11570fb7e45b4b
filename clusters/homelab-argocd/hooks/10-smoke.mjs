// A hook. After the health gate passes, kindling runs every clusters/<name>/hooks/*.mjs with zx, in
// name order, from the repository root. It is told the cluster (KINDLING_CLUSTER) and the one
// kubeconfig context to use (KINDLING_CONTEXT; KUBECONFIG too for an existing cluster). What it
// prints appears in the run report with secrets masked; a hook that fails fails the bootstrap.
// Hooks run after every successful bootstrap, so keep them safe to run again: this one only reads.
//
// A smoke test: every node Ready, and the example app (clusters/<name>/apps/) rolled out.
import process from 'node:process'
import { $, echo } from 'zx'

const kubectl = ['kubectl', '--context', process.env.KINDLING_CONTEXT]

const readiness = await $`${kubectl} get nodes -o ${'jsonpath={range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status}{" "}{end}'}`
const nodes = readiness.stdout.trim().split(/\s+/).filter(Boolean)
const notReady = nodes.filter((entry) => !entry.endsWith('=True'))
if (notReady.length) throw new Error(`nodes not Ready: ${notReady.join(', ')}`)
echo(`nodes: ${nodes.length} Ready`)

const app = await $`${kubectl} -n podinfo get deployment podinfo --ignore-not-found -o name`
if (app.stdout.trim()) {
  await $`${kubectl} -n podinfo rollout status deployment/podinfo --timeout=120s`
  echo('example app: podinfo rolled out')
}
