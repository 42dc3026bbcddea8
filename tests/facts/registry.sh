#!/usr/bin/env bash
# Checks, with curl against the two real distribution registries started by `scripts/registry up`,
# the facts Waybill relies on: foreign `urls` rejected by the default config (:5000) and accepted
# where validation.manifests.urls.allow matches (:5001); which blob-upload Content-Types work; the
# absolute upload Location. Prints one line per check and "N passed, N failed".
#
# usage: tests/facts/registry.sh     (needs: scripts/registry up)
set -euo pipefail
[ $# -eq 0 ] || { echo "usage: tests/facts/registry.sh" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/facts/lib.sh
. "$here/lib.sh"
eval "$("$here/../../scripts/registry" env)"
T=$FACTS_TMP
run=$(date +%s)-$$

# upload BASE REPO FILE [CONTENT_TYPE|-]: POST then monolithic PUT; prints "STATUS BODY".
# "-" sends no Content-Type header at all.
upload() {
  local loc ct=${4:-application/octet-stream} h
  loc=$(curl -s -D - -o /dev/null -X POST "$1/v2/$2/blobs/uploads/" | header Location)
  if [ "$ct" = - ]; then h=(-H 'Content-Type:'); else h=(-H "Content-Type: $ct"); fi
  curl -s -o "$T/body" -w '%{http_code}' -X PUT "${h[@]}" --data-binary @"$3" "$loc&digest=$(digest_of "$3")"
  printf ' %s' "$(cat "$T/body")"
}

put_manifest() { # BASE REPO TAG FILE: prints "STATUS BODY"
  curl -s -o "$T/body" -w '%{http_code}' -X PUT -H 'Content-Type: application/vnd.docker.distribution.manifest.v2+json' \
    --data-binary @"$4" "$1/v2/$2/manifests/$3"
  printf ' %s' "$(cat "$T/body")"
}

printf '{"architecture":"amd64","os":"windows","rootfs":{"type":"layers","diff_ids":[]},"run":"%s"}' "$run" >"$T/config.json"
layer_tgz "$T/foreign.tgz"
layer_tgz "$T/layer.tgz"
docker_manifest "$T/config.json" "$T/foreign.tgz" 1 "$T/layer.tgz" >"$T/m-urls.json"

# --- upload protocol ----------------------------------------------------------------------------
loc=$(curl -s -D - -o /dev/null -X POST "$REGISTRY_STRICT_URL/v2/facts/loc-$run/blobs/uploads/" | header Location)
check_contains "upload Location is absolute, with a _state query" "$REGISTRY_STRICT_URL/v2/facts/loc-$run/blobs/uploads/" "$loc"
check_contains "… and a _state query" "?_state=" "$loc"
R=facts/ctype-$run
out=$(upload "$REGISTRY_STRICT_URL" "$R" "$T/layer.tgz" application/x-www-form-urlencoded)
check "PUT blob as application/x-www-form-urlencoded (curl's default) -> 400" 400 "${out%% *}"
check_contains "… DIGEST_INVALID: the server parsed the body as a form" '"code":"DIGEST_INVALID"' "$out"
out=$(upload "$REGISTRY_STRICT_URL" "$R" "$T/layer.tgz" -)
check "PUT blob with no Content-Type -> 201" 201 "${out%% *}"
out=$(upload "$REGISTRY_STRICT_URL" "$R-2" "$T/layer.tgz" text/plain)
check "PUT blob as text/plain -> 201" 201 "${out%% *}"
out=$(upload "$REGISTRY_STRICT_URL" "$R-3" "$T/layer.tgz" application/octet-stream)
check "PUT blob as application/octet-stream -> 201" 201 "${out%% *}"
random_blob "$T/wrong.bin" 1000
loc=$(curl -s -D - -o /dev/null -X POST "$REGISTRY_STRICT_URL/v2/$R/blobs/uploads/" | header Location)
check "PUT blob with a wrong digest -> 400" 400 "$(curl -s -o /dev/null -w '%{http_code}' -X PUT \
  -H 'Content-Type: application/octet-stream' --data-binary @"$T/wrong.bin" "$loc&digest=$(digest_of "$T/layer.tgz")")"

# --- foreign urls ---------------------------------------------------------------------------------
R=facts/foreign-$run
for f in config.json foreign.tgz layer.tgz; do
  out=$(upload "$REGISTRY_STRICT_URL" "$R" "$T/$f")
  check "strict: upload $f -> 201" 201 "${out%% *}"
done
out=$(put_manifest "$REGISTRY_STRICT_URL" "$R" v1 "$T/m-urls.json")
# distribution reports the urls violation as UNKNOWN errors (status 500) plus MANIFEST_BLOB_UNKNOWN for
# that layer; the status comes from the first error, so it is 400 only when another blob is missing.
check "strict (:5000): manifest with foreign urls, every blob present -> 500 (sic)" 500 "${out%% *}"
check_contains "… UNKNOWN first" '{"errors":[{"code":"UNKNOWN","message":"unknown error"}' "$out"
check_contains "… MANIFEST_BLOB_UNKNOWN for the layer with urls" \
  "\"code\":\"MANIFEST_BLOB_UNKNOWN\",\"message\":\"blob unknown to registry\",\"detail\":\"$(digest_of "$T/foreign.tgz")\"" "$out"

for f in config.json layer.tgz; do
  out=$(upload "$REGISTRY_FOREIGN_URL" "$R" "$T/$f")
  check "urls-allow: upload $f -> 201" 201 "${out%% *}"
done
out=$(put_manifest "$REGISTRY_FOREIGN_URL" "$R" v1 "$T/m-urls.json")
check "urls-allow (:5001): manifest with foreign urls, foreign blob NOT uploaded -> 201" 201 "${out%% *}"
check "… the foreign blob is still unknown there" 404 "$(curl -s -o /dev/null -w '%{http_code}' -I \
  "$REGISTRY_FOREIGN_URL/v2/$R/blobs/$(digest_of "$T/foreign.tgz")")"
docker_manifest "$T/config.json" "$T/foreign.tgz" 0 "$T/layer.tgz" >"$T/m-no-urls.json"
out=$(upload "$REGISTRY_FOREIGN_URL" "$R" "$T/foreign.tgz")
check "urls-allow: upload foreign.tgz -> 201" 201 "${out%% *}"
out=$(put_manifest "$REGISTRY_FOREIGN_URL" "$R" v2 "$T/m-no-urls.json")
check "urls-allow: foreign media type WITHOUT urls, blob present -> 500 (sic)" 500 "${out%% *}"
check_contains "… UNKNOWN first" '{"errors":[{"code":"UNKNOWN","message":"unknown error"}' "$out"
check_contains "… and MANIFEST_BLOB_UNKNOWN naming the foreign layer although it was uploaded" \
  "\"code\":\"MANIFEST_BLOB_UNKNOWN\",\"message\":\"blob unknown to registry\",\"detail\":\"$(digest_of "$T/foreign.tgz")\"" "$out"

# What tells Pulp from distribution: distribution's answers carry no Correlation-ID.
curl -s -D "$T/h" -o /dev/null -I "$REGISTRY_STRICT_URL/v2/"
check "HEAD /v2/ -> 200 without a Correlation-ID" "200 no" \
  "$(status <"$T/h") $([ -n "$(header Correlation-ID <"$T/h")" ] && echo yes || echo no)"

# --- OCI 1.1 referrers ---------------------------------------------------------------------------
# distribution 2.8 has no referrers API: the spec's 404, so `sync` follows the tag schema instead.
check "GET /v2/<name>/referrers/<digest> -> 404 (no referrers API)" 404 "$(curl -s -o /dev/null -w '%{http_code}' \
  -H "Accept: application/vnd.oci.image.index.v1+json" \
  "$REGISTRY_STRICT_URL/v2/facts/loc-$run/referrers/sha256:$(printf '0%.0s' {1..64})")"

facts_summary
