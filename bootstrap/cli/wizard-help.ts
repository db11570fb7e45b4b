import { DEFAULTS } from '../spec/defaults.js'

/** `kindling wizard --help`: every question as a flag, what stops it early, its exit codes. */
export const WIZARD_HELP = `Usage: kindling wizard [flags]     (npx kindling wizard, npm run -s wizard --, devbox run wizard)

Write clusters/<name>/cluster.yaml for a first cluster and the files bootstrap renders from it
(engine, root sync, components, the example app), then offer to bootstrap it. Asks on a
terminal, checking each answer with the spec's own rules as it is given, and shows a summary to
agree to before writing; every answer can be a flag instead, so it also runs without a terminal
(and then never asks).

Flags:
  -c, --cluster NAME           cluster name, a folder under clusters/ (also --name)
      --provider kind|existing
      --workers N              kind: worker nodes, 0 to 10 (default 0)
      --http-port PORT         kind: host port for HTTP into the cluster (default 8080)
      --https-port PORT        kind: host port for HTTPS into the cluster (default 8443);
                               neither may be the local registry's (${DEFAULTS.kind.localRegistryPort}, or the
                               next port no other cluster's spec binds). Each default
                               moves up past ports another cluster's spec binds
      --kubeconfig FILE        existing: kubeconfig file (default: the first file in
                               $KUBECONFIG, else ~/.kube/config); with --context, and no
                               --provider, an existing cluster is meant
      --context NAME           existing: the one context kindling may use
      --engine flux|argocd     (default flux)
      --repo URL               repository the engine reads (default: this checkout's origin
                               when it is a network URL, else "" (or none): no remote, a Git
                               server inside the cluster that bootstrap pushes this checkout to)
      --branch NAME            (default main)
      --auth none|https|ssh    ssh (a deploy key) is the one for ssh:// and git@ URLs, and is
                               chosen for them
      --token-env NAME         https: environment variable holding the token (implies --auth https)
      --[no-]crossplane        install Crossplane and the PostgresInstance API (default yes)
      --clouds LIST            Crossplane clouds for databases: azure,gcp,hetzner (default none)
      --gcp-project ID         gcp: the Google Cloud project the databases go in (alone,
                               implies --clouds gcp)
      --[no-]monitoring        install kube-prometheus-stack (default yes)
      --[no-]apps              deploy the example app (default yes)
      --[no-]sops              encrypt secrets in Git with SOPS (default yes)
  -y, --yes                    replace an existing clusters/<name>/cluster.yaml without asking
  -h, --help                   show this help

A flag with a wrong value is asked for again on a terminal; flags that contradict each other
(--kubeconfig with --provider kind, --clouds or --gcp-project with --no-crossplane, --auth https
or --token-env with an SSH URL) stop the wizard before the first question.

Exit codes: 0 written (or declined at the summary: nothing written), 1 an unexpected failure
(writing the files), 2 bad input, a missing answer without a terminal, or a clusters/ folder you
may not write, 130 interrupted (Ctrl-C), 143 stopped by SIGTERM; after you accept the offered
bootstrap, the bootstrap's own exit code.
`
