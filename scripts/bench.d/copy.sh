#!/usr/bin/env bash
# Benchmark: wall time of `waybill copy` and of `skopeo copy` for the same 512 MiB image (one
# layer of seeded random data, from tests/fixtures/make_images.py), from the harness's urls-allow
# registry into its strict one — both local distribution registries on 127.0.0.1 — in one run,
# alternating the tools, each copy into a fresh repository so that every byte is uploaded.
# Prints each run, the medians and the ratio (target: Waybill ≤ 1.1 × skopeo). Waybill runs twice
# per round: with its default 8 MiB chunks (64 PATCHes, each of which distribution answers only
# after saving its hash state) and with 64 MiB chunks, to show what the per-PATCH cost is; skopeo
# streams the whole blob in one PATCH.
#
#   WAYBILL_BENCH_ROUNDS=N      rounds per tool (default 3)
#   WAYBILL_BENCH_SIZE=BYTES    size of the layer's file (default 512 MiB)
set -euo pipefail
WAYBILL_LOG_TAG=bench-copy
# shellcheck source=scripts/lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
cd "$WAYBILL_ROOT"

ROUNDS=${WAYBILL_BENCH_ROUNDS:-3}
SIZE=${WAYBILL_BENCH_SIZE:-$((512 * 1024 * 1024))}
B=$(state_dir bench)
need_apt skopeo

scripts/registry up
eval "$(scripts/registry env)"
SRC=${REGISTRY_FOREIGN_URL#http://}
DST=${REGISTRY_STRICT_URL#http://}
IMAGE=bench-$SIZE/big:v1

if ! curl -sf -o /dev/null -I -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
  "$REGISTRY_FOREIGN_URL/v2/${IMAGE%:*}/manifests/v1"; then
  log "seed a $SIZE-byte image into $SRC (once)"
  python3 tests/fixtures/make_images.py --registry "$REGISTRY_FOREIGN_URL" --namespace "bench-$SIZE/" \
    --only big --big-size "$SIZE" --work-dir "$B/work" --summary "$B/fixtures-$SIZE.json" >&2
  rm -rf "$B/work" # the registry has it now
fi

log "build waybill (release)"
cargo build --release --locked -p waybill >&2
WAYBILL=$WAYBILL_TARGET/release/waybill

# skopeo remembers where it pushed blobs (its blob-info cache) and would mount them from an
# earlier run's repository instead of uploading; each run gets a fresh, empty cache. As root that
# cache is system-wide, so skopeo runs as `nobody` with a throwaway HOME.
SKOPEO_HOME=$B/skopeo-home
skopeo_copy() {
  rm -rf "$SKOPEO_HOME"
  mkdir -p "$SKOPEO_HOME"
  chown nobody "$SKOPEO_HOME"
  runuser -u nobody -- env HOME="$SKOPEO_HOME" XDG_RUNTIME_DIR="$SKOPEO_HOME" skopeo copy -q \
    --src-tls-verify=false --dest-tls-verify=false "docker://$SRC/$IMAGE" "docker://$DST/$1"
}
waybill_copy() { # REPO:TAG [waybill copy options…]
  local to=$1
  shift
  "$WAYBILL" copy "$@" "$SRC/$IMAGE" "$DST/$to" >/dev/null
}

run_id=$(date +%s)-$$
seconds() { # COMMAND… → wall seconds on stdout
  local t0 t1
  t0=$(date +%s.%N)
  "$@" >&2
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f\n", b - a }'
}
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# One unmeasured copy first: the destination then holds the blob's data, as it does for every
# measured run after it, whichever tool goes first.
log "warm-up copy"
waybill_copy "bench-warmup/big:$run_id"

w=() b=() s=()
for i in $(seq "$ROUNDS"); do
  w+=("$(seconds waybill_copy "bench-waybill-$run_id-$i/big:v1")")
  b+=("$(seconds waybill_copy "bench-waybill64-$run_id-$i/big:v1" --chunk-size 64MiB)")
  s+=("$(seconds skopeo_copy "bench-skopeo-$run_id-$i/big:v1")")
  log "round $i: waybill ${w[-1]} s, waybill (64 MiB chunks) ${b[-1]} s, skopeo ${s[-1]} s"
done
wm=$(printf '%s\n' "${w[@]}" | median)
bm=$(printf '%s\n' "${b[@]}" | median)
sm=$(printf '%s\n' "${s[@]}" | median)
mib=$((SIZE / 1024 / 1024))
echo "copy of a $mib MiB image, $SRC -> $DST (local distribution), $ROUNDS rounds, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "  waybill copy (8 MiB chunks):  ${w[*]} s  (median $wm s)"
echo "  waybill copy (64 MiB chunks): ${b[*]} s  (median $bm s)"
echo "  skopeo copy (one PATCH):      ${s[*]} s  (median $sm s)"
ratio() { awk -v w="$1" -v s="$sm" -v label="$2" 'BEGIN { r = w / s; printf "  ratio %s/skopeo: %.2f (target <= 1.10: %s)\n", label, r, (r <= 1.10 ? "met" : "NOT met") }'; }
ratio "$wm" "waybill"
ratio "$bm" "waybill-64MiB"
