#!/usr/bin/env bash
# Benchmark: listing the files of a 256 MiB gzip layer (issue 14), one run of each, in one
# invocation:
#   * `tar -tzf` on the layer's blob (the baseline: GNU tar with gzip as its child process);
#   * `waybill ls ARCHIVE --layer 1`: the same layer as the one layer of an OCI archive;
#   * the same with per-file hashing on (`--hash`: every regular file's sha256, same pass);
#   * `waybill ls ARCHIVE` (the merged view, which holds every path until it prints them);
# with wall time, MB/s and CPU seconds per GiB of the gzip'd layer, each waybill run's ratio of
# times to tar's (target: <= 0.67, i.e. waybill >= 1.5x tar's speed) and its peak RSS (target:
# < 32 MiB). GNU time measures each run; every output goes to a file, and the listings must
# count the same entries as tar's.
#
# The input is generated here (scripts/bench.d/layer_image.py; seeded, kept under
# .cache/bench/layers for the next run, never committed): packages of files of mixed sizes (python
# and node trees of small text files, shared libraries and programs up to 12 MiB, compressed data,
# symbolic and hard links, every directory), gzip'd until the blob reaches the size, and a
# one-image OCI archive holding that blob byte for byte. `waybill ls` reads layers from images
# only; an archive rather than the local registry, because tar reads a local file too: the ratio
# compares listing, not a registry's HTTP (whose CPU would be in another process, outside
# waybill's figures), and no server is needed.
#
# Then the browser half: the same archive dropped on the app's Upload page in headless Chromium
# (layers-browser.mjs), layer 1 listed by the explorer worker (the core's reader over Blob.slice:
# local file against local file, as above), timed on the page's clock from the click to the last
# entry, the count checked, and the tab's peak memory (JS heap and ArrayBuffers of the page and
# its workers, and their wasm memories; target: < 64 MiB); ratio to tar's time (target: <= 1.0).
#
#   WAYBILL_BENCH_LAYER_MIB (256)   size of the gzip'd layer
set -euo pipefail
WAYBILL_LOG_TAG=bench-layers
# shellcheck source=scripts/lib/toolchain.sh
. "$(dirname "$0")/../lib/toolchain.sh"
cd "$WAYBILL_ROOT"

MIB=${WAYBILL_BENCH_LAYER_MIB:-256}
B=$(state_dir bench/layers)
D=$B/input-$MIB
need_apt time gzip tar

if [ ! -s "$D/summary.json" ]; then
  log "generate a $MIB MiB gzip layer and its OCI archive in $D (once)"
  rm -rf "$D"
  mkdir -p "$D"
  python3 scripts/bench.d/layer_image.py --out-dir "$D" --target-mib "$MIB" >"$D/summary.json.tmp"
  mv "$D/summary.json.tmp" "$D/summary.json"
fi
LAYER=$D/layer.tar.gz
ARCHIVE=$D/image.oci.tar
read -r size raw entries < <(python3 -c 'import json, sys; l = json.load(open(sys.argv[1]))["layer"]
print(l["size"], l["uncompressed"], l["entries"])' "$D/summary.json")

log "build waybill (release)"
cargo build --release --locked -p waybill >&2
WAYBILL=$WAYBILL_TARGET/release/waybill

# Both files read once before anything is timed, so every run reads them from the page cache.
cat "$LAYER" "$ARCHIVE" >/dev/null

# measure NAME COMMAND…: runs COMMAND under GNU time, its output to $B/NAME.out; prints
# "wall cpu maxrss_kib".
measure() {
  local name=$1
  shift
  /usr/bin/time -f '%e %U %S %M' -o "$B/$name.time" "$@" >"$B/$name.out" 2>"$B/$name.err" \
    || { cat "$B/$name.err" >&2; die "$* failed"; }
  awk '{ printf "%s %.2f %s\n", $1, $2 + $3, $4 }' "$B/$name.time"
}
read -r tw tc tr < <(measure tar tar -tzf "$LAYER")
read -r lw lc lr < <(measure ls "$WAYBILL" ls "$ARCHIVE" --layer 1)
read -r hw hc hr < <(measure hash "$WAYBILL" ls "$ARCHIVE" --layer 1 --hash)
read -r mw mc mr < <(measure merged "$WAYBILL" ls "$ARCHIVE")

# Every listing names every entry (the merged view has no markers here, so it lists them all too).
for name in tar ls hash merged; do
  n=$(wc -l <"$B/$name.out")
  [ "$n" = "$entries" ] || die "$name listed $n entries, the layer has $entries (see $B/$name.out)"
done
hashed=$(awk '$1 ~ /^-/ && length($7) == 64 && $7 !~ /[^0-9a-f]/' "$B/hash.out" | wc -l)
files=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["layer"]["by_type"]["file"])' "$D/summary.json")
[ "$hashed" = "$files" ] || die "--hash gave $hashed sha256s for $files files (see $B/hash.out)"

mbs() { awk -v s="$size" -v w="$1" 'BEGIN { printf "%.0f", s / 1e6 / w }'; }
per_gib() { awk -v c="$1" -v s="$size" 'BEGIN { printf "%.2f", c / (s / 1073741824) }'; }
ratio() { awk -v a="$1" -v b="$tw" 'BEGIN { printf "%.2f", a / b }'; }
met() { awk "BEGIN { print ($1) ? \"met\" : \"NOT met\" }"; }
# row LABEL WALL CPU RSS_KIB [NOTE]
row() {
  printf '  %-29s %6s s  %4s MB/s  %5s CPU s/GiB  peak RSS %3d MiB%s\n' "$1:" "$2" "$(mbs "$2")" \
    "$(per_gib "$3")" $(($4 / 1024)) "${5:+  $5}"
}
rss_note() { echo "(< 32 MiB: $(met "$1 < 32 * 1024"))"; }
echo "listing a $((size / 1048576)) MiB gzip layer ($((raw / 1048576)) MiB of tar, $entries entries, $files files), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
row "tar -tzf (baseline)" "$tw" "$tc" "$tr"
row "waybill ls --layer 1" "$lw" "$lc" "$lr" "$(rss_note "$lr")  ratio $(ratio "$lw") (<= 0.67: $(met "$lw / $tw <= 0.67"))"
row "waybill ls --layer 1 --hash" "$hw" "$hc" "$hr" "$(rss_note "$hr")  ratio $(ratio "$hw")"
row "waybill ls (merged view)" "$mw" "$mc" "$mr" "$(rss_note "$mr")  ratio $(ratio "$mw")"
echo "  (MB/s and CPU s/GiB of the gzip'd blob; ratio = waybill's time / tar's)"

# The browser half: `waybill serve` (the release app, no registry) and the archive dropped on Upload.
# shellcheck source=scripts/bench.d/serve-app.sh
. "$(dirname "$0")/serve-app.sh"
printf '[proxy]\ndefault_hosts = false\n' >"$B/waybill.toml"
trap 'proc_stop "$B/serve.pid" 5' EXIT
# The release build's wasm-opt and Playwright come from node_modules (as in scripts/test).
ensure_node_modules
ensure_trunk
serve_app "$B" 18880 "$B/waybill.toml"
node scripts/bench.d/layers-browser.mjs "http://127.0.0.1:$SERVE_PORT" "$ARCHIVE" >"$B/browser.json"
read -r ok bn bw tab js wasm busy < <(python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); p = r["peak"]
wasm = sum(m["bytes"] for m in p["wasm"])
print(r["ok"], r["entries"], round(r["seconds"], 2), round((p["sum"] + wasm) / 1048576), round(p["js"] / 1048576), round(wasm / 1048576), round(r["page_busy"], 2))' "$B/browser.json")
[ "$ok" = True ] || die "the app's listing failed: see $B/browser.json"
[ "$bn" = "$entries" ] || die "the app listed $bn entries, the layer has $entries (see $B/browser.json)"
printf '  %-29s %6s s  %4s MB/s  tab peak %3d MiB (JS heap %d, wasm %d; < 64 MiB: %s)  ratio %s (<= 1.0: %s)\n' \
  "the app's worker (layer 1):" "$bw" "$(mbs "$bw")" "$tab" "$js" "$wasm" "$(met "$tab < 64")" "$(ratio "$bw")" \
  "$(met "$bw / $tw <= 1.0")"
echo "  (the page's own thread was busy $busy CPU s of it: drawing rows, beside the worker and its hashing helper)"
