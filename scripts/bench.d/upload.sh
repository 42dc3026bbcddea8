#!/usr/bin/env bash
# Upload benchmark: a browser push of a 1 GiB docker-archive (headless Chromium running the built
# app → `waybill serve` → a throw-away local distribution registry) against `skopeo copy
# docker-archive:… docker://…` of the same file into the same registry, one run each. Prints the
# wall times, the ratio (target: browser <= 1.5x skopeo), and the tab's peak JS heap and ArrayBuffer
# backing stores (wasm memories included) over the page and its workers (target <= 128 MiB
# together).
#
# The archive (one layer of AES-CTR keystream, written with GNU tar; kept between runs) is made
# here. skopeo gzips the uncompressed layer on its way to the registry; the browser runs three
# times, verifying every file first each time: as stored (the layer uploaded as Blob slices of the
# file) with the app's default 8 MiB chunks (the figure the target is about) and with 64 MiB
# chunks — Debian's distribution 2.8 takes far longer to receive a blob in 8 MiB PATCHes than in
# one (docs/app.md), which skopeo, streaming each layer in one PATCH, never pays — and gzip'd, the
# app's default, as skopeo does (compressed by the push worker's helper workers on the way).
# Three floors are measured in the same run, for the same layer in 8 MiB chunks: a plain HTTP
# client straight to the registry (upload_floor.py: the registry's own cost), and a bare page
# fetching File slices with no Waybill code (upload-floor.mjs: the browser's), straight to the
# registry and through the proxy. Verify-first adds the app's hashing time to the bare page's; the
# report prints both sums against skopeo.
#
#   WAYBILL_BENCH_UPLOAD_MIB (1024)   the layer's size
set -euo pipefail
WAYBILL_LOG_TAG=bench-upload
# shellcheck source=scripts/bench.d/bench-registry.sh
. "$(dirname "$0")/bench-registry.sh"
# shellcheck source=scripts/bench.d/serve-app.sh
. "$(dirname "$0")/serve-app.sh"

MIB=${WAYBILL_BENCH_UPLOAD_MIB:-1024}
W=$(state_dir bench/upload)
need_apt skopeo docker-registry

# --- the archive -----------------------------------------------------------------------------------
ARCHIVE=$W/upload-$MIB.tar
if [ ! -s "$ARCHIVE" ]; then
  log "write a docker-archive with one $MIB MiB layer"
  rm -rf "$W/build" "$W"/upload-*.tar && mkdir -p "$W/build/rootfs" "$W/build/image"
  head -c $((MIB * 1024 * 1024)) /dev/zero |
    openssl enc -aes-128-ctr -nosalt -pbkdf2 -pass pass:waybill-bench >"$W/build/rootfs/data.bin"
  tar --mtime=2017-05-02 --owner=0 --group=0 --numeric-owner -cf "$W/build/layer.tar" -C "$W/build/rootfs" data.bin
  rm -rf "$W/build/rootfs"
  diff_id=$(sha256sum "$W/build/layer.tar" | cut -d' ' -f1)
  mv "$W/build/layer.tar" "$W/build/image/$diff_id.tar"
  printf '{"architecture":"amd64","os":"linux","created":"2017-05-02T00:00:00Z","config":{},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
    "$diff_id" >"$W/build/config.json"
  config=$(sha256sum "$W/build/config.json" | cut -d' ' -f1)
  mv "$W/build/config.json" "$W/build/image/$config.json"
  printf '[{"Config":"%s.json","RepoTags":["bench/upload:%s"],"Layers":["%s.tar"]}]' "$config" "$MIB" "$diff_id" \
    >"$W/build/image/manifest.json"
  tar -cf "$ARCHIVE.tmp" -C "$W/build/image" . && mv "$ARCHIVE.tmp" "$ARCHIVE"
  rm -rf "$W/build"
fi

# --- a throw-away registry, the app, waybill serve -------------------------------------------------
reg_port=5600
while ! port_free "$reg_port"; do reg_port=$((reg_port + 1)); done
R=$W/registry
rm -rf "$R"
cleanup() { proc_stop "$W/serve.pid" 5; proc_stop "$R/registry.pid"; rm -rf "$R"; }
trap cleanup EXIT
start_bench_registry "$R" "$reg_port"

printf '[proxy]\ndefault_hosts = false\nplain_http_hosts = ["127.0.0.1:%s"]\n' "$reg_port" >"$W/waybill.toml"
serve_app "$W" 18780 "$W/waybill.toml"

# --- the runs ----------------------------------------------------------------------------------------
# Each run writes a GiB that the kernel flushes to disk afterwards, while the next run's registry
# fsyncs every PATCH: every run starts after a `sync`, so none pays for its predecessor's writeback.
settle() { sync; }
run_id=$(date +%s)

# The layer's place in the archive, for the floors.
read -r layer_offset layer_size layer_digest < <(python3 - "$ARCHIVE" <<'PY'
import sys, tarfile
with tarfile.open(sys.argv[1]) as archive:
    layer = next(m for m in archive.getmembers() if m.name.endswith(".tar"))
    print(layer.offset_data, layer.size, "sha256:" + layer.name.split("/")[-1][:-len(".tar")])
PY
)

settle
log "skopeo copy docker-archive: → docker://127.0.0.1:$reg_port"
t0=$(date +%s.%N)
skopeo copy -q --dest-tls-verify=false "docker-archive:$ARCHIVE" "docker://127.0.0.1:$reg_port/bench/skopeo-$run_id:1" >&2
skopeo_s=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')

app_push() { # CHUNK_MIB COMPRESSION
  settle
  log "headless Chromium: the app pushes the archive in $1 MiB chunks, layer compression $2 ($(nproc) cores; Chromium $(chromium --version 2>/dev/null | awk '{print $2}'))"
  node scripts/bench.d/upload.mjs "http://127.0.0.1:$SERVE_PORT" "127.0.0.1:$reg_port" "bench/browser-$1-$2-$run_id" \
    "$ARCHIVE" "$1" "$2" >"$W/result-$1-$2.json"
  pushed=$(skopeo inspect --raw --tls-verify=false "docker://127.0.0.1:$reg_port/bench/browser-$1-$2-$run_id:bench" | sha256sum | cut -d' ' -f1)
  printf 'sha256:%s' "$pushed" >"$W/pushed-$1-$2"
}
bare_page() { # PAGE_ORIGIN API NAME
  settle
  node scripts/bench.d/upload-floor.mjs "$1" "$2" "bench/floor-$3-$run_id" \
    "$ARCHIVE" "$layer_offset" "$layer_size" "$layer_digest" 8 >"$W/floor-$3.json"
}

# The floors right after the app's 8 MiB run, which they are compared with.
app_push 8 none
log "floors: the layer in 8 MiB PATCHes by a bare page through the proxy and straight to the registry, and by a plain HTTP client"
bare_page "http://127.0.0.1:$SERVE_PORT" "http://127.0.0.1:$SERVE_PORT/r/127.0.0.1:$reg_port" page
bare_page "http://127.0.0.1:$reg_port" "http://127.0.0.1:$reg_port" direct
settle
python3 scripts/bench.d/upload_floor.py "127.0.0.1:$reg_port" "bench/floor-client-$run_id" "$ARCHIVE" \
  "$layer_offset" "$layer_size" "$layer_digest" 8 >"$W/floor-client"
app_push 64 none
app_push 8 gzip

# --- report ------------------------------------------------------------------------------------------
W=$W SKOPEO_S=$skopeo_s MIB=$MIB SIZE=$(stat -c %s "$ARCHIVE") python3 - <<'PY'
import json, os
e = os.environ
size, skopeo = int(e["SIZE"]), float(e["SKOPEO_S"])
mib = lambda b: b / 1048576
line = lambda label, s: print(f"{label:<72} {s:8.2f} s  {size / 1e6 / s:6.0f} MB/s")
print()
print(f"Upload benchmark: a {mib(size):.0f} MiB docker-archive ({e['MIB']} MiB layer) into a local distribution registry")
line("skopeo copy docker-archive: → docker://", skopeo)
for chunk, compression in ((8, "none"), (64, "none"), (8, "gzip")):
    r = json.load(open(f"{e['W']}/result-{chunk}-{compression}.json"))
    pushed = open(f"{e['W']}/pushed-{chunk}-{compression}").read()
    if not r["ok"]:
        raise SystemExit(f"the browser push ({chunk} MiB chunks, {compression}) failed: {r['failure']}")
    if r["digest"] != pushed:
        raise SystemExit(f"the page showed {r['digest']}, the registry serves {pushed}")
    browser = r["seconds"]
    how = "as stored" if compression == "none" else f"{compression}'d on the way, as skopeo does"
    line(f"browser push (Chromium → waybill serve), {chunk} MiB chunks, {how}", browser)
    if r.get("verifySeconds"):
        v = r["verifySeconds"]
        line("  of which verifying in the hashing workers", v)
        line("  of which uploading (HEAD, POST, PATCHes, PUT)", browser - v)
    print(f"  browser / skopeo: {browser / skopeo:.2f}  (target <= 1.5)")
    p = r["peak"]
    wasm = sum(w["bytes"] for w in p["wasm"])
    print(f"  tab peak over the page and its {r['workers']} workers: JS heap {mib(p['js']):.1f} MiB + ArrayBuffer backing stores "
          f"{mib(p['backing']):.1f} MiB (sampled every 100 ms) + wasm memories {mib(wasm):.1f} MiB = {mib(p['sum'] + wasm):.1f} MiB "
          f"(target <= 128 MiB)")
    print("    wasm memories: " + ", ".join(f"{w['type']} {mib(w['bytes']):.1f}" for w in p["wasm"]))
    if r["errors"]:
        print(f"  page errors: {r['errors']}")

client = float(open(f"{e['W']}/floor-client").read())
page = json.load(open(f"{e['W']}/floor-page.json"))["seconds"]
direct = json.load(open(f"{e['W']}/floor-direct.json"))["seconds"]
print("Floors for the same layer in 8 MiB PATCHes, no Waybill code but the proxy:")
line("  a plain HTTP client straight to the registry (the registry's own cost)", client)
line("  a bare page fetching File slices straight to the registry (same origin)", direct)
line("  a bare page fetching File slices through waybill serve (no hashing)", page)
app = json.load(open(f"{e['W']}/result-8-none.json"))
if app["verifySeconds"]:
    hashing = app["verifySeconds"]
    for what, upload in (("through waybill serve", page), ("straight to the registry", direct)):
        floor = hashing + upload
        print(f"  verify-first floor {what} (the app's hashing {hashing:.2f} s + the bare page): {floor:.2f} s,"
              f" {floor / skopeo:.2f}x skopeo")
    print(f"  the app's own cost above the floor through waybill serve: {app['seconds'] - hashing - page:+.2f} s")
PY
