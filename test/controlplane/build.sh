#!/usr/bin/env bash
# Builds the control-plane programs the integration tests run as local
# processes (etcd, kube-apiserver, kube-controller-manager, kube-scheduler,
# kwok) from their upstream Go modules, once, into a cache outside the repo,
# then Crossplane core with crossplane.sh, Flux's source-controller and
# kustomize-controller with flux.sh, and the composition functions with functions.sh
# (their own cache entries, see there):
#
#   ${KINDLING_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kindling}/controlplane/
#     k8s-<v>-etcd-<v>-kwok-<v>/bin/   the five static binaries
#     k8s-<v>-etcd-<v>-kwok-<v>/etc/kwok-stages.yaml
#                                      kwok's default node/pod Stages (for --config)
#     gomod/                           GOMODCACHE (module downloads)
#     gocache/                         GOCACHE (compiled packages)
#
# Versions come from versions.env only; the wrapper modules under go/ must pin
# the same versions (go/sync.sh rewrites them). When the binaries for the
# current versions already exist and report the right version, nothing is
# built. Progress goes to stderr; the LAST line of stdout is the bin directory
# of the control-plane programs (crossplane.sh, flux.sh and functions.sh print their own).
#
# Usage: test/controlplane/build.sh [--force]   (--force rebuilds Crossplane, Flux and the functions too)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=script.sh
source "$here/script.sh"
start_script controlplane "$@"

# shellcheck source-path=SCRIPTDIR source=versions.env
source "$here/versions.env"
# shellcheck source-path=SCRIPTDIR source=go-build.sh
source "$here/go-build.sh"
require_versions KUBERNETES_VERSION ETCD_VERSION KWOK_VERSION

k8s_minor="${KUBERNETES_VERSION#v1.}"; k8s_minor="${k8s_minor%%.*}"
k8s_staging_version="v0.${KUBERNETES_VERSION#v1.}"
etcd_plain="${ETCD_VERSION#v}"
kwok_plain="${KWOK_VERSION#v}"

cache_root="${KINDLING_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kindling}/controlplane"
key="k8s-${KUBERNETES_VERSION}-etcd-${ETCD_VERSION}-kwok-${KWOK_VERSION}"
out="$cache_root/$key"
bin="$out/bin"

# --- the go.mod files must pin what versions.env says -------------------------
# Prints "module version" for every replace line of go.mod $1 ("old => new ver").
replacements() {
  awk '
    /^replace[ \t]*\(/ { inrep = 1; next }
    inrep && /^\)/    { inrep = 0; next }
    $1 == "replace" && $3 == "=>" { print $2, $4, $5; next }
    inrep && $2 == "=>"           { print $1, $3, $4 }
  ' "$1"
}

mismatch=()
check_require() { # gomod module want
  local got
  [[ -f "$1" ]] || { mismatch+=("$1 is missing"); return; }
  got="$(required_version "$1" "$2")"
  [[ "$got" == "$3" ]] || mismatch+=("${1#"$here"/} requires $2 ${got:-<nothing>}, versions.env says $3")
}
check_require "$here/go/kubernetes/go.mod" k8s.io/kubernetes "$KUBERNETES_VERSION"
check_require "$here/go/etcd/go.mod" go.etcd.io/etcd/server/v3 "$ETCD_VERSION"
check_require "$here/go/kwok/go.mod" sigs.k8s.io/kwok "$KWOK_VERSION"
if [[ -f "$here/go/kubernetes/go.mod" ]]; then
  n=0 bad=0 example=""
  while read -r old new ver; do
    [[ "$old" == k8s.io/* ]] || continue
    n=$((n + 1))
    if [[ "$new" != "$old" || "$ver" != "$k8s_staging_version" ]]; then
      bad=$((bad + 1)); example="${example:-$old => $new $ver}"
    fi
  done < <(replacements "$here/go/kubernetes/go.mod")
  (( n > 0 )) || mismatch+=("go/kubernetes/go.mod has no replace lines for the k8s.io staging modules")
  (( bad == 0 )) || mismatch+=("go/kubernetes/go.mod: $bad of $n staging replace lines do not point at $k8s_staging_version (e.g. $example)")
fi
for f in "$here"/go/{kubernetes,etcd,kwok}/go.sum; do
  [[ -s "$f" ]] || mismatch+=("${f#"$here"/} is missing")
done
if (( ${#mismatch[@]} > 0 )); then
  for m in "${mismatch[@]}"; do log "$m"; done
  die "the go.mod files do not match versions.env; run test/controlplane/go/sync.sh and commit go.mod/go.sum"
fi

# Crossplane core, Flux's controllers and the functions, then the result line. crossplane.sh's own
# result goes to stderr with the rest of the progress (stdout is stderr here).
# KINDLING_SKIP_CROSSPLANE=1 leaves Crossplane out, KINDLING_SKIP_FLUX=1 Flux's
# controllers, KINDLING_SKIP_FUNCTIONS=1 the functions (e.g. to time the control plane alone).
finish() { # message
  local args=()
  (( force )) && args+=(--force)
  if [[ "${KINDLING_SKIP_CROSSPLANE:-}" != 1 ]]; then
    bash "$here/crossplane.sh" "${args[@]}" || die "building Crossplane failed (test/controlplane/crossplane.sh)"
  fi
  if [[ "${KINDLING_SKIP_FLUX:-}" != 1 ]]; then
    bash "$here/flux.sh" "${args[@]}" || die "building Flux's controllers failed (test/controlplane/flux.sh)"
  fi
  if [[ "${KINDLING_SKIP_FUNCTIONS:-}" != 1 ]]; then
    bash "$here/functions.sh" "${args[@]}" || die "building the composition functions failed (test/controlplane/functions.sh)"
  fi
  log "$1"
  echo "$bin" >&3
  exit 0
}

# --- is the cache already good? -----------------------------------------------
# Each binary must run and report the version this key stands for.
verify() { # dir
  local d="$1" b
  for b in etcd kube-apiserver kube-controller-manager kube-scheduler kubectl kwok; do
    [[ -x "$d/$b" ]] || { log "missing $d/$b"; return 1; }
  done
  [[ -s "$d/../etc/kwok-stages.yaml" ]] || { log "missing $d/../etc/kwok-stages.yaml"; return 1; }
  local want="Kubernetes $KUBERNETES_VERSION" got
  for b in kube-apiserver kube-controller-manager kube-scheduler; do
    got="$("$d/$b" --version 2>&1)" || { log "$b --version failed: $got"; return 1; }
    [[ "$got" == "$want" ]] || { log "$b --version says '$got', expected '$want'"; return 1; }
  done
  got="$("$d/kubectl" version --client 2>&1)" || { log "kubectl version --client failed: $got"; return 1; }
  grep -qx "Client Version: $KUBERNETES_VERSION" <<<"$got" || { log "kubectl version --client says '$got', expected $KUBERNETES_VERSION"; return 1; }
  got="$("$d/etcd" --version 2>&1)" || { log "etcd --version failed: $got"; return 1; }
  grep -qx "etcd Version: $etcd_plain" <<<"$got" || { log "etcd --version says '$got', expected $etcd_plain"; return 1; }
  got="$("$d/kwok" --version 2>&1)" || { log "kwok --version failed: $got"; return 1; }
  grep -qw -- "v\{0,1\}$kwok_plain" <<<"$got" || { log "kwok --version says '$got', expected $kwok_plain"; return 1; }
}

if (( ! force )) && [[ -d "$bin" ]] && verify "$bin"; then
  finish "cached: $bin"
fi

# --- build --------------------------------------------------------------------
command -v go >/dev/null || die "go is not on PATH (Go >= 1.26 is needed to build the control plane)"
mkdir -p "$cache_root"

# One build at a time per cache root; a second caller waits, then finds the cache.
take_build_lock "$cache_root"
if (( ! force )) && [[ -d "$bin" ]] && verify "$bin"; then
  finish "cached (built by another process): $bin"
fi

use_go_caches "$cache_root"

tmp="$(mktemp -d "$cache_root/.tmp-$key.XXXXXX")"
cleanup() { rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$tmp/bin" "$tmp/etc"

log "building $key with $(go env GOVERSION), -p $jobs, into $out"
log "GOMODCACHE=$GOMODCACHE GOCACHE=$GOCACHE"

# Release time of the Kubernetes module as buildDate, so builds are reproducible.
k8s_info="$(cd "$here/go/kubernetes" && go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" \
  | sed -n 's/^[[:space:]]*"Info": "\([^"]*\)".*/\1/p' | head -n1)"
k8s_time=""
[[ -n "$k8s_info" && -f "$k8s_info" ]] && k8s_time="$(sed -n 's/.*"Time":[[:space:]]*"\([^"]*\)".*/\1/p' "$k8s_info")"
k8s_time="${k8s_time%%.*}"; k8s_time="${k8s_time%Z}"
k8s_time="${k8s_time:-1970-01-01T00:00:00}Z"

k8s_ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  k8s_ldflags+=" -X $pkg.gitVersion=$KUBERNETES_VERSION"
  k8s_ldflags+=" -X $pkg.gitMajor=1"
  k8s_ldflags+=" -X $pkg.gitMinor=$k8s_minor"
  k8s_ldflags+=" -X $pkg.gitTreeState=clean"
  k8s_ldflags+=" -X $pkg.buildDate=$k8s_time"
done

build() { # module-dir output-dir-or-file ldflags packages...
  local dir="$1" o="$2" ldflags="$3"; shift 3
  log "go build $* (in go/${dir##*/})"
  local start=$SECONDS
  (cd "$dir" && go build -trimpath -p "$jobs" -ldflags "$ldflags" -o "$o" "$@")
  log "  done in $((SECONDS - start))s"
}

build "$here/go/etcd" "$tmp/bin/etcd" "-s -w" go.etcd.io/etcd/server/v3
build "$here/go/kwok" "$tmp/bin/kwok" "-s -w" sigs.k8s.io/kwok/cmd/kwok
# kwok has no built-in stages when run on its own (kwokctl passes them in): keep
# the release's default ones next to the binaries, for `kwok --config`. They
# mark managed Nodes Ready (renewing their Lease) and Pods Running/Succeeded.
kwok_dir="$(cd "$here/go/kwok" && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)"
{
  echo "# Default kwok Stages from sigs.k8s.io/kwok@$KWOK_VERSION kustomize/stage."
  for f in node/fast/node-initialize.yaml \
           node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
           pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
    [[ -s "$kwok_dir/kustomize/stage/$f" ]] || die "kwok stage $f not found in $kwok_dir"
    echo "---"
    cat "$kwok_dir/kustomize/stage/$f"
  done
} > "$tmp/etc/kwok-stages.yaml"

build "$here/go/kubernetes" "$tmp/bin/" "$k8s_ldflags" \
  k8s.io/kubernetes/cmd/kube-apiserver \
  k8s.io/kubernetes/cmd/kube-controller-manager \
  k8s.io/kubernetes/cmd/kube-scheduler \
  k8s.io/kubernetes/cmd/kubectl

verify "$tmp/bin" || die "the freshly built binaries do not report the expected versions"

{
  echo "key=$key"
  build_info 0 kubernetes etcd kwok
} > "$tmp/build-info"

chmod 755 "$tmp"

# Swap the finished tree in with a rename, so an interrupted build never leaves
# a half-filled cache entry behind.
swap_in "$tmp" "$out"
trap - EXIT
finish "built: $bin"
