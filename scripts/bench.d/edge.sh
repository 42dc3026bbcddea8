#!/usr/bin/env bash
# Benchmark: a 512 MiB blob GET and a chunked push (8 MiB PATCHes) through the Cloudflare Worker
# (release build of crates/edge) vs straight to the harness's strict distribution registry,
# interleaved runs, MB/s median and best, the ratio (target: Worker >= 0.7x direct), and workerd's
# CPU seconds per GiB. The client is crates/cli/examples/proxy_bench.rs, as for the native proxy.
#
# The Worker runs in plain workerd (`scripts/edge up --workerd`) unless one is already running:
# wrangler dev's dev-server layers cap streamed response bodies at ~13 MB/s here (docs/edge.md).
#
#   WAYBILL_BENCH_SIZE_MIB (512), WAYBILL_BENCH_CHUNK_MIB (8), WAYBILL_BENCH_RUNS (5)
set -euo pipefail
WAYBILL_LOG_TAG=bench-edge
# shellcheck source=scripts/lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
cd "$WAYBILL_ROOT"

eval "$(scripts/registry env)"
curl -sf -o /dev/null --max-time 5 "$REGISTRY_STRICT_URL/v2/" || die "no registry at $REGISTRY_STRICT_URL: run scripts/registry up"
log "build the proxy bench client (release) and the Worker (worker-build --release)"
cargo build -q --release -p waybill --example proxy_bench || die "build failed"
scripts/edge build

started=""
if ! scripts/edge status >/dev/null 2>&1; then
  scripts/edge up --workerd
  started=1
  trap 'scripts/edge down' EXIT
fi
eval "$(scripts/edge env)"
[ "$EDGE_MODE" = workerd ] \
  || log "warning: the Worker runs under wrangler dev, whose dev server slows response bodies; run scripts/edge down first to measure plain workerd"
# workerd leads the process group (plain workerd) or runs under wrangler's node in it.
workerd=$(ps -o pid=,comm= -g "$EDGE_PGID" | awk '$2 == "workerd" { print $1; exit }')
registry_host=${REGISTRY_STRICT_URL#http://}
log "registry $REGISTRY_STRICT_URL, Worker $EDGE_URL/r/$registry_host ($EDGE_MODE, workerd pid ${workerd:-?})"
"$WAYBILL_TARGET/release/examples/proxy_bench" \
  --direct "$REGISTRY_STRICT_URL" --proxied "$EDGE_URL/r/$registry_host" \
  ${workerd:+--proxy-pid "$workerd"} --clock-ticks "$(getconf CLK_TCK)" \
  --size-mib "${WAYBILL_BENCH_SIZE_MIB:-512}" --chunk-mib "${WAYBILL_BENCH_CHUNK_MIB:-8}" \
  --runs "${WAYBILL_BENCH_RUNS:-5}"
if [ -n "$started" ]; then
  scripts/edge down
  trap - EXIT
fi
