# Sourced by the browser benchmarks (browser.sh, upload.sh, browser-sync.sh), after they set
# WAYBILL_LOG_TAG: the toolchain the app builds with and the browser it runs in, installed if
# missing, the working directory the project's root, and serve_app below.
# shellcheck source=scripts/lib/toolchain.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/toolchain.sh"
cd "$WAYBILL_ROOT"
ensure_app_toolchain

# serve_app DIR FIRST_PORT CONFIG [SNAPSHOT]: builds the app (trunk build --release) and waybill
# (cargo build --release), starts `waybill serve` with dist/ and CONFIG on the first free loopback
# port from FIRST_PORT (pid and log in DIR), and waits until it listens. Sets SERVE_PORT, and
# SERVE_WAYBILL to the waybill binary it runs. With SNAPSHOT (a folder), dist/ and the binary are
# copied there first and run from there, so that a build beside the benchmark (trunk rewriting
# dist/, cargo replacing target/release/waybill) cannot change what is measured half-way. The
# caller's EXIT trap stops it (proc_stop DIR/serve.pid).
serve_app() {
  local dir=$1 config=$3 snapshot=${4:-} dist=dist
  log "build the app (trunk build --release) and waybill (cargo build --release)"
  trunk build --release >&2
  cargo build --release --locked -p waybill >&2
  SERVE_WAYBILL=$WAYBILL_TARGET/release/waybill
  if [ -n "$snapshot" ]; then
    rm -rf "$snapshot" && mkdir -p "$snapshot"
    cp -r dist "$snapshot/dist"
    cp "$SERVE_WAYBILL" "$snapshot/waybill"
    dist=$snapshot/dist
    SERVE_WAYBILL=$snapshot/waybill
  fi
  SERVE_PORT=$2
  while ! port_free "$SERVE_PORT"; do SERVE_PORT=$((SERVE_PORT + 1)); done
  : >"$dir/serve.log"
  proc_start "$dir/serve.pid" "$dir/serve.log" "$SERVE_WAYBILL" serve \
    --listen "127.0.0.1:$SERVE_PORT" --dist "$dist" --config "$config"
  wait_until 30 grep -q "listening on" "$dir/serve.log" || die "waybill serve did not start: see $dir/serve.log"
}
