#!/usr/bin/env bash
# Benchmark: mirroring a repository of 8 tags (one 400 MiB base layer shared by all, 25 MiB of
# their own each: about 600 MiB) from the harness's urls-allow registry into its strict one, both
# local distribution registries on 127.0.0.1, one run of each:
#   * `waybill sync` against `skopeo sync --src docker --dest docker` of the same tags, each into a
#     fresh repository (target: waybill <= 1.0x skopeo);
#   * the rerun with nothing changed (target: <= 0.1x the first run);
#   * `waybill save` against `skopeo sync --dest dir` of the same tags;
# with each tool's CPU seconds per GiB moved and waybill's peak RSS (target: < 64 MiB).
#   WAYBILL_BENCH_TAGS (8), WAYBILL_BENCH_BASE_MIB (400), WAYBILL_BENCH_TAG_MIB (25)
set -euo pipefail
WAYBILL_LOG_TAG=bench-sync
# shellcheck source=scripts/lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=scripts/bench.d/sync-source.sh
. "$(dirname "$0")/sync-source.sh"
cd "$WAYBILL_ROOT"

B=$(state_dir bench/sync)
sync_source "$B"
log "build waybill (release)"
cargo build --release --locked -p waybill >&2
WAYBILL=$WAYBILL_TARGET/release/waybill
run_id=$(date +%s)-$$

fresh_skopeo_home
read -r sw sc _ < <(measure "${SKOPEO[@]}" sync --src docker --dest docker --src-tls-verify=false \
  --dest-tls-verify=false "$SRC/$REPO" "$DST/bench-skopeo-$run_id")
read -r ww wc wr < <(measure "$WAYBILL" sync "$SRC/$REPO" "$DST/bench-waybill-$run_id/app")
read -r rw rc rr < <(measure "$WAYBILL" sync "$SRC/$REPO" "$DST/bench-waybill-$run_id/app")
rm -rf "$B/dir" "$B/bundle.tar"
chown nobody "$B"
fresh_skopeo_home
read -r dw dc _ < <(measure "${SKOPEO[@]}" sync --src docker --dest dir --src-tls-verify=false "$SRC/$REPO" "$B/dir")
read -r vw vc vr < <(measure "$WAYBILL" save "$SRC/$REPO" -o "$B/bundle.tar")
rm -rf "$B/dir" "$B/bundle.tar"

echo "sync of $TAGS tags (${MIB} MiB, one shared base layer) $SRC -> $DST, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "  skopeo sync (docker->docker):  ${sw} s, $(per_gib "$sc") CPU s/GiB"
echo "  waybill sync:                  ${ww} s, $(per_gib "$wc") CPU s/GiB, peak RSS $((wr / 1024)) MiB  ratio $(ratio "$ww" "$sw") (target <= 1.0)"
echo "  waybill sync, rerun:           ${rw} s, peak RSS $((rr / 1024)) MiB  ratio to the first run $(ratio "$rw" "$ww") (target <= 0.1)"
echo "  skopeo sync --dest dir:        ${dw} s, $(per_gib "$dc") CPU s/GiB"
echo "  waybill save:                  ${vw} s, $(per_gib "$vc") CPU s/GiB, peak RSS $((vr / 1024)) MiB  ratio $(ratio "$vw" "$dw")"
