#!/usr/bin/env bash
# Benchmark: the browser's repository mirror and "Download as archive" against the command line,
# on the sync benchmark's repository (8 tags, one 400 MiB base layer shared by all, 25 MiB of their
# own each: about 600 MiB; sync-source.sh), one run of each, in one invocation:
#   * the app in headless Chromium (Copy's repository mode, through `waybill serve`) mirrors it into
#     a fresh repository of the strict registry, against `waybill sync` (release build) and
#     `skopeo sync --src docker --dest docker` (as sync.sh runs it), each into a fresh repository
#     of the same registry (targets: browser <= 1.3x waybill sync; browser / skopeo printed);
#   * the same page's "Download as archive" writes the tags into one OCI-layout archive (the save
#     picker answered with an origin-private file on disk), against `waybill save -o FILE`;
#   * the tab's peak memory during each (JS heap + ArrayBuffer backing stores + wasm memories over
#     the page and its workers; tab-memory.mjs; target < 128 MiB for both), MB/s, and CPU seconds
#     per GiB: the tools' own (GNU time), Chromium's processes and waybill serve (procs.mjs), and
#     both registries' for every run.
# Every run starts after a `sync`, so none pays for its predecessor's writeback. The app and the
# waybill binary are copied aside once built (serve_app's snapshot), so a build running beside the
# benchmark cannot swap them half-way.
#   WAYBILL_BENCH_TAGS (8), WAYBILL_BENCH_BASE_MIB (400), WAYBILL_BENCH_TAG_MIB (25): a smaller
#   repository (its own, seeded once) for a quick check of the script
set -euo pipefail
WAYBILL_LOG_TAG=bench-browser-sync
# shellcheck source=scripts/bench.d/sync-source.sh
. "$(dirname "$0")/sync-source.sh"
# shellcheck source=scripts/bench.d/serve-app.sh
. "$(dirname "$0")/serve-app.sh"

B=$(state_dir bench/browser-sync)
sync_source "$B" >&2

# --- the app, waybill serve ------------------------------------------------------------------------
printf '[proxy]\ndefault_hosts = false\nplain_http_hosts = ["%s", "%s"]\n' "$SRC" "$DST" >"$B/waybill.toml"
cleanup() { proc_stop "$B/serve.pid" 5; rm -rf "$B/profile" "$B/save.tar"; }
trap cleanup EXIT
serve_app "$B" 18880 "$B/waybill.toml" "$B/snapshot"
WAYBILL=$SERVE_WAYBILL
SERVE_PID=$(cut -d' ' -f1 "$B/serve.pid")
SRC_REGISTRY_PID=$(cut -d' ' -f1 "$WAYBILL_STATE/registry/run/foreign.pid")
DST_REGISTRY_PID=$(cut -d' ' -f1 "$WAYBILL_STATE/registry/run/strict.pid")

# --- the runs --------------------------------------------------------------------------------------
run_id=$(date +%s)
settle() { sync; }
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
TCK=$(getconf CLK_TCK)
# timed NAME COMMAND…: measure's "wall cpu maxrss_kib" in NAME, and both registries' CPU seconds
# during the run in NAME_reg.
timed() {
  local name=$1 s0 d0 out
  shift
  settle
  s0=$(ticks "$SRC_REGISTRY_PID")
  d0=$(ticks "$DST_REGISTRY_PID")
  out=$(measure "$@")
  printf -v "$name" '%s' "$out"
  printf -v "${name}_reg" '%s' "$(awk -v s="$(($(ticks "$SRC_REGISTRY_PID") - s0))" -v d="$(($(ticks "$DST_REGISTRY_PID") - d0))" \
    -v t="$TCK" 'BEGIN { printf "%.2f", (s + d) / t }')"
}
# same_tags REPOSITORY: every tag of the destination REPOSITORY has the source's manifest digest.
same_tags() {
  local i want got accept='application/vnd.docker.distribution.manifest.v2+json'
  for ((i = 0; i < TAGS; i++)); do
    want=$(curl -sfI -H "Accept: $accept" "http://$SRC/v2/$REPO/manifests/v$i" | tr -d '\r' | awk -F': ' 'tolower($1) == "docker-content-digest" { print $2 }')
    got=$(curl -sfI -H "Accept: $accept" "http://$DST/v2/$1/manifests/v$i" | tr -d '\r' | awk -F': ' 'tolower($1) == "docker-content-digest" { print $2 }') || true
    [ -n "$want" ] && [ "$want" = "$got" ] || die "$DST/$1:v$i is '${got:-missing}', the source's is $want"
  done
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
log "skopeo sync $SRC/$REPO -> $DST/bench-bsync-skopeo-$run_id"
fresh_skopeo_home
timed skopeo "${SKOPEO[@]}" sync --src docker --dest docker --src-tls-verify=false \
  --dest-tls-verify=false "$SRC/$REPO" "$DST/bench-bsync-skopeo-$run_id"
log "waybill sync $SRC/$REPO -> $DST/bench-bsync-waybill-$run_id/app"
timed wsync "$WAYBILL" sync "$SRC/$REPO" "$DST/bench-bsync-waybill-$run_id/app"
same_tags "bench-bsync-waybill-$run_id/app"
log "waybill save $SRC/$REPO -o $B/save.tar"
rm -f "$B/save.tar"
timed wsave "$WAYBILL" save "$SRC/$REPO" -o "$B/save.tar"
save_bytes=$(stat -c %s "$B/save.tar")
rm -f "$B/save.tar"

settle
rm -rf "$B/profile"
log "headless Chromium: the app mirrors $SRC/$REPO -> $DST/bench-bsync-browser-$run_id/app, then downloads it as an archive ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); Chromium $(chromium --version 2>/dev/null | awk '{print $2}'))"
node scripts/bench.d/browser-sync.mjs "http://127.0.0.1:$SERVE_PORT" "$SRC/$REPO" "$DST/bench-bsync-browser-$run_id/app" \
  "$TAGS" "$B/profile" \
  "{\"serve\":$SERVE_PID,\"source registry\":$SRC_REGISTRY_PID,\"destination registry\":$DST_REGISTRY_PID}" >"$B/result.json"
rm -rf "$B/profile"
same_tags "bench-bsync-browser-$run_id/app"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# --- report ----------------------------------------------------------------------------------------
B=$B MIB=$MIB TAGS=$TAGS BASE=$BASE TOP=$TOP SRC="$SRC/$REPO" DST=$DST SAVE_BYTES=$save_bytes \
  SKOPEO="$skopeo $skopeo_reg" WSYNC="$wsync $wsync_reg" WSAVE="$wsave $wsave_reg" \
  LOAD="$load_before at the start, $load_after at the end" python3 - <<'PY'
import json, os
e = os.environ
r = json.load(open(f"{e['B']}/result.json"))
mib_moved = int(e["MIB"])
gib = mib_moved / 1024
mbs = lambda s: mib_moved * 1048576 / 1e6 / s
mib = lambda b: b / 1048576
def cli(var):
    wall, cpu, rss, reg = e[var].split()
    return float(wall), float(cpu), int(rss), float(reg)
sk, ws, sv = cli("SKOPEO"), cli("WSYNC"), cli("WSAVE")
print()
print(f"Browser sync: {e['TAGS']} tags ({mib_moved} MiB: one {e['BASE']} MiB base layer shared by all, {e['TOP']} MiB each of "
      f"their own) from {e['SRC']} into fresh repositories of {e['DST']}; {os.cpu_count()} cores, load {e['LOAD']}")
print("  CPU s/GiB of the mirrored bytes: the tool's own (client), and both registries'")
def row(label, wall, client, registries, extra=""):
    print(f"  {label:<44} {wall:7.2f} s {mbs(wall):6.0f} MB/s  client {client / gib:5.2f}  registries {registries / gib:5.2f}{extra}")
row("skopeo sync --src docker --dest docker", sk[0], sk[1], sk[3])
row("waybill sync", ws[0], ws[1], ws[3], f"  peak RSS {ws[2] // 1024} MiB")

kinds = ["renderer", "network", "browser", "serve"]
def browser_run(label, run):
    cpu = run["cpu"]
    client = sum(cpu.get(k, 0) for k in kinds)
    registries = cpu.get("source registry", 0) + cpu.get("destination registry", 0)
    row(label, run["seconds"], client, registries)
    print("    client by process: " + ", ".join(f"{k} {cpu.get(k, 0) / gib:.2f}" for k in kinds) + " CPU s/GiB")
    p = run["peak"]
    wasm = sum(w["bytes"] for w in p["wasm"])
    total = mib(p["sum"] + wasm)
    print(f"    tab peak over the page and its {run['workers']} workers: JS heap {mib(p['js']):.1f} MiB + ArrayBuffer backing stores "
          f"{mib(p['backing']):.1f} MiB (sampled every 100 ms) + wasm memories {mib(wasm):.1f} MiB = {total:.1f} MiB "
          f"(target < 128 MiB: {'met' if total < 128 else 'MISSED'})")
    print(f"    page: {run['counts']}")
    if not run["ok"]:
        raise SystemExit(f"the browser's {label} did not end as expected: {run['counts']}")
    return run["seconds"]

m = browser_run("browser mirror (Chromium -> waybill serve)", r["mirror"])
print(f"  browser / waybill sync: {m / ws[0]:.2f}  (target <= 1.3: {'met' if m / ws[0] <= 1.3 else 'MISSED'});"
      f"  browser / skopeo sync: {m / sk[0]:.2f};  waybill sync / skopeo sync: {ws[0] / sk[0]:.2f}")
print()
save_bytes = int(e["SAVE_BYTES"])
print(f"  {'waybill save -o FILE':<44} {sv[0]:7.2f} s {mbs(sv[0]):6.0f} MB/s  client {sv[1] / gib:5.2f}  registries {sv[3] / gib:5.2f}"
      f"  peak RSS {sv[2] // 1024} MiB, {mib(save_bytes):.1f} MiB written")
d = browser_run("browser \"Download as archive\" (save picker)", r["download"])
size = r["download"].get("bytes", 0)
print(f"    archive {r['download'].get('file')}: {mib(size):.1f} MiB in the origin-private file system "
      f"({'the same size as waybill save' if size == save_bytes else f'NOT the size of waybill save ({save_bytes} bytes)'}), removed")
print(f"  browser download / waybill save: {d / sv[0]:.2f}")
# Chromium logs the answers the sync expects as console errors: the 404s of the manifests, blobs and
# referrers it asks for, and the proxy's 403 to the Pulp probe after the run (not a Pulp here).
expected = [x for x in r["errors"] if x.endswith(("status of 404 (Not Found)", "status of 403 (Forbidden)"))]
other = [x for x in r["errors"] if x not in expected]
print(f"  console: {len(expected)} expected 404/403 answers" + (f"; OTHER ERRORS: {other}" if other else ", no other error"))
PY
