#!/usr/bin/env bash
# Archive benchmark: a generated 1 GiB docker-archive (skopeo writes it from an image that
# tests/fixtures/make_images.py seeds: one layer of seeded pseudo-random data).
#
#  1. `waybill inspect` and `waybill verify` of the archive, plain and gzip'd: wall time and
#     peak RSS (GNU time). Peak RSS must stay under 64 MiB — checked here; the run fails if not.
#  2. `waybill push` of the archive vs `skopeo copy docker-archive:… docker://…`, one after the
#     other, into the same local distribution registry (started here, storage thrown away after):
#     wall time, CPU seconds per GiB, the ratio, and peak RSS of each. Both gzip the plain layer
#     on the way (Waybill's default, like skopeo's): that is the like-for-like ratio (target
#     ≤ 1.0). `--compress none` (as stored) is measured too.
#     The image is seeded into a second throw-away registry: skopeo remembers where it saw each
#     blob (its blob-info cache) and would mount the layer from there instead of pushing it,
#     so the destination must be a registry it has never read from.
#
# WAYBILL_BENCH_ARCHIVE_SIZE (bytes, default 1 GiB) sizes the layer; the throw-away registries
# listen on the first free ports from WAYBILL_BENCH_REGISTRY_PORT (default 5400).
set -euo pipefail
WAYBILL_LOG_TAG=bench-archive
# shellcheck source=scripts/lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=scripts/bench.d/bench-registry.sh
. "$(dirname "$0")/bench-registry.sh"

SIZE=${WAYBILL_BENCH_ARCHIVE_SIZE:-1073741824}
PORT=${WAYBILL_BENCH_REGISTRY_PORT:-5400}
RSS_LIMIT_KIB=$((64 * 1024))
W=$(state_dir bench/archive)
REG=$W/registry
BIN=$WAYBILL_TARGET/release/waybill

need_apt time skopeo docker-registry gzip

log "build waybill (release)"
(cd "$WAYBILL_ROOT" && cargo build --release --locked -p waybill >&2)

# --- two throw-away distribution registries: "seed" (to make the archive) and "push" -------------
next_port=$PORT
# free_port VAR: sets VAR to the next free port (not in a subshell, so that ports are not reused).
free_port() {
  local first=$next_port
  until port_free "$next_port"; do
    next_port=$((next_port + 1))
    [ $next_port -lt $((first + 100)) ] || die "no free port in 127.0.0.1:$first-$next_port (set WAYBILL_BENCH_REGISTRY_PORT)"
  done
  printf -v "$1" '%s' "$next_port"
  next_port=$((next_port + 1))
}
rm -rf "$REG"
cleanup() {
  proc_stop "$REG/seed/registry.pid"
  proc_stop "$REG/push/registry.pid"
  rm -rf "$REG"
}
trap cleanup EXIT
free_port SEED_PORT
free_port PUSH_PORT

# --- the archive (kept between runs; rebuilt when the size changes) ------------------------------
ARCHIVE=$W/big-$SIZE.tar
if [ ! -s "$ARCHIVE" ]; then
  log "seed a $SIZE-byte image (make_images.py) and write it with skopeo to a docker-archive"
  rm -f "$W"/big-*.tar "$W"/big-*.tar.gz
  start_bench_registry "$REG/seed" "$SEED_PORT"
  python3 "$WAYBILL_ROOT/tests/fixtures/make_images.py" --registry "http://127.0.0.1:$SEED_PORT" --namespace bench \
    --work-dir "$W/seed" --summary "$W/seed/summary.json" --only big --big-size "$SIZE" >&2
  skopeo copy -q --src-tls-verify=false "docker://127.0.0.1:$SEED_PORT/bench/big:v1" \
    "docker-archive:$ARCHIVE.tmp:bench/big:v1" >&2
  mv "$ARCHIVE.tmp" "$ARCHIVE"
  rm -rf "$W/seed"
fi
if [ ! -s "$ARCHIVE.gz" ]; then
  log "gzip -1 the archive"
  gzip -1 -c "$ARCHIVE" >"$ARCHIVE.gz.tmp"
  mv "$ARCHIVE.gz.tmp" "$ARCHIVE.gz"
fi

# --- measuring ------------------------------------------------------------------------------------
ROWS=()
# measure LABEL COMMAND…: runs COMMAND under GNU time; sets WALL (s) and RSS (KiB).
measure() {
  local label=$1 out=$W/time.txt
  shift
  /usr/bin/time -v -o "$out" "$@" >"$W/last.out" 2>"$W/last.err" ||
    { cat "$W/last.err" >&2; die "$label failed: $*"; }
  RSS=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$out")
  WALL=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s }' "$out")
  CPU=$(awk -F': ' '/(User|System) time \(seconds\)/ { s += $2 } END { print s }' "$out")
  ROWS+=("$(printf '%-44s %9.2f s %9.1f MiB %8.2f CPU s/GiB' "$label" "$WALL" "$(awk -v k="$RSS" 'BEGIN { print k / 1024 }')" \
    "$(awk -v c="$CPU" -v b="$SIZE" 'BEGIN { print c / (b / 1073741824) }')")")
  log "$label: ${WALL}s, peak RSS ${RSS} KiB"
}

over_limit=()
check_rss() { [ "$RSS" -lt "$RSS_LIMIT_KIB" ] || over_limit+=("$1 (${RSS} KiB)"); }

for file in "$ARCHIVE" "$ARCHIVE.gz"; do
  kind=plain
  [ "$file" = "$ARCHIVE" ] || kind=gzip
  measure "waybill inspect ($kind)" "$BIN" inspect "$file"
  check_rss "inspect $kind"
  measure "waybill verify ($kind)" "$BIN" verify "$file"
  check_rss "verify $kind"
done

start_bench_registry "$REG/push" "$PUSH_PORT"
run_id=$(date +%s)
measure "waybill push (gzip, the default)" "$BIN" push "$ARCHIVE" "127.0.0.1:$PUSH_PORT/bench/waybill-gzip-$run_id:1"
WAYBILL_GZIP_WALL=$WALL
measure "skopeo copy docker-archive: → docker://" skopeo copy -q --dest-tls-verify=false \
  "docker-archive:$ARCHIVE" "docker://127.0.0.1:$PUSH_PORT/bench/skopeo-$run_id:1"
SKOPEO_WALL=$WALL
measure "waybill push --compress none (as stored)" "$BIN" push --compress none "$ARCHIVE" \
  "127.0.0.1:$PUSH_PORT/bench/waybill-$run_id:1"
WAYBILL_WALL=$WALL
# Debian's distribution 2.8 takes 1 GiB in 2.8–2.9 s in one PATCH, 3.6–4.4 s in 8 MiB PATCHes (a
# keep-alive client on the idle machine; docs/app.md), so the chunk size shows in the wall time.
measure "waybill push --compress none --chunk-size 64MiB" "$BIN" push --compress none --chunk-size 64MiB "$ARCHIVE" \
  "127.0.0.1:$PUSH_PORT/bench/waybill-64m-$run_id:1"

{
  echo
  echo "Archive benchmark: $(du -h "$ARCHIVE" | cut -f1) docker-archive ($SIZE-byte layer), $(du -h "$ARCHIVE.gz" | cut -f1) gzip'd"
  echo "$(nproc) CPUs, $(skopeo --version), waybill $(git -C "$WAYBILL_ROOT" rev-parse --short HEAD)"
  printf '%-44s %11s %13s %18s\n' "" "wall" "peak RSS" "CPU"
  printf '%s\n' "${ROWS[@]}"
  awk -v w="$WAYBILL_WALL" -v s="$SKOPEO_WALL" -v g="$WAYBILL_GZIP_WALL" 'BEGIN {
    printf "waybill push (gzip) / skopeo copy (gzip): %.2fx (target <= 1.0)\n", g / s
    printf "waybill push --compress none / skopeo copy: %.2fx\n", w / s
  }'
  echo "inspect/verify peak RSS limit: $((RSS_LIMIT_KIB / 1024)) MiB"
} >&2

[ ${#over_limit[@]} -eq 0 ] || die "peak RSS over $((RSS_LIMIT_KIB / 1024)) MiB: ${over_limit[*]}"
log "peak RSS of inspect and verify under $((RSS_LIMIT_KIB / 1024)) MiB"
