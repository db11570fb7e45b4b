import type { CommandName } from './args.js'

/** The exit codes each command can end with; status only reads, so it never asks or leaves work half done. */
const EXIT_CODES: Record<CommandName, string> = {
  bootstrap: `Exit codes:
  0    success (or nothing to do)
  1    a step failed or the cluster is not healthy
  2    bad input: invalid spec, unknown flag, refused confirmation
  3    missing prerequisite: a tool, the Docker daemon, a free port, a reachable context
  130  interrupted (Ctrl-C); run the same command again to finish
  143  stopped by SIGTERM; run the same command again to finish`,
  destroy: `Exit codes:
  0    success (or nothing to do)
  1    a step failed
  2    bad input: invalid spec, unknown flag, refused confirmation
  3    missing prerequisite: a tool, the Docker daemon, a reachable context
  130  interrupted (Ctrl-C); run the same command again to finish
  143  stopped by SIGTERM; run the same command again to finish`,
  status: `Exit codes:
  0    the cluster, its engine and every component are healthy
  1    something is missing, differs from the spec or is not healthy (each one is named)
  2    bad input: invalid spec, unknown flag
  3    missing prerequisite: a tool, the Docker daemon, a reachable context or repository
  130  interrupted (Ctrl-C)
  143  stopped by SIGTERM`,
}

const CHANGING = `      --dry-run        check and plan only; print every command and manifest, change nothing
  -y, --yes            do not ask for confirmation`

const common = (timeout: string): string => `  -c, --cluster NAME   cluster folder under clusters/ (default: the only one there)
      --json           print one JSON document instead of progress
  -v, --verbose        show each command as it runs
      --timeout DUR    stop the whole run after this long (e.g. 10m); without it ${timeout}
  -h, --help           show this help`
const COMMON = common(`the health
                       gate gives up after 15m, the engine install and the Git server
                       after 5m, each API request after 30s, a credential plugin after 2m`)

const USAGE: Record<CommandName, string> = {
  bootstrap: `Usage: kindling bootstrap [flags]     (npx kindling bootstrap, npm run -s bootstrap --, devbox run bootstrap)

Create (kind) or adopt (existing) the cluster in clusters/<name>/cluster.yaml, install the GitOps
engine it names, write what the engine installs from Git (Crossplane and the Postgres API,
kube-prometheus-stack, your apps) under clusters/<name>/, point the engine at the repository and
wait until the current commit is applied and every component is healthy. Safe to run again:
finished work is skipped.

Flags:
${CHANGING}
${COMMON}
      --recreate       re-create a kind cluster whose fixed config (ports, mounts) changed; asks first
      --no-push        do not commit and push the rendered clusters/<name>/ files; print the
                       commands instead (bootstrap asks before pushing; --yes agrees; off a
                       terminal, and with --json, one of the two is needed)`,
  destroy: `Usage: kindling destroy [flags]     (npx kindling destroy, npm run -s destroy --, devbox run destroy)

Delete a kind cluster (registry caches are kept unless --purge), or remove what kindling
installed from an existing cluster. Asks first, unless --yes (off a terminal, and with --json,
nothing is asked: --yes is needed); a kind cluster that does not exist leaves nothing to delete,
and nothing is asked.

Flags:
${CHANGING}
${common(`deleting an
                       object gives up after 2m, a Helm release after 5m, kind's cluster
                       after 20m, each API request after 30s, a credential plugin after 2m`)}
      --purge          also delete the registry cache containers and their data`,
  status: `Usage: kindling status [flags]     (npx kindling status, npm run -s status --, devbox run status)

Check prerequisites and show, live, the cluster, the GitOps engine, the revision it applied, each
component's health and every object that is not ready or out of sync. Changes nothing.

Flags:
${common(`each API
                       request gives up after 30s, a credential plugin after 2m and each
                       command at its own deadline`)}`,
}

export function helpText(command: CommandName): string {
  return `${USAGE[command]}\n\n${EXIT_CODES[command]}\n`
}
