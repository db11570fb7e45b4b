#!/usr/bin/env bash
# Builds Crossplane core (the `crossplane` binary: `crossplane core init` and
# `crossplane core start`) from its upstream Go module, once, into a cache
# outside the repo, keyed by version:
#
#   ${KINDLING_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kindling}/crossplane/
#     <CROSSPLANE_VERSION>[-deps-<CROSSPLANE_DEPS_VERSION>]/bin/crossplane
#                                           static binary, stamped with its version
#     <CROSSPLANE_VERSION>/crds/            cluster/crds of the same module (for
#                                           `crossplane core init --cr-ds-path`)
#     <CROSSPLANE_VERSION>/build-info
#     .build.lock                           one build at a time
#
# The Go module and build caches are shared with build.sh (controlplane/gomod and
# controlplane/gocache): Crossplane and Kubernetes have most dependencies in common.
# The version comes from versions.env; go/crossplane/go.mod must pin the same
# (go/sync.sh crossplane rewrites it). When the cached binary reports the right
# version, nothing is built. Progress goes to stderr; the LAST line of stdout is
# the bin directory.
#
# Usage: test/controlplane/crossplane.sh [--force]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=script.sh
source "$here/script.sh"
start_script crossplane "$@"

# shellcheck source-path=SCRIPTDIR source=versions.env
source "$here/versions.env"
# shellcheck source-path=SCRIPTDIR source=go-build.sh
source "$here/go-build.sh"
require_versions CROSSPLANE_VERSION

module=github.com/crossplane/crossplane/v2
apis_module=github.com/crossplane/crossplane/apis/v2
kindling_cache="${KINDLING_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kindling}"
cache_root="$kindling_cache/crossplane"
out="$cache_root/$CROSSPLANE_VERSION${CROSSPLANE_DEPS_VERSION:+-deps-$CROSSPLANE_DEPS_VERSION}"
bin="$out/bin"
gomod="$here/go/crossplane/go.mod"

# --- go.mod must pin what versions.env says ------------------------------------
require_pinned "$gomod" "$module" "$CROSSPLANE_VERSION" crossplane
# Upstream builds against its own ./apis folder: the published apis module of the same tag.
# When the proxy refuses that one, versions.env names the nearest served (CROSSPLANE_DEPS_VERSION).
apis_want="${CROSSPLANE_DEPS_VERSION:-$CROSSPLANE_VERSION}"
apis="$(awk -v m="$apis_module" '$0 ~ m " => " m " " { print $NF; exit }' "$gomod")"
[[ "$apis" == "$apis_want" ]] \
  || die "go/crossplane/go.mod must replace $apis_module with its $apis_want (found '${apis:-<none>}'); run test/controlplane/go/sync.sh crossplane"

# --- is the cache already good? -------------------------------------------------
verify() { # dir
  local d="$1" got
  [[ -x "$d/bin/crossplane" ]] || { log "missing $d/bin/crossplane"; return 1; }
  compgen -G "$d/crds/*.yaml" >/dev/null || { log "missing $d/crds/*.yaml"; return 1; }
  got="$("$d/bin/crossplane" --version 2>&1)" || { log "crossplane --version failed: $got"; return 1; }
  [[ "$got" == "$CROSSPLANE_VERSION" ]] || { log "crossplane --version says '$got', expected $CROSSPLANE_VERSION"; return 1; }
}

reuse_if_cached verify "$out" "$bin"

# --- build ------------------------------------------------------------------------
command -v go >/dev/null || die "go is not on PATH (Go >= 1.26 is needed to build Crossplane)"
mkdir -p "$cache_root"

take_build_lock "$cache_root"
reuse_if_cached verify "$out" "$bin" "built by another process"

use_go_caches "$kindling_cache/controlplane"
export GOTOOLCHAIN=local

tmp="$(mktemp -d "$cache_root/.tmp-$CROSSPLANE_VERSION.XXXXXX")"
cleanup() { rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$tmp/bin" "$tmp/crds"

log "building $module/cmd/crossplane@$CROSSPLANE_VERSION with $(go env GOVERSION), -p $jobs, into $out"
log "GOMODCACHE=$GOMODCACHE GOCACHE=$GOCACHE"
start=$SECONDS
# Upstream stamps the version the same way (nix/build.nix); `crossplane --version` prints it.
(cd "$here/go/crossplane" && go build -trimpath -p "$jobs" \
  -ldflags "-s -w -X github.com/crossplane/crossplane-runtime/v2/pkg/version.version=$CROSSPLANE_VERSION" \
  -o "$tmp/bin/crossplane" "$module/cmd/crossplane")
log "  done in $((SECONDS - start))s"

# The core CRDs of the very module the binary was built from.
dir="$(cd "$here/go/crossplane" && go list -m -f '{{.Dir}}' "$module")"
compgen -G "$dir/cluster/crds/*.yaml" >/dev/null || die "no CRDs in $dir/cluster/crds"
cp "$dir"/cluster/crds/*.yaml "$tmp/crds/"
chmod -R u+w,go+r "$tmp/crds"

verify "$tmp" || die "the freshly built crossplane does not report $CROSSPLANE_VERSION"

{
  echo "version=$CROSSPLANE_VERSION"
  build_info "$start" crossplane
} > "$tmp/build-info"
chmod 755 "$tmp"

swap_in "$tmp" "$out"
trap - EXIT
log "built: $bin"
echo "$bin" >&3
