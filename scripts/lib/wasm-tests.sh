#!/usr/bin/env bash
# scripts/lib/wasm-tests.sh [CARGO_TEST_ARGS…] — the core's test suites compiled to wasm32 and run
# in the system's headless Chromium by wasm-bindgen-test-runner (through chromedriver), so the code
# the browser and the Worker execute is tested where it runs, not only natively.
#
# Test files opt in with `wasm_bindgen_test_configure!(run_in_browser)` under
# `cfg(target_arch = "wasm32")`; proptest suites are native-only and show up here as "no tests to
# run". The runner adds --headless --no-sandbox --disable-dev-shm-usage itself; the other Chromium
# flags are in crates/core/webdriver.json (without the background-networking ones Chromium keeps
# trying hosts this machine cannot reach). Extra arguments go to `cargo test`, e.g. `--test digest`.
set -euo pipefail
# shellcheck source=scripts/lib/toolchain.sh
. "$(dirname "${BASH_SOURCE[0]}")/toolchain.sh"
cd "$WAYBILL_ROOT"

ensure_wasm_target
ensure_wasm_bindgen
ensure_browser

export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
export CHROMEDRIVER=/usr/bin/chromedriver
# The runner reads webdriver.json from its working directory unless told where it is.
export WASM_BINDGEN_TEST_WEBDRIVER_JSON=$WAYBILL_ROOT/crates/core/webdriver.json
# Per test binary. The digest suite hashes ~25 MiB in an unoptimised build (≈3.5 s here); the
# default 20 s leaves little headroom on a machine shared with other builds.
export WASM_BINDGEN_TEST_TIMEOUT=${WASM_BINDGEN_TEST_TIMEOUT:-120}

out=$(state_dir wasm-tests)/cargo-test.log
log "cargo test -p waybill-core --target wasm32-unknown-unknown $* (Chromium: $(chromium --version 2>/dev/null))"
status=0
cargo test -p waybill-core --locked --target wasm32-unknown-unknown "$@" 2>&1 | tee "$out" >&2 || status=$?
[ "$status" = 0 ] || die "wasm tests failed (exit $status); full output in $out"

# A runner that silently skipped everything would also exit 0: require that tests really ran.
passed=$(awk '/^test result: ok\./ { n += $4 } END { print n + 0 }' "$out")
[ "$passed" -gt 0 ] || die "no wasm test ran in Chromium; full output in $out"
log "$passed wasm tests passed in headless Chromium"
