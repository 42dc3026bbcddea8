# shellcheck shell=bash
# Sourced by the sync benchmarks (sync.sh: the command-line tools; browser-sync.sh: the app in
# headless Chromium against them): the repository both mirror and the timed runs of the tools.
#
# The repository: WAYBILL_BENCH_TAGS (8) tags, one WAYBILL_BENCH_BASE_MIB (400) base layer shared
# by all and WAYBILL_BENCH_TAG_MIB (25) of their own each (seeded pseudo-random data, built by
# sync_images.py), in the harness's urls-allow registry; the destinations are fresh repositories
# of its strict one. Both are local distribution registries on 127.0.0.1 (scripts/registry).

TAGS=${WAYBILL_BENCH_TAGS:-8}
BASE=${WAYBILL_BENCH_BASE_MIB:-400}
TOP=${WAYBILL_BENCH_TAG_MIB:-25}
MIB=$((BASE + TAGS * TOP)) # what a mirror moves

# sync_source WORK: starts the harness's registries (when they are not running), sets SRC and DST
# (the urls-allow registry's host and the strict one's) and REPO (the source repository), and
# seeds REPO when its last tag is missing (the generator's files under WORK/work, removed after).
# WORK is also where measure and the skopeo runs keep their files.
sync_source() {
  SYNC_WORK=$1
  need_apt skopeo
  "$WAYBILL_ROOT/scripts/registry" up
  eval "$("$WAYBILL_ROOT/scripts/registry" env)"
  SRC=${REGISTRY_FOREIGN_URL#http://}
  DST=${REGISTRY_STRICT_URL#http://}
  REPO=bench-sync-$TAGS-$BASE-$TOP/app
  if ! curl -sf -o /dev/null -I -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
    "$REGISTRY_FOREIGN_URL/v2/$REPO/manifests/v$((TAGS - 1))"; then
    log "seed $TAGS tags into $SRC/$REPO (once)"
    python3 "$WAYBILL_ROOT/scripts/bench.d/sync_images.py" --registry "$REGISTRY_FOREIGN_URL" --repository "$REPO" \
      --work-dir "$SYNC_WORK/work" --tags "$TAGS" --base-mib "$BASE" --tag-mib "$TOP" >&2
    rm -rf "$SYNC_WORK/work"
  fi
}

# measure COMMAND…: runs a command under GNU time; prints "wall cpu maxrss_kib" on stdout.
measure() {
  local out=$SYNC_WORK/time.out
  /usr/bin/time -f '%e %U %S %M' -o "$out" "$@" >/dev/null 2>"$SYNC_WORK/last.err" || { cat "$SYNC_WORK/last.err" >&2; die "$* failed"; }
  awk '{ printf "%s %.2f %s\n", $1, $2 + $3, $4 }' "$out"
}

# skopeo's blob-info cache would mount blobs from an earlier run; each run gets a fresh one
# (as root the cache is system-wide, so skopeo runs as nobody with a throwaway HOME):
# fresh_skopeo_home before each "${SKOPEO[@]}" run.
fresh_skopeo_home() {
  SKOPEO_HOME=$SYNC_WORK/skopeo-home
  SKOPEO=(runuser -u nobody -- env HOME="$SKOPEO_HOME" XDG_RUNTIME_DIR="$SKOPEO_HOME" skopeo)
  rm -rf "$SKOPEO_HOME"
  mkdir -p "$SKOPEO_HOME"
  chown nobody "$SKOPEO_HOME"
}

# per_gib CPU_SECONDS: CPU seconds per GiB mirrored; ratio A B: A / B.
per_gib() { awk -v c="$1" -v m="$MIB" 'BEGIN { printf "%.2f", c / (m / 1024) }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
