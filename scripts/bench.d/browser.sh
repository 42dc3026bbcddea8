#!/usr/bin/env bash
# Benchmark: verifying blobs in the browser. Headless Chromium runs the built app, whose Verify
# streams each blob from the local distribution registry through `waybill serve` into the app's
# hashing Web Workers (wasm). In the same run, native baselines on the same files: sha256sum
# (coreutils, no SHA-NI), openssl dgst -sha256 (SHA-NI) and gzip -dc | sha256sum. Prints:
#
#   one     one 1 GiB blob                                   target >= 380 MB/s
#   image   an image of 4 x 256 MiB layers, parallel workers target >= 700 MB/s aggregate
#   diffid  a gzip'd layer (a tar of /usr), digest + gunzip + sha256 of the tar (diff_id)
#                                                            target >= 300 MB/s of compressed input
#   long tasks over 100 ms on the page's main thread during each run (PerformanceObserver; target 0)
#   the gzip'd size of the app's initial download (wasm + JS; target < 400 KB), the worker apart
#
#   WAYBILL_BENCH_BROWSER_MIB (1024)  size of the one-blob case; the image case uses 4 x a quarter
set -euo pipefail
WAYBILL_LOG_TAG=bench-browser
# shellcheck source=scripts/lib/toolchain.sh
. "$(dirname "$0")/../lib/toolchain.sh"
cd "$WAYBILL_ROOT"

MIB=${WAYBILL_BENCH_BROWSER_MIB:-1024}
B=$(state_dir bench/browser)
ensure_browser
ensure_wasm_target
ensure_node_modules
ensure_wasm_bindgen
ensure_trunk

scripts/registry up >&2
eval "$(scripts/registry env)"
REG=${REGISTRY_STRICT_URL#http://}

# --- the files (made once, kept in the state folder) --------------------------------------------
make_random() { # FILE MIB
  [ -f "$1" ] && [ "$(stat -c %s "$1")" = $(($2 * 1024 * 1024)) ] && return 0
  log "make $1 ($2 MiB of random bytes)"
  head -c $(($2 * 1024 * 1024)) /dev/urandom >"$1.tmp" && mv "$1.tmp" "$1"
}
make_random "$B/one.bin" "$MIB"
for i in 1 2 3 4; do make_random "$B/part$i.bin" $((MIB / 4)); done
if [ ! -f "$B/layer.tar.gz" ]; then
  # A real layer: a tar of system files (binaries, libraries, text), truncated to MIB/2 MiB so
  # the run stays short, gzip'd at the default level as `docker build` does.
  log "make $B/layer.tar.gz (tar of /usr, $((MIB / 2)) MiB, gzip -6)"
  (tar -cf - /usr/lib /usr/share 2>/dev/null || true) | head -c $((MIB / 2 * 1024 * 1024)) >"$B/layer.tar"
  gzip -6 -c "$B/layer.tar" >"$B/layer.tar.gz.tmp" && mv "$B/layer.tar.gz.tmp" "$B/layer.tar.gz"
  rm -f "$B/layer.tar"
fi

# --- native baselines, timed, on the same files ----------------------------------------------------
now() { date +%s.%N; }
rate() { awk -v b="$1" -v t="$2" 'BEGIN { printf "%.0f", b / 1e6 / t }'; } # bytes seconds → MB/s
timed() { # VAR COMMAND… : runs the command, stores its wall seconds in VAR, its stdout in VAR_out
  local t0 out
  t0=$(now)
  out=$("${@:2}")
  printf -v "$1" '%s' "$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }')"
  printf -v "$1_out" '%s' "$out"
}
hex() { cut -d' ' -f1; }
sha256sum_of() { sha256sum "$1" | hex; }
openssl_of() { openssl dgst -sha256 -r "$1" | hex; }

log "native baselines (sha256sum, openssl dgst -sha256, gzip -dc | sha256sum)"
one_size=$(stat -c %s "$B/one.bin")
timed t_one_sum sha256sum_of "$B/one.bin"; one_digest=$t_one_sum_out
timed t_one_ssl openssl_of "$B/one.bin"
[ "$t_one_ssl_out" = "$one_digest" ] || die "openssl and sha256sum disagree on one.bin"
parts=()
parts_size=0
t_parts_sum=0
for i in 1 2 3 4; do
  timed t sha256sum_of "$B/part$i.bin"
  parts+=("$B/part$i.bin=sha256:$t_out")
  parts_size=$((parts_size + $(stat -c %s "$B/part$i.bin")))
  t_parts_sum=$(awk -v a="$t_parts_sum" -v b="$t" 'BEGIN { print a + b }')
done
parallel_sum() { printf '%s\n' "$B"/part?.bin | xargs -P "$(nproc)" -n 1 sha256sum >/dev/null; }
timed t_parts_par parallel_sum
gz_size=$(stat -c %s "$B/layer.tar.gz")
timed t_gz_sum sha256sum_of "$B/layer.tar.gz"; gz_digest=$t_gz_sum_out
gunzip_sum() { gzip -dc "$B/layer.tar.gz" | sha256sum | hex; }
timed t_gz_diff gunzip_sum; gz_diff=$t_gz_diff_out

# --- the images --------------------------------------------------------------------------------
OCI_TAR=application/vnd.oci.image.layer.v1.tar
OCI_GZ=application/vnd.oci.image.layer.v1.tar+gzip
push() { python3 scripts/bench.d/browser_images.py "$REGISTRY_STRICT_URL" "$@" >&2; }
log "push the benchmark images to $REGISTRY_STRICT_URL (blobs already there are skipped)"
push "bench-browser/one:$MIB" "$OCI_TAR" "$B/one.bin=sha256:$one_digest"
push "bench-browser/image:$MIB" "$OCI_TAR" "${parts[@]}"
push "bench-browser/diffid:$MIB" "$OCI_GZ" "$B/layer.tar.gz=sha256:$gz_digest=sha256:$gz_diff"

# --- the app, the proxy, the browser ----------------------------------------------------------------
log "build the app (trunk build --release) and waybill (cargo build --release)"
trunk build --release >&2
cargo build --release --locked -p waybill >&2
port=18680
while ! port_free "$port"; do port=$((port + 1)); done
printf '[proxy]\ndefault_hosts = false\nplain_http_hosts = ["%s"]\n' "$REG" >"$B/waybill.toml"
: >"$B/serve.log"
proc_start "$B/serve.pid" "$B/serve.log" target/release/waybill serve \
  --listen "127.0.0.1:$port" --dist dist --config "$B/waybill.toml"
trap 'proc_stop "$B/serve.pid" 5' EXIT
wait_until 30 grep -q "listening on" "$B/serve.log" || die "waybill serve did not start: see $B/serve.log"

log "headless Chromium: the app verifies each image ($(nproc) cores; Chromium $(chromium --version 2>/dev/null | awk '{print $2}'))"
node scripts/bench.d/browser.mjs "http://127.0.0.1:$port" "$REG" \
  "one=bench-browser/one:$MIB" "image=bench-browser/image:$MIB" "diffid=bench-browser/diffid:$MIB+diffids" \
  >"$B/results.jsonl"
proc_stop "$B/serve.pid" 5
trap - EXIT

# --- sizes --------------------------------------------------------------------------------------
gz() { gzip -9 -c "$1" | wc -c; }
app_wasm=$(ls dist/waybill-app-*_bg.wasm)
app_js=$(ls dist/waybill-app-*.js)
app_gz=$(($(gz "$app_wasm") + $(gz "$app_js")))
worker_gz=$(($(gz dist/waybill-hasher_bg.wasm) + $(gz dist/waybill-hasher.js)))
simd_ops=$(wasm-dis dist/waybill-hasher_bg.wasm 2>/dev/null | grep -cE '\((v128|i32x4|i8x16|i16x8|i64x2)\.' || true)

# --- report -------------------------------------------------------------------------------------
B=$B ONE_SIZE=$one_size PARTS_SIZE=$parts_size GZ_SIZE=$gz_size \
  T_ONE_SUM=$t_one_sum T_ONE_SSL=$t_one_ssl T_PARTS_SUM=$t_parts_sum T_PARTS_PAR=$t_parts_par \
  T_GZ_SUM=$t_gz_sum T_GZ_DIFF=$t_gz_diff APP_GZ=$app_gz WORKER_GZ=$worker_gz SIMD_OPS=$simd_ops \
  python3 - <<'EOF'
import json, os
e = os.environ
res = {r["name"]: r for r in map(json.loads, open(f"{e['B']}/results.jsonl"))}
mb = lambda b, s: b / 1e6 / s
print()
print("Browser verification (headless Chromium, the app's workers via waybill serve) vs native, same files")
print(f"{'case':<8} {'bytes':>14} {'browser MB/s':>13} {'per worker':>11} {'sha256sum':>10} {'openssl':>8} {'long>100ms':>11} {'ok':>3}")
def row(name, size, native_sum, native_ssl=None, target=None):
    r = res[name]
    per = [mb(b["size"], b["seconds"]) for b in r["perBlob"] if b["seconds"]]
    per_s = f"{sum(per) / len(per):.0f}" if per else "-"
    ssl = f"{mb(size, native_ssl):.0f}" if native_ssl else "-"
    print(f"{name:<8} {r['bytes']:>14} {mb(r['bytes'], r['wallSeconds']):>13.0f} {per_s:>11} "
          f"{mb(size, native_sum):>10.0f} {ssl:>8} {r['longTasksOver100ms']:>11} {'yes' if r['ok'] else 'NO':>3}"
          f"   target {target}; longest task {r['longestTaskMs']} ms")
row("one", int(e["ONE_SIZE"]), float(e["T_ONE_SUM"]), float(e["T_ONE_SSL"]), ">= 380 MB/s")
print(f"{'':<8} (4 files: sha256sum one after another {mb(int(e['PARTS_SIZE']), float(e['T_PARTS_SUM'])):.0f} MB/s, "
      f"{os.cpu_count()} in parallel {mb(int(e['PARTS_SIZE']), float(e['T_PARTS_PAR'])):.0f} MB/s)")
row("image", int(e["PARTS_SIZE"]), float(e["T_PARTS_PAR"]), None, ">= 700 MB/s aggregate")
row("diffid", int(e["GZ_SIZE"]), float(e["T_GZ_DIFF"]), None,
    ">= 300 MB/s of compressed input (native column: gzip -dc | sha256sum)")
print(f"{'':<8} (sha256sum of the compressed file alone: {mb(int(e['GZ_SIZE']), float(e['T_GZ_SUM'])):.0f} MB/s)")
print()
print(f"initial download, gzip -9: app wasm + JS {int(e['APP_GZ']) / 1000:.1f} KB (target < 400 KB); "
      f"hashing worker wasm + JS {int(e['WORKER_GZ']) / 1000:.1f} KB, loaded on the first Verify")
print(f"hashing worker SIMD instructions (wasm-dis): {e['SIMD_OPS']}")
ok = all(r["ok"] for r in res.values())
raise SystemExit(0 if ok else "a benchmark verification failed: see " + e["B"] + "/results.jsonl")
EOF
