# Shared by the scripts in this folder (sourced, not run): how they start and log, how they read a
# wrapper module's go.mod, and how a finished cache entry is put in place.

# start_script PREFIX [ARG]: the result line goes to fd 3 (the caller's stdout), everything else to
# stderr, logged as "PREFIX: ..."; --force sets force=1, --help prints the script's header comment.
start_script() {
  log_prefix="$1"
  exec 3>&1 1>&2
  force=0
  case "${2:-}" in
    "") ;;
    --force) force=1 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&3; exit 0 ;;
    *) echo "${0##*/}: unknown argument: $2" >&2; exit 2 ;;
  esac
}
log() { echo "$log_prefix: $*" >&2; }
die() { echo "$log_prefix: error: $*" >&2; exit 1; }

# required_version GOMOD MODULE: the version GOMOD requires MODULE at (nothing when it does not).
required_version() {
  awk -v m="$2" '
    /^require[ \t]*\(/ { inreq = 1; next }
    inreq && /^\)/    { inreq = 0; next }
    $1 == "require" && $2 == m { print $3; exit }
    inreq && $1 == m           { print $2; exit }
  ' "$1"
}

# swap_in NEW DEST: put the finished folder NEW at DEST by renames (an existing DEST is moved aside
# first, then removed), so an interrupted build never leaves a half-filled entry behind.
swap_in() {
  local old
  if [[ -e "$2" ]]; then
    old="$(mktemp -d "$(dirname "$2")/.old.XXXXXX")"
    mv -T "$2" "$old/entry"
    mv -T "$1" "$2"
    rm -rf "$old"
  else
    mv -T "$1" "$2"
  fi
}

# require_pinned GOMOD MODULE VERSION SYNC: GOMOD (and its go.sum) must exist and require MODULE at
# VERSION, else stop and say to run `go/sync.sh SYNC`.
require_pinned() {
  local where="${1#"$here"/}" got
  [[ -f "$1" && -s "${1%.mod}.sum" ]] || die "$where or its go.sum is missing; run test/controlplane/go/sync.sh $4"
  got="$(required_version "$1" "$2")"
  [[ "$got" == "$3" ]] || die "$where requires $2 ${got:-<nothing>}, versions.env says $3; run test/controlplane/go/sync.sh $4"
}

# reuse_if_cached VERIFY DIR RESULT [NOTE]: unless --force, when DIR exists and `VERIFY DIR` passes,
# print RESULT as the result line and exit.
reuse_if_cached() {
  if (( ! force )) && [[ -d "$2" ]] && "$1" "$2"; then
    log "cached${4:+ ($4)}: $3"
    echo "$3" >&3
    exit 0
  fi
}

# linked_version BINARY MODULE: the version of MODULE a Go binary was built from (`go version -m`).
linked_version() {
  go version -m "$1" 2>&1 | awk -v m="$2" '($1 == "mod" || $1 == "dep") && $2 == m { print $3 }'
}

# require_versions NAME...: each versions.env variable NAME must look like v1.2.3.
require_versions() {
  local v
  for v in "$@"; do
    [[ "${!v:-}" =~ ^v[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "$v in versions.env must look like v1.2.3 (got '${!v:-}')"
  done
}

# build_info START WRAPPER...: the lines every build-info file ends with: the Go version, when the
# build finished and how long it took (SECONDS since START), and the sha256 of each wrapper
# module's go.sum (go/WRAPPER/go.sum).
build_info() {
  local start="$1" wrapper
  shift
  echo "go=$(go env GOVERSION)"
  echo "built=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "build_seconds=$((SECONDS - start))"
  for wrapper in "$@"; do echo "sum_$wrapper/go.sum=$(sha256sum "$here/go/$wrapper/go.sum" | cut -d' ' -f1)"; done
}
