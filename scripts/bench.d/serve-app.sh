# Sourced by the browser benchmarks (browser.sh, upload.sh): the app and waybill built for release
# and `waybill serve` started for them.

# serve_app DIR FIRST_PORT CONFIG: builds the app (trunk build --release) and waybill (cargo build
# --release), starts `waybill serve` with dist/ and CONFIG on the first free loopback port from
# FIRST_PORT (pid and log in DIR), and waits until it listens. Sets SERVE_PORT. The caller's EXIT
# trap stops it (proc_stop DIR/serve.pid).
serve_app() {
  local dir=$1 config=$3
  log "build the app (trunk build --release) and waybill (cargo build --release)"
  trunk build --release >&2
  cargo build --release --locked -p waybill >&2
  SERVE_PORT=$2
  while ! port_free "$SERVE_PORT"; do SERVE_PORT=$((SERVE_PORT + 1)); done
  : >"$dir/serve.log"
  proc_start "$dir/serve.pid" "$dir/serve.log" "$WAYBILL_TARGET/release/waybill" serve \
    --listen "127.0.0.1:$SERVE_PORT" --dist dist --config "$config"
  wait_until 30 grep -q "listening on" "$dir/serve.log" || die "waybill serve did not start: see $dir/serve.log"
}
