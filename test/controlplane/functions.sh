#!/usr/bin/env bash
# Builds the composition functions kindling's Compositions run (function-go-templating and
# function-auto-ready) from their upstream Go modules, once, into a cache outside the repo, keyed by
# their versions, together with each one's package content:
#
#   ${KINDLING_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kindling}/functions/
#     <GO_TEMPLATING>-<AUTO_READY>/bin/function-go-templating
#     <GO_TEMPLATING>-<AUTO_READY>/bin/function-auto-ready
#     <GO_TEMPLATING>-<AUTO_READY>/packages/function-<name>.yaml
#                                     the package's crossplane.yaml followed by its input CRDs, one
#                                     YAML stream: the package.yaml `crossplane xpkg build` puts
#                                     into the package image (the tests serve it from a registry)
#     <GO_TEMPLATING>-<AUTO_READY>/build-info
#     .build.lock                     one build at a time
#
# The versions come from versions.env; go/function-* must require the same (go/sync.sh functions
# rewrites them). The functions have no version flag: the cached binaries are checked with
# `go version -m`. The Go module and build caches are shared with build.sh. Progress goes to
# stderr; the LAST line of stdout is the cache folder (bin/ and packages/ are in it).
#
# Usage: test/controlplane/functions.sh [--force]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=script.sh
source "$here/script.sh"
start_script functions "$@"

# shellcheck source-path=SCRIPTDIR source=versions.env
source "$here/versions.env"
# shellcheck source-path=SCRIPTDIR source=go-build.sh
source "$here/go-build.sh"
require_versions FUNCTION_GO_TEMPLATING_VERSION FUNCTION_AUTO_READY_VERSION

kindling_cache="${KINDLING_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kindling}"
cache_root="$kindling_cache/functions"
out="$cache_root/$FUNCTION_GO_TEMPLATING_VERSION-$FUNCTION_AUTO_READY_VERSION"

# name module version, as parallel lists. function-auto-ready's module still declares its old path;
# go/function-auto-ready replaces it with the published one (see go/sync.sh).
names=(go-templating auto-ready)
modules=(github.com/crossplane-contrib/function-go-templating github.com/crossplane/function-auto-ready)
versions=("$FUNCTION_GO_TEMPLATING_VERSION" "$FUNCTION_AUTO_READY_VERSION")

# --- go.mod must pin what versions.env says ------------------------------------
for i in 0 1; do
  require_pinned "$here/go/function-${names[i]}/go.mod" "${modules[i]}" "${versions[i]}" functions
done

# --- is the cache already good? -------------------------------------------------
verify() { # dir
  local d="$1" i got
  for i in 0 1; do
    [[ -x "$d/bin/function-${names[i]}" ]] || { log "missing $d/bin/function-${names[i]}"; return 1; }
    [[ -s "$d/packages/function-${names[i]}.yaml" ]] || { log "missing $d/packages/function-${names[i]}.yaml"; return 1; }
    got="$(linked_version "$d/bin/function-${names[i]}" "${modules[i]}")"
    [[ "$got" == "${versions[i]}" ]] || { log "function-${names[i]} was built from ${modules[i]} '${got}', expected ${versions[i]}"; return 1; }
  done
}

command -v go >/dev/null || die "go is not on PATH (Go >= 1.26 is needed to build the functions)"

reuse_if_cached verify "$out" "$out"

# --- build ------------------------------------------------------------------------
mkdir -p "$cache_root"
take_build_lock "$cache_root"
reuse_if_cached verify "$out" "$out" "built by another process"

use_go_caches "$kindling_cache/controlplane"
export GOTOOLCHAIN=local

tmp="$(mktemp -d "$cache_root/.tmp.XXXXXX")"
cleanup() { rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$tmp/bin" "$tmp/packages"

log "building the composition functions with $(go env GOVERSION), -p $jobs, into $out"
start=$SECONDS
for i in 0 1; do
  name="function-${names[i]}"
  log "go build ${modules[i]}@${versions[i]}"
  t=$SECONDS
  (cd "$here/go/$name" && go build -trimpath -p "$jobs" -ldflags "-s -w" -o "$tmp/bin/$name" "${modules[i]}")
  log "  done in $((SECONDS - t))s"

  # The package content of the very module the binary was built from.
  dir="$(cd "$here/go/$name" && go list -m -f '{{if .Replace}}{{.Replace.Dir}}{{else}}{{.Dir}}{{end}}' "${modules[i]}")"
  [[ -f "$dir/package/crossplane.yaml" ]] || die "no package/crossplane.yaml in $dir"
  {
    sed '/^---[[:space:]]*$/d' "$dir/package/crossplane.yaml"
    for crd in "$dir"/package/input/*.yaml; do
      [[ -f "$crd" ]] || continue
      echo '---'
      sed '/^---[[:space:]]*$/d' "$crd"
    done
  } > "$tmp/packages/$name.yaml"
done

verify "$tmp" || die "the freshly built functions do not carry the expected module versions"

{
  echo "function-go-templating=$FUNCTION_GO_TEMPLATING_VERSION"
  echo "function-auto-ready=$FUNCTION_AUTO_READY_VERSION"
  build_info "$start" "${names[@]/#/function-}"
} > "$tmp/build-info"
chmod -R u+w,go+rX "$tmp"

swap_in "$tmp" "$out"
trap - EXIT
log "built: $out"
echo "$out" >&3
