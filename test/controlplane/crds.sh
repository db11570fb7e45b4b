#!/usr/bin/env bash
# Fetches the upstream CRD sets listed in crds.sets into a cache outside the
# repo, keyed by version, and writes an index the integration tests read:
#
#   ${KINDLING_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kindling}/crds/
#     <set>/<version>/*.yaml     the CRD files of that set, nothing else
#     <set>/<version>/.source    the crds.sets line it was fetched for
#     index-<key>.json           the sets of one crds.sets + versions.env
#     .lock                      one fetch at a time
#
# Each module is downloaded as the proxy's zip (not with `go mod download`, which
# refuses modules whose go.mod asks for a newer Go than the local one), checked
# against the sha256 in crds.sets, and only the CRD folder is extracted. A set
# that is already cached is not downloaded again. A set that cannot be fetched
# fails the script: no partial index is written.
#
# Progress goes to stderr; the LAST line of stdout is the index file. Its JSON:
#   { "key": "...", "root": "<cache>/crds", "sets": { "<set>": { "module", "version",
#     "wanted", "folder", "dir", "files": ["a.yaml", ...] } } }
#
# Usage: test/controlplane/crds.sh [--force]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=script.sh
source "$here/script.sh"
start_script crds "$@"

# shellcheck source-path=SCRIPTDIR source=versions.env
source "$here/versions.env"

root="${KINDLING_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kindling}/crds"
# The first http(s) entry of GOPROXY, else the public proxy.
proxy=https://proxy.golang.org
IFS=',|' read -r -a proxies <<<"${GOPROXY:-}"
for p in "${proxies[@]}"; do
  case "$p" in http://*|https://*) proxy="${p%/}"; break ;; off) proxy="" ; break ;; esac
done

# --- read crds.sets ----------------------------------------------------------------
# "module path" -> proxy path: every upper-case letter becomes "!" + lower case.
escape_module() { sed -E 's/([A-Z])/!\L\1/g' <<<"$1"; }
json_string() { local s="${1//\\/\\\\}"; s="${s//\"/\\\"}"; printf '"%s"' "$s"; }

sets=() lines=()
while read -r set module version wanted sha folder files rest; do
  [[ -z "${set:-}" || "$set" == \#* ]] && continue
  [[ -z "${rest:-}" && -n "${folder:-}" ]] || die "crds.sets: cannot read the line for '$set' (want: set module version wanted sha256 folder [files])"
  version="${version//\$CROSSPLANE_VERSION/${CROSSPLANE_VERSION:-}}"
  [[ "$set" =~ ^[a-z0-9][a-z0-9-]*$ ]] || die "crds.sets: bad set name '$set'"
  [[ "$version" =~ ^v[0-9]+\.[0-9]+\.[0-9]+([-+].*)?$ ]] || die "crds.sets: $set: bad version '$version'"
  for s in "${sets[@]}"; do [[ "$s" != "$set" ]] || die "crds.sets: $set is listed twice"; done
  sets+=("$set")
  lines+=("$set $module $version $wanted $sha $folder ${files:-}")
done < "$here/crds.sets"
(( ${#sets[@]} > 0 )) || die "crds.sets lists no sets"

key="$(printf '%s\n' "${lines[@]}" | sha256sum | cut -c1-12)"
index="$root/index-$key.json"

# --- is everything cached? ----------------------------------------------------------
complete() { # set version line
  local d="$root/$1/$2"
  [[ -f "$d/.source" && "$(cat "$d/.source")" == "$3" ]] && compgen -G "$d/*.yaml" >/dev/null
}
all_complete() {
  local i set version
  for i in "${!sets[@]}"; do
    read -r set _ version _ <<<"${lines[$i]}"
    complete "$set" "$version" "${lines[$i]}" || return 1
  done
}
if (( ! force )) && [[ -s "$index" ]] && all_complete; then
  log "cached: $index"
  echo "$index" >&3
  exit 0
fi

mkdir -p "$root"
if command -v flock >/dev/null; then
  exec 9>"$root/.lock"
  flock -n 9 || { log "another fetch holds $root/.lock; waiting"; flock 9; }
fi
command -v curl >/dev/null || die "curl is needed to fetch CRDs"
command -v unzip >/dev/null || die "unzip is needed to fetch CRDs"

work="$(mktemp -d "$root/.tmp.XXXXXX")"
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

fetch() { # set module version sha folder files line
  local set="$1" module="$2" version="$3" sha="$4" folder="$5" files="$6" line="$7"
  local dest="$root/$set/$version" zip="$work/$set.zip" url code got
  [[ -n "$proxy" ]] || die "$set: not cached and GOPROXY=off"
  url="$proxy/$(escape_module "$module")/@v/$version.zip"
  local start=$SECONDS
  code="$(curl -sS -L --retry 3 --retry-delay 2 -o "$zip" -w '%{http_code}' "$url")" || die "$set: cannot download $url"
  [[ "$code" == 200 ]] || die "$set: the proxy refuses $module@$version (HTTP $code from $url)"
  got="$(sha256sum "$zip" | cut -d' ' -f1)"
  if [[ "$sha" == - ]]; then
    log "$set: $module@$version is not pinned; its zip's sha256 is $got (put it in crds.sets)"
  elif [[ "$got" != "$sha" ]]; then
    die "$set: $module@$version zip has sha256 $got, crds.sets pins $sha"
  fi
  local prefix="$module@$version/$folder"
  rm -rf "$work/x" && mkdir -p "$work/x"
  unzip -q "$zip" "$prefix/*" -d "$work/x" || die "$set: $module@$version has no folder $folder"
  rm -f "$zip"
  local stage="$work/$set" name kept=0 pattern match
  rm -rf "$stage" && mkdir -p "$stage"
  local -a patterns=()
  [[ -n "$files" ]] && IFS=, read -r -a patterns <<<"$files"
  for f in "$work/x/$prefix"/*.yaml "$work/x/$prefix"/*.yml; do
    [[ -f "$f" ]] || continue
    name="${f##*/}"
    [[ "$name" == kustomization.yaml || "$name" == kustomization.yml ]] && continue
    if (( ${#patterns[@]} > 0 )); then
      match=0
      # shellcheck disable=SC2053 # the patterns are globs
      for pattern in "${patterns[@]}"; do [[ "$name" == $pattern ]] && { match=1; break; }; done
      (( match )) || continue
    fi
    grep -q '^kind: CustomResourceDefinition' "$f" || die "$set: $folder/$name is not a CustomResourceDefinition"
    cp "$f" "$stage/$name"
    kept=$((kept + 1))
  done
  if (( ${#patterns[@]} > 0 )); then
    for pattern in "${patterns[@]}"; do
      compgen -G "$stage/$pattern" >/dev/null || die "$set: no file in $module@$version/$folder matches '$pattern'"
    done
  fi
  (( kept > 0 )) || die "$set: no CRD files in $module@$version/$folder"
  printf '%s\n' "$line" > "$stage/.source"
  chmod 755 "$stage"; chmod 644 "$stage"/*.yaml "$stage/.source"
  mkdir -p "$root/$set"
  swap_in "$stage" "$dest"
  log "$set: $module@$version, $kept CRD file(s) in $((SECONDS - start))s"
}

for i in "${!sets[@]}"; do
  read -r set module version wanted sha folder files <<<"${lines[$i]}"
  if (( force )) || ! complete "$set" "$version" "${lines[$i]}"; then
    fetch "$set" "$module" "$version" "$sha" "$folder" "${files:-}" "${lines[$i]}"
  fi
done

# --- index --------------------------------------------------------------------------
{
  printf '{\n  "key": %s,\n  "root": %s,\n  "sets": {' "$(json_string "$key")" "$(json_string "$root")"
  sep=""
  for i in "${!sets[@]}"; do
    read -r set module version wanted sha folder files <<<"${lines[$i]}"
    d="$root/$set/$version"
    printf '%s\n    %s: {\n' "$sep" "$(json_string "$set")"
    printf '      "module": %s,\n      "version": %s,\n' "$(json_string "$module")" "$(json_string "$version")"
    printf '      "wanted": %s,\n' "$(json_string "$([[ "$wanted" == - ]] && echo "$version" || echo "$wanted")")"
    printf '      "folder": %s,\n      "dir": %s,\n      "files": [' "$(json_string "$folder")" "$(json_string "$d")"
    fsep=""
    for f in "$d"/*.yaml; do printf '%s%s' "$fsep" "$(json_string "${f##*/}")"; fsep=", "; done
    printf ']\n    }'
    sep=","
  done
  printf '\n  }\n}\n'
} > "$work/index.json"
mv -f "$work/index.json" "$index"
log "index: $index"
echo "$index" >&3
