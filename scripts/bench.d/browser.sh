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
# Each case runs three ways (scripts/bench.d/browser.mjs): the app's Verify button; the same
# registry jobs sent straight to the hashing worker; the same bytes as Files in hash jobs (the
# Upload page's path). Every run also reports the CPU seconds per GiB of Chromium's renderers,
# network service and browser process, of waybill serve and of the registry (procs.mjs): on a
# machine shared with other jobs MB/s swings with the load, CPU seconds per GiB much less.
#
#   WAYBILL_BENCH_BROWSER_MIB (1024)  size of the one-blob case; the image case uses 4 x a quarter
#   WAYBILL_BENCH_BROWSER_BASELINE    a folder with another build's waybill-hasher.js and
#                                     waybill-hasher_bg.wasm: its worker and file runs follow this
#                                     build's, under the same load, with the ratios printed
set -euo pipefail
WAYBILL_LOG_TAG=bench-browser
# shellcheck source=scripts/bench.d/serve-app.sh
. "$(dirname "$0")/serve-app.sh"

MIB=${WAYBILL_BENCH_BROWSER_MIB:-1024}
B=$(state_dir bench/browser)

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
printf '[proxy]\ndefault_hosts = false\nplain_http_hosts = ["%s"]\n' "$REG" >"$B/waybill.toml"
baseline_dir=""
trap 'proc_stop "$B/serve.pid" 5; [ -z "$baseline_dir" ] || rm -rf "dist/${baseline_dir:?}"' EXIT
serve_app "$B" 18680 "$B/waybill.toml"

# The cases: each image and its files, with what coreutils says they hash to.
REGISTRY_PID=$(cut -d' ' -f1 "$WAYBILL_STATE/registry/run/strict.pid")
SERVE_PID=$(cut -d' ' -f1 "$B/serve.pid")
file_json() { # PATH SHA256 [CONTENT COMPRESSION]
  printf '{"path":"%s","size":%s,"sha256":"sha256:%s","content":"sha256:%s","compression":"%s"}' \
    "$1" "$(stat -c %s "$1")" "$2" "${3:-$2}" "${4:-none}"
}
{
  printf '{"pids":{"serve":%s,"registry":%s},"cases":[' "$SERVE_PID" "$REGISTRY_PID"
  printf '{"name":"one","image":"bench-browser/one:%s","diffIds":false,"files":[%s]},' "$MIB" "$(file_json "$B/one.bin" "$one_digest")"
  printf '{"name":"image","image":"bench-browser/image:%s","diffIds":false,"files":[' "$MIB"
  sep=""
  for p in "${parts[@]}"; do
    printf '%s%s' "$sep" "$(file_json "${p%%=*}" "${p##*=sha256:}")"
    sep=,
  done
  printf ']},{"name":"diffid","image":"bench-browser/diffid:%s","diffIds":true,"files":[%s]}]}\n' "$MIB" \
    "$(file_json "$B/layer.tar.gz" "$gz_digest" "$gz_diff" gzip)"
} >"$B/facts.json"

if [ -n "${WAYBILL_BENCH_BROWSER_BASELINE:-}" ]; then
  # Another build's hashing worker, served beside this one for the worker and file runs.
  baseline_dir=bench-baseline
  mkdir -p "dist/$baseline_dir"
  cp "$WAYBILL_BENCH_BROWSER_BASELINE/waybill-hasher.js" "$WAYBILL_BENCH_BROWSER_BASELINE/waybill-hasher_bg.wasm" "dist/$baseline_dir/"
  log "baseline hashing worker: $WAYBILL_BENCH_BROWSER_BASELINE"
fi
load=$(cut -d' ' -f1-3 /proc/loadavg)
log "headless Chromium: the app verifies each image, its worker hashes the same bytes from the network and as Files ($(nproc) cores, load average $load; Chromium $(chromium --version 2>/dev/null | awk '{print $2}'))"
node scripts/bench.d/browser.mjs "http://127.0.0.1:$SERVE_PORT" "$REG" "$B/facts.json" $baseline_dir >"$B/results.jsonl"
proc_stop "$B/serve.pid" 5
trap - EXIT
[ -z "$baseline_dir" ] || rm -rf "dist/${baseline_dir:?}"

# --- sizes --------------------------------------------------------------------------------------
gz() { gzip -9 -c "$1" | wc -c; }
app_wasm=$(ls dist/waybill-app-*_bg.wasm)
app_js=$(ls dist/waybill-app-*.js)
app_gz=$(($(gz "$app_wasm") + $(gz "$app_js")))
worker_gz=$(($(gz dist/waybill-hasher_bg.wasm) + $(gz dist/waybill-hasher.js)))
simd_ops=$(wasm-dis dist/waybill-hasher_bg.wasm 2>/dev/null | grep -cE '\((v128|i32x4|i8x16|i16x8|i64x2)\.' || true)

# --- report -------------------------------------------------------------------------------------
B=$B ONE_SIZE=$one_size PARTS_SIZE=$parts_size GZ_SIZE=$gz_size LOAD="$load" \
  T_ONE_SUM=$t_one_sum T_ONE_SSL=$t_one_ssl T_PARTS_SUM=$t_parts_sum T_PARTS_PAR=$t_parts_par \
  T_GZ_SUM=$t_gz_sum T_GZ_DIFF=$t_gz_diff APP_GZ=$app_gz WORKER_GZ=$worker_gz SIMD_OPS=$simd_ops \
  python3 - <<'EOF'
import json, os
e = os.environ
rows = [json.loads(line) for line in open(f"{e['B']}/results.jsonl")]
cores = os.cpu_count()
mb = lambda b, s: b / 1e6 / s
kinds = ["renderer", "network", "browser", "serve", "registry"]
print()
print(f"Browser verification in headless Chromium, one run per row ({cores} cores, load average {e['LOAD']} at the start)")
print("  verify = the app's Verify button (network, through waybill serve); worker = the same registry jobs sent")
print("  straight to the app's hashing worker; file = the same bytes as Files in hash jobs (the Upload page's path)")
print("  CPU s/GiB per process kind; 'bound' = the MB/s those CPU seconds allow with all cores to themselves")
print(f"{'case':<7}{'path':<7}{'build':<9}{'MB/s':>6}{'/job':>6}  " + "".join(f"{k[:8]:>9}" for k in kinds)
      + f"{'total':>7}{'bound':>7}{'long':>5}  ok")
current = {}
for r in rows:
    gib = r["bytes"] / 2**30
    per = [mb(j["size"], j["seconds"]) for j in r["perJob"] if j["seconds"]]
    cpu = {k: r["cpu"].get(k, 0) / gib for k in kinds}
    total = sum(cpu.values())
    rate = mb(r["bytes"], r["seconds"])
    line = (f"{r['name']:<7}{r['path']:<7}{r['build']:<9}{rate:>6.0f}{(sum(per) / len(per)) if per else 0:>6.0f}  "
            + "".join(f"{cpu[k]:>9.2f}" for k in kinds)
            + f"{total:>7.2f}{cores * 2**30 / 1e6 / total:>7.0f}{r['longTasksOver100ms']:>5}  {'yes' if r['ok'] else 'NO'}")
    key = (r["name"], r["path"])
    if r["build"] == "current":
        current[key] = (rate, cpu["renderer"])
    elif key in current:
        line += f"   current/baseline: {current[key][0] / rate:.2f}x MB/s, {current[key][1] / cpu['renderer']:.2f}x renderer CPU"
    print(line)
    for p in r.get("problems", []):
        print(f"{'':<7}problem: {p}")
print()
one, parts, gz = int(e["ONE_SIZE"]), int(e["PARTS_SIZE"]), int(e["GZ_SIZE"])
print("Native, same files, same run:")
print(f"  one     sha256sum {mb(one, float(e['T_ONE_SUM'])):.0f} MB/s, openssl dgst -sha256 (SHA-NI) "
      f"{mb(one, float(e['T_ONE_SSL'])):.0f} MB/s   target for the browser: >= 380 MB/s")
print(f"  image   4 files by sha256sum one after another {mb(parts, float(e['T_PARTS_SUM'])):.0f} MB/s, "
      f"{cores} in parallel {mb(parts, float(e['T_PARTS_PAR'])):.0f} MB/s   target: >= 700 MB/s aggregate")
print(f"  diffid  gzip -dc | sha256sum {mb(gz, float(e['T_GZ_DIFF'])):.0f} MB/s of compressed input, sha256sum of "
      f"the compressed file {mb(gz, float(e['T_GZ_SUM'])):.0f} MB/s   target: >= 300 MB/s of compressed input")
print("  main-thread long tasks over 100 ms (column 'long'): target 0")
print()
print(f"initial download, gzip -9: app wasm + JS {int(e['APP_GZ']) / 1000:.1f} KB (target < 400 KB); "
      f"hashing worker wasm + JS {int(e['WORKER_GZ']) / 1000:.1f} KB, loaded on the first Verify")
print(f"hashing worker SIMD instructions (wasm-dis): {e['SIMD_OPS']}")
ok = all(r["ok"] for r in rows)
raise SystemExit(0 if ok else "a benchmark run failed its checks: see " + e["B"] + "/results.jsonl")
EOF
