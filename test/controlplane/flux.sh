#!/usr/bin/env bash
# Builds Flux's source-controller and kustomize-controller from their upstream Go
# modules, once, into a cache outside the repo, keyed by the Flux version:
#
#   ${KINDLING_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kindling}/flux/
#     <FLUX_VERSION>/bin/source-controller
#     <FLUX_VERSION>/bin/kustomize-controller
#     <FLUX_VERSION>/bin/sops                 the sops CLI of the sops module kustomize-controller
#                                             links (the tests encrypt files Flux decrypts)
#     <FLUX_VERSION>/build-info
#     .build.lock                             one build at a time
#
# The versions come from versions.env (FLUX_VERSION and the two controller
# versions its manifests name); go/flux-source-controller and
# go/flux-kustomize-controller must require the same (go/sync.sh flux rewrites
# them). The controllers have no version flag: the cached binaries are checked
# with `go version -m`, which reads the module versions linked into them. The Go
# module and build caches are shared with build.sh. Progress goes to stderr; the
# LAST line of stdout is the bin directory.
#
# Usage: test/controlplane/flux.sh [--force]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=script.sh
source "$here/script.sh"
start_script flux "$@"

# shellcheck source-path=SCRIPTDIR source=versions.env
source "$here/versions.env"
# shellcheck source-path=SCRIPTDIR source=go-build.sh
source "$here/go-build.sh"
require_versions FLUX_VERSION FLUX_SOURCE_CONTROLLER_VERSION FLUX_KUSTOMIZE_CONTROLLER_VERSION

kindling_cache="${KINDLING_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kindling}"
cache_root="$kindling_cache/flux"
out="$cache_root/$FLUX_VERSION"
bin="$out/bin"

# name module version: the controllers, as parallel lists.
names=(source-controller kustomize-controller)
modules=(github.com/fluxcd/source-controller github.com/fluxcd/kustomize-controller)
versions=("$FLUX_SOURCE_CONTROLLER_VERSION" "$FLUX_KUSTOMIZE_CONTROLLER_VERSION")

# --- go.mod must pin what versions.env says ------------------------------------
for i in 0 1; do
  require_pinned "$here/go/flux-${names[i]}/go.mod" "${modules[i]}" "${versions[i]}" flux
done

# sops, at the version kustomize-controller decrypts with (its go.mod), built in that module.
sops_module=github.com/getsops/sops/v3
sops_version="$(awk -v m="$sops_module" '$1 == m { print $2; exit }' "$here/go/flux-kustomize-controller/go.mod")"
[[ -n "$sops_version" ]] || die "go/flux-kustomize-controller/go.mod does not require $sops_module"

# --- is the cache already good? -------------------------------------------------
verify() { # dir
  local d="$1" i got
  for i in 0 1; do
    [[ -x "$d/bin/${names[i]}" ]] || { log "missing $d/bin/${names[i]}"; return 1; }
    got="$(linked_version "$d/bin/${names[i]}" "${modules[i]}")"
    [[ "$got" == "${versions[i]}" ]] || { log "${names[i]} was built from ${modules[i]} '${got}', expected ${versions[i]}"; return 1; }
  done
}
verify_sops() { # dir
  [[ -x "$1/bin/sops" && "$(linked_version "$1/bin/sops" "$sops_module")" == "$sops_version" ]]
}
build_sops() { # output file
  log "go build $sops_module/cmd/sops@$sops_version"
  (cd "$here/go/flux-kustomize-controller" && go build -trimpath -p "$jobs" -ldflags "-s -w" -o "$1" "$sops_module/cmd/sops")
}

command -v go >/dev/null || die "go is not on PATH (Go >= 1.26 is needed to build Flux's controllers)"

verify_all() { verify "$1" && verify_sops "$1"; }
reuse_if_cached verify_all "$out" "$bin"

# --- build ------------------------------------------------------------------------
mkdir -p "$cache_root"
take_build_lock "$cache_root"
reuse_if_cached verify_all "$out" "$bin" "built by another process"

use_go_caches "$kindling_cache/controlplane"
export GOTOOLCHAIN=local

# Controllers cached from before sops was added: build only sops beside them.
if (( ! force )) && [[ -d "$out" ]] && verify "$out"; then
  build_sops "$bin/.sops.tmp"
  mv "$bin/.sops.tmp" "$bin/sops"
  verify_sops "$out" || die "the freshly built sops does not carry $sops_module $sops_version"
  log "built: $bin/sops"
  echo "$bin" >&3
  exit 0
fi

tmp="$(mktemp -d "$cache_root/.tmp-$FLUX_VERSION.XXXXXX")"
cleanup() { rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$tmp/bin"

log "building Flux $FLUX_VERSION controllers with $(go env GOVERSION), -p $jobs, into $out"
start=$SECONDS
for i in 0 1; do
  log "go build ${modules[i]}@${versions[i]}"
  t=$SECONDS
  (cd "$here/go/flux-${names[i]}" && go build -trimpath -p "$jobs" -ldflags "-s -w" \
    -o "$tmp/bin/${names[i]}" "${modules[i]}")
  log "  done in $((SECONDS - t))s"
done

build_sops "$tmp/bin/sops"

verify "$tmp" || die "the freshly built controllers do not carry the expected module versions"
verify_sops "$tmp" || die "the freshly built sops does not carry $sops_module $sops_version"

{
  echo "flux=$FLUX_VERSION"
  echo "source-controller=$FLUX_SOURCE_CONTROLLER_VERSION"
  echo "kustomize-controller=$FLUX_KUSTOMIZE_CONTROLLER_VERSION"
  echo "sops=$sops_version"
  build_info "$start" "${names[@]/#/flux-}"
} > "$tmp/build-info"
chmod 755 "$tmp"

swap_in "$tmp" "$out"
trap - EXIT
log "built: $bin"
echo "$bin" >&3
