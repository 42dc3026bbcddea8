# shellcheck shell=bash
# Helpers for the server-fact checks: plain curl against the real servers, one line per check, and
# the closing "N passed, N failed" line. Each check compares a server's answer with what the
# protocol notes (docs/pulp-notes.md, design.md) say; a server upgrade that changes a fact fails it.

FACTS_PASSED=0
FACTS_FAILED=0
FACTS_TMP=$(mktemp -d)
trap 'rm -rf "$FACTS_TMP"' EXIT

# check NAME EXPECTED ACTUAL
check() {
  if [ "$2" = "$3" ]; then
    FACTS_PASSED=$((FACTS_PASSED + 1))
    printf 'ok    %s\n' "$1"
  else
    FACTS_FAILED=$((FACTS_FAILED + 1))
    printf 'FAIL  %s: expected [%s], got [%s]\n' "$1" "$2" "$3"
  fi
}

# check_contains NAME NEEDLE HAYSTACK
check_contains() {
  case $3 in
    *"$2"*) check "$1" "$2" "$2" ;;
    *) check "$1" "…$2…" "$3" ;;
  esac
}

facts_summary() {
  echo "$FACTS_PASSED passed, $FACTS_FAILED failed"
  [ "$FACTS_FAILED" -eq 0 ]
}

# random_blob FILE BYTES: fresh random content, so every run uploads blobs the server never saw.
random_blob() { head -c "$2" /dev/urandom >"$1"; }

# layer_tgz FILE: a small gzip'd tar with random content.
layer_tgz() {
  local d
  d=$(mktemp -d -p "$FACTS_TMP")
  head -c 4096 /dev/urandom >"$d/payload.bin"
  tar -C "$d" -cf - payload.bin | gzip -n >"$1"
}

digest_of() { echo "sha256:$(sha256sum "$1" | cut -d' ' -f1)"; }
size_of() { stat -c %s "$1"; }

# header NAME < headers: the value of one response header (case-insensitive), CR stripped.
header() { tr -d '\r' | awk -v h="$(echo "$1" | tr '[:upper:]' '[:lower:]')" 'BEGIN { FS = ": " }
  tolower($1) == h { sub(/^[^:]*: /, ""); print; exit }'; }

# status < headers: the status code of the last response in a header dump.
status() { tr -d '\r' | awk '/^HTTP\// { code = $2 } END { print code }'; }

# docker_manifest CONFIG FOREIGN_LAYER URLS(0|1) LAYER: a schema2 manifest with one foreign layer
# (with or without urls) and one distributable layer, printed as compact JSON.
docker_manifest() {
  python3 - "$1" "$2" "$3" "$4" <<'PY'
import hashlib, json, os, sys
def desc(path, media_type):
    data = open(path, "rb").read()
    return {"mediaType": media_type, "size": len(data), "digest": "sha256:" + hashlib.sha256(data).hexdigest()}
config, foreign, with_urls, layer = sys.argv[1:5]
f = desc(foreign, "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip")
if with_urls == "1":
    f["urls"] = ["https://foreign.waybill.invalid/layers/" + f["digest"]]
m = {"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
     "config": desc(config, "application/vnd.docker.container.image.v1+json"),
     "layers": [f, desc(layer, "application/vnd.docker.image.rootfs.diff.tar.gzip")]}
sys.stdout.write(json.dumps(m, separators=(",", ":")))
PY
}
