# Shared by build.sh, crossplane.sh, flux.sh and functions.sh (sourced, not run): the one build lock and the Go
# environment every build of the test programs uses. Callers define log() first.

# take_build_lock DIR: one build at a time per cache folder; a second caller waits for the first.
# The caller then checks its cache again: the build it waited for may have made it.
take_build_lock() {
  command -v flock >/dev/null || return 0
  exec 9>"$1/.build.lock"
  if ! flock -n 9; then
    log "another build holds $1/.build.lock; waiting"
    flock 9
  fi
}

# use_go_caches GOMOD_PARENT: static, reproducible builds with module and build caches outside the
# repository (GOMOD_PARENT/gomod, GOMOD_PARENT/gocache, shared by every build); sets $jobs.
use_go_caches() {
  export GOMODCACHE="$1/gomod"
  export GOCACHE="$1/gocache"
  export GOFLAGS="-modcacherw -mod=readonly -buildvcs=false"
  export GOWORK=off
  export CGO_ENABLED=0
  export GOPROXY="${GOPROXY:-https://proxy.golang.org,direct}"
  jobs="${KINDLING_BUILD_JOBS:-$(nproc 2>/dev/null || echo 2)}"
}
