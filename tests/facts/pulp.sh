#!/usr/bin/env bash
# Checks, with curl against the real Pulp started by `scripts/pulp up`, the Pulp facts Waybill relies
# on (docs/pulp-notes.md): chunked upload, the foreign-layer push rules, the REST listings the tests
# use, and the Bearer token flow. Prints one line per check and "N passed, N failed".
#
# usage: tests/facts/pulp.sh        (needs a running Pulp: scripts/pulp up)
set -euo pipefail
[ $# -eq 0 ] || { echo "usage: tests/facts/pulp.sh" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/facts/lib.sh
. "$here/lib.sh"
eval "$("$here/../../scripts/pulp" env)"
A=(-u "$PULP_USER:$PULP_PASSWORD")
T=$FACTS_TMP
run=$(date +%s)-$$
api() { curl -sf "${A[@]}" "$PULP_URL/pulp/api/v3/$1"; }
count() { python3 -c 'import json, sys; print(json.load(sys.stdin)["count"])'; }

# upload REPO FILE: POST + monolithic PUT ?digest=; prints the PUT status.
upload() {
  local loc
  loc=$(curl -s "${A[@]}" -D - -o /dev/null -X POST "$PULP_URL/v2/$1/blobs/uploads/" | header Location)
  curl -s "${A[@]}" -o /dev/null -w '%{http_code}' -X PUT -H 'Content-Type: application/octet-stream' \
    --data-binary @"$2" "$PULP_URL$loc?digest=$(digest_of "$2")"
}

# put_manifest REPO TAG FILE: prints "STATUS BODY".
put_manifest() {
  curl -s "${A[@]}" -o "$T/body" -w '%{http_code}' -X PUT \
    -H 'Content-Type: application/vnd.docker.distribution.manifest.v2+json' --data-binary @"$3" \
    "$PULP_URL/v2/$1/manifests/$2"
  printf ' %s' "$(cat "$T/body")"
}

blobs_before=$(api "content/container/blobs/?limit=1" | count)
repos_before=$(api "repositories/container/container/?limit=1" | count)

# --- chunked upload -----------------------------------------------------------------------------
R=waybill-facts/chunked-$run
random_blob "$T/big.bin" 2500000
split -b 1048576 -d "$T/big.bin" "$T/part."
D=$(digest_of "$T/big.bin")
curl -s "${A[@]}" -D "$T/h" -o /dev/null -X POST "$PULP_URL/v2/$R/blobs/uploads/"
check "POST /v2/<name>/blobs/uploads/ -> 202" 202 "$(status <"$T/h")"
loc=$(header Location <"$T/h")
check "upload Location is relative (/v2/…)" "/v2/$R/blobs/uploads/" "${loc%/*}/"
off=0
for p in "$T"/part.*; do
  end=$((off + $(size_of "$p") - 1))
  curl -s "${A[@]}" -D "$T/h" -o /dev/null -X PATCH -H 'Content-Type: application/octet-stream' \
    -H "Content-Range: $off-$end" --data-binary @"$p" "$PULP_URL$loc"
  check "PATCH Content-Range $off-$end -> 202" 202 "$(status <"$T/h")"
  check "PATCH answers Range 0-$end" "0-$end" "$(header Range <"$T/h")"
  off=$((end + 1))
done
curl -s "${A[@]}" -D "$T/h" -o /dev/null -X PUT "$PULP_URL$loc?digest=$D"
check "PUT <location>?digest= (empty body) -> 201" 201 "$(status <"$T/h")"
check "Docker-Content-Digest is the digest" "$D" "$(header Docker-Content-Digest <"$T/h")"
curl -s "${A[@]}" -D "$T/h" -o /dev/null -I "$PULP_URL/v2/$R/blobs/$D"
check "HEAD blob -> 302" 302 "$(status <"$T/h")"
check_contains "blob redirect goes to the content app" "$PULP_CONTENT_URL/pulp/container/$R/blobs/$D?" \
  "$(header Location <"$T/h")"
check "the blob fetched through the redirect has the digest" "$D" \
  "sha256:$(curl -sL "${A[@]}" "$PULP_URL/v2/$R/blobs/$D" | sha256sum | cut -d' ' -f1)"

# --- foreign layers on push ----------------------------------------------------------------------
printf '{"architecture":"amd64","os":"windows","rootfs":{"type":"layers","diff_ids":[]},"run":"%s"}' "$run" >"$T/config.json"
layer_tgz "$T/foreign.tgz"
layer_tgz "$T/layer.tgz"
docker_manifest "$T/config.json" "$T/foreign.tgz" 0 "$T/layer.tgz" >"$T/m-no-urls.json"
docker_manifest "$T/config.json" "$T/foreign.tgz" 1 "$T/layer.tgz" >"$T/m-urls.json"

R=waybill-facts/no-urls-$run
for f in config.json foreign.tgz layer.tgz; do check "upload $f to $R -> 201" 201 "$(upload "$R" "$T/$f")"; done
out=$(put_manifest "$R" v1 "$T/m-no-urls.json")
check "foreign layer without urls (all blobs uploaded) -> 400" 400 "${out%% *}"
check_contains "… MANIFEST_INVALID" '"code":"MANIFEST_INVALID"' "$out"
check_contains "… reason" "The URL of a foreign layer must be specified" "$out"
check_contains "… detail.digest is the MANIFEST's digest" "\"digest\":\"$(digest_of "$T/m-no-urls.json")\"" "$out"

R=waybill-facts/no-config-$run
check "upload layer.tgz to $R -> 201" 201 "$(upload "$R" "$T/layer.tgz")"
out=$(put_manifest "$R" v1 "$T/m-urls.json")
check "config blob not uploaded -> 400" 400 "${out%% *}"
check_contains "… BLOB_UNKNOWN naming the config" \
  "\"code\":\"BLOB_UNKNOWN\",\"message\":\"blob unknown to registry\",\"detail\":{\"digest\":\"$(digest_of "$T/config.json")\"}" "$out"

R=waybill-facts/urls-$run
for f in config.json layer.tgz; do check "upload $f to $R -> 201" 201 "$(upload "$R" "$T/$f")"; done
out=$(put_manifest "$R" v1 "$T/m-urls.json")
check "foreign layer with urls, blob only in ANOTHER repository -> 400" 400 "${out%% *}"
check_contains "… MANIFEST_INVALID (no reason given)" '"message":"manifest invalid"' "$out"
check "upload foreign.tgz to $R -> 201" 201 "$(upload "$R" "$T/foreign.tgz")"
out=$(put_manifest "$R" v1 "$T/m-urls.json")
check "foreign layer with urls and blob uploaded -> 201" 201 "${out%% *}"
stored=$(curl -s "${A[@]}" -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
  "$PULP_URL/v2/$R/manifests/v1" | sha256sum | cut -d' ' -f1)
check "the manifest is served byte-for-byte" "$(digest_of "$T/m-urls.json")" "sha256:$stored"

# --- REST listings the tests use ("no new repository, no new blobs") -----------------------------
check "pushed repositories are type container (…/repositories/container/container/)" 1 \
  "$(api "repositories/container/container/?name=$R" | count)"
check "… and not container-push" 0 "$(api "repositories/container/container-push/?name=$R" | count)"
check "a distribution with base_path = the repository name" 1 \
  "$(api "distributions/container/container/?base_path=$R" | count)"
check "blobs are listed by digest" 1 "$(api "content/container/blobs/?digest=$(digest_of "$T/foreign.tgz")" | count)"
check "blob count grew by exactly the 4 new blobs" $((blobs_before + 4)) \
  "$(api "content/container/blobs/?limit=1" | count)"
check "repository count grew by the 4 repositories uploaded to" $((repos_before + 4)) \
  "$(api "repositories/container/container/?limit=1" | count)"
curl -s "${A[@]}" -o /dev/null -I "$PULP_URL/v2/waybill-facts/never-$run/manifests/v1"
curl -s "${A[@]}" -o /dev/null "$PULP_URL/v2/waybill-facts/never-$run/tags/list"
check "GET/HEAD on an unknown repository creates none" $((repos_before + 4)) \
  "$(api "repositories/container/container/?limit=1" | count)"

# --- a cross-repository mount counts as "uploaded to that repository" ------------------------------
R2=waybill-facts/mount-$run
for f in config.json foreign.tgz layer.tgz; do
  check "POST ?mount=<$f>&from=<other repo> -> 201" 201 "$(curl -s "${A[@]}" -o /dev/null -w '%{http_code}' \
    -X POST "$PULP_URL/v2/$R2/blobs/uploads/?mount=$(digest_of "$T/$f")&from=$R")"
done
out=$(put_manifest "$R2" v1 "$T/m-urls.json")
check "foreign layer with urls, all blobs mounted -> 201" 201 "${out%% *}"

# --- telling Pulp from other registries (the app reads Pulp's REST API only where there is one) -------
curl -s "${A[@]}" -D "$T/h" -o /dev/null -I "$PULP_URL/v2/"
check "HEAD /v2/ -> 200" 200 "$(status <"$T/h")"
check "HEAD /v2/ carries pulpcore's Correlation-ID" yes "$([ -n "$(header Correlation-ID <"$T/h")" ] && echo yes || echo no)"
curl -s -D "$T/h" -o /dev/null -I "$PULP_TOKEN_URL/v2/"
check "token API: HEAD /v2/ without a token -> 401 with a Correlation-ID too" "401 yes" \
  "$(status <"$T/h") $([ -n "$(header Correlation-ID <"$T/h")" ] && echo yes || echo no)"
curl -s -D "$T/h" -o /dev/null -X POST "$PULP_URL/v2/waybill-facts/challenge-$run/blobs/uploads/"
check "POST without credentials -> 401 WWW-Authenticate: Basic (a browser must fetch with credentials: omit)" \
  "401 Basic realm=\"api\"" "$(status <"$T/h") $(header WWW-Authenticate <"$T/h")"

# --- Bearer token auth (the second API server) ----------------------------------------------------
curl -s -D "$T/h" -o /dev/null -X POST "$PULP_TOKEN_URL/v2/waybill-facts/tok-$run/blobs/uploads/"
check "token server: unauthenticated POST -> 401" 401 "$(status <"$T/h")"
challenge=$(header WWW-Authenticate <"$T/h")
service=${PULP_TOKEN_URL#http://}
check "challenge" "Bearer realm=\"$PULP_TOKEN_URL/token/\",service=\"$service\",scope=\"repository:waybill-facts/tok-$run:push\"" "$challenge"
check "token server: Basic credentials on /v2/ -> 401" 401 \
  "$(curl -s "${A[@]}" -o /dev/null -w '%{http_code}' "$PULP_TOKEN_URL/v2/")"
curl -sf "${A[@]}" -G "$PULP_TOKEN_URL/token/" --data-urlencode "service=$service" \
  --data-urlencode "scope=repository:waybill-facts/tok-$run:pull,push" >"$T/token.json"
token=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["token"])' "$T/token.json")
check "token response: expires_in 300, access_token = token" "300 True" "$(python3 -c '
import json, sys
t = json.load(open(sys.argv[1]))
print(t["expires_in"], t["access_token"] == t["token"])' "$T/token.json")"
check "GET /token/ with Basic gives an ES256 JWT" ES256 "$(python3 -c '
import base64, json, sys
h = sys.argv[1].split(".")[0]
print(json.loads(base64.urlsafe_b64decode(h + "=" * (-len(h) % 4)))["alg"])' "$token")"
curl -s -D "$T/h" -o /dev/null -X POST -H "Authorization: Bearer $token" \
  "$PULP_TOKEN_URL/v2/waybill-facts/tok-$run/blobs/uploads/"
check "POST with the Bearer token -> 202" 202 "$(status <"$T/h")"
check "token with wrong credentials -> 401" 401 \
  "$(curl -s -u "$PULP_USER:wrong" -o /dev/null -w '%{http_code}' "$PULP_TOKEN_URL/token/?service=$service")"

# --- OCI 1.1 referrers ---------------------------------------------------------------------------
# Pulp has no referrers API: a 404 (its HTML error page), so `sync` follows the tag schema instead.
check "GET /v2/<name>/referrers/<digest> -> 404 (no referrers API)" 404 "$(curl -s "${A[@]}" -o /dev/null \
  -w '%{http_code}' -H "Accept: application/vnd.oci.image.index.v1+json" \
  "$PULP_URL/v2/waybill-facts/tok-$run/referrers/sha256:$(printf '0%.0s' {1..64})")"

facts_summary
