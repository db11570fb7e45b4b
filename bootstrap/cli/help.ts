import type { CommandName } from './args.js'

const EXIT_CODES = `Exit codes:
  0    success (or nothing to do)
  1    a step failed or the cluster is not healthy
  2    bad input: invalid spec, unknown flag, refused confirmation
  3    missing prerequisite: a tool, the Docker daemon, a free port, a reachable context
  130  interrupted (Ctrl-C)`

const COMMON = `  -c, --cluster NAME   cluster folder under clusters/ (default: the only one there)
      --dry-run        check and plan only; print every command and manifest, change nothing
  -y, --yes            do not ask for confirmation
      --json           print one JSON document instead of progress
  -v, --verbose        show each command and API call as it runs
      --timeout DUR    how long to wait for health (e.g. 10m; default 15m)
  -h, --help           show this help`

const USAGE: Record<CommandName, string> = {
  bootstrap: `Usage: npm run bootstrap -- [flags]     (or: devbox run bootstrap [flags])

Create (kind) or adopt (existing) the cluster in clusters/<name>/cluster.yaml, install the GitOps
engine it names, write what the engine installs from Git (Crossplane and the Postgres API, your
apps) under clusters/<name>/, point the engine at the repository and wait until the current
commit is applied and every component is healthy. Safe to run again: finished work is skipped.

Flags:
${COMMON}
      --recreate       re-create a kind cluster whose fixed config (ports, mounts) changed; asks first`,
  destroy: `Usage: npm run destroy -- [flags]       (or: devbox run destroy [flags])

Delete a kind cluster (registry caches are kept unless --purge), or remove what kindling
installed from an existing cluster. Always asks, unless --yes.

Flags:
${COMMON}
      --purge          also delete the registry cache containers and their data`,
  status: `Usage: npm run status -- [flags]        (or: devbox run status [flags])

Check prerequisites and show, live, the cluster, the GitOps engine, the revision it applied, each
component's health and every object that is not ready or out of sync. Changes nothing.

Flags:
${COMMON}`,
}

export function helpText(command: CommandName): string {
  return `${USAGE[command]}\n\n${EXIT_CODES}\n`
}
