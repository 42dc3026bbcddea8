#!/usr/bin/env bash
# scripts/lib/wasm-tests.sh [CARGO_TEST_ARGS…] — the wasm test suites, compiled to wasm32 and run
# in the system's headless Chromium by wasm-bindgen-test-runner (through chromedriver), so the code
# the browser and the Worker execute is tested where it runs, not only natively:
#
#   core  waybill-core's suites (digests, references, manifests, …)
#   app   the browser plumbing of the app (tests/wasm/): Blob reading, the fetch transport against
#         real servers — the runner's own static file server, and `waybill serve` in front of the
#         seeded distribution registry — and the hashing-worker protocol against the real worker
#         module Trunk builds into dist/
#
#   WAYBILL_WASM_SUITES="core app"  which suites (default: both); extra arguments go to `cargo test`
#
# Test files opt in with `wasm_bindgen_test_configure!(run_in_browser)` under
# `cfg(target_arch = "wasm32")`; proptest suites are native-only and show up here as "no tests to
# run". The runner adds --headless --no-sandbox --disable-dev-shm-usage itself; the other Chromium
# flags are in crates/core/webdriver.json (without the background-networking ones Chromium keeps
# trying hosts this machine cannot reach).
set -euo pipefail
# shellcheck source=scripts/lib/toolchain.sh
. "$(dirname "${BASH_SOURCE[0]}")/toolchain.sh"
cd "$WAYBILL_ROOT"

suites=${WAYBILL_WASM_SUITES:-core app}

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

state=$(state_dir wasm-tests)
# What to stop at exit, newest first: the servers this script started (and only those).
cleanup=()
trap 'for ((i = ${#cleanup[@]} - 1; i >= 0; i--)); do eval "${cleanup[i]}" || true; done' EXIT

# run_suite PACKAGE [CARGO_TEST_ARGS…]: cargo test in Chromium; fails unless tests really ran (a
# runner that silently skipped everything would also exit 0).
run_suite() {
  local package=$1 out=$state/cargo-test-$1.log status=0 passed
  shift
  log "cargo test -p $package --target wasm32-unknown-unknown $* (Chromium: $(chromium --version 2>/dev/null))"
  cargo test -p "$package" --locked --target wasm32-unknown-unknown "$@" 2>&1 | tee "$out" >&2 || status=$?
  [ "$status" = 0 ] || die "$package wasm tests failed (exit $status); full output in $out"
  passed=$(awk '/^test result: ok\./ { n += $4 } END { print n + 0 }' "$out")
  [ "$passed" -gt 0 ] || die "no $package wasm test ran in Chromium; full output in $out"
  log "$passed $package wasm tests passed in headless Chromium"
}

# sha256_of FILE: `sha256:<hex>` by coreutils, independently of the code under test.
sha256_of() { printf 'sha256:%s' "$(sha256sum "$1" | cut -d' ' -f1)"; }

# app_fixtures RUNNER_PORT: the built app, the registry, `waybill serve`, and facts.json — what
# the app's suites check against, computed by other tools than the code under test.
app_fixtures() {
  local runner_port=$1 fx=$WAYBILL_ROOT/target/wasm-fixtures serve_port registry
  ensure_node_modules
  ensure_registry_tools
  ensure_trunk
  log "app build (trunk build --release): the suites start the real hashing worker from dist/"
  trunk build --release >&2
  [ -f dist/waybill-hasher.js ] && [ -f dist/waybill-hasher_bg.wasm ] || die "trunk build left no hashing worker in dist/"

  rm -rf "$fx" && mkdir -p "$fx"
  head -c $((5 * 1024 * 1024 + 7)) /dev/urandom >"$fx/stream.bin"
  cp tests/fixtures/layers/seq-1-10000.txt.gz tests/fixtures/layers/seq-1-10000.txt.zst "$fx/"

  # The real registry (started here unless running, stopped again at exit) with the fixture
  # images, and `waybill serve` in front of it, allowing the test runner's origin.
  if ! scripts/registry status >/dev/null 2>&1; then
    scripts/registry up >&2
    cleanup+=("scripts/registry down >&2")
  fi
  eval "$(scripts/registry env)"
  scripts/registry seed >&2
  registry=${REGISTRY_FOREIGN_URL#http://}
  # A docker-archive written by skopeo (its layer files are named for their diff IDs, which the
  # fixture summary records independently) for the archive suite.
  skopeo copy -q --src-tls-verify=false "docker://$registry/fixtures/plain:v1" \
    "docker-archive:$fx/plain.tar:fixtures/plain:v1" >&2
  [ -d dist ] && [ -f dist/waybill-pusher.js ] || die "trunk build left no push worker in dist/"
  log "cargo build -p waybill (waybill serve)"
  cargo build --locked -p waybill >&2
  serve_port=18590
  while ! port_free "$serve_port"; do serve_port=$((serve_port + 1)); done
  printf '[proxy]\ndefault_hosts = false\nplain_http_hosts = ["%s"]\nallowed_origins = ["http://127.0.0.1:%s"]\n' \
    "$registry" "$runner_port" >"$state/serve.toml"
  : >"$state/serve.log"
  proc_start "$state/serve.pid" "$state/serve.log" "$WAYBILL_TARGET/debug/waybill" serve \
    --listen "127.0.0.1:$serve_port" --dist dist --config "$state/serve.toml"
  cleanup+=("proc_stop '$state/serve.pid' 5")
  wait_until 30 grep -q "listening on" "$state/serve.log" || die "waybill serve did not start: see $state/serve.log"

  FX=$fx REGISTRY=$registry SERVE=http://127.0.0.1:$serve_port DIFF_ID=$(seq 1 10000 | sha256sum | cut -d' ' -f1) \
    STREAM_SHA=$(sha256_of "$fx/stream.bin") GZ_SHA=$(sha256_of "$fx/seq-1-10000.txt.gz") \
    ZST_SHA=$(sha256_of "$fx/seq-1-10000.txt.zst") ARCHIVE_SHA=$(sha256_of "$fx/plain.tar") python3 - <<'EOF'
import json, os
fx = os.environ["FX"]
summary = json.load(open(os.environ["REGISTRY_FIXTURES"]))
image = next(v for k, v in summary["images"].items() if "origin-story" in k)
plain = summary["images"]["fixtures/plain:v1"]
layer = next(l for l in image["layers"] if not l["foreign"])
def fact(name, sha):
    return {"path": f"/target/wasm-fixtures/{name}", "size": os.path.getsize(f"{fx}/{name}"), "sha256": sha}
facts = {
    "stream": fact("stream.bin", os.environ["STREAM_SHA"]),
    "gzip": fact("seq-1-10000.txt.gz", os.environ["GZ_SHA"]),
    "zstd": fact("seq-1-10000.txt.zst", os.environ["ZST_SHA"]),
    "diff_id": "sha256:" + os.environ["DIFF_ID"],
    "archive": {
        **fact("plain.tar", os.environ["ARCHIVE_SHA"]),
        "name": "fixtures/plain:v1",
        "diff_ids": [l["diffId"] for l in plain["layers"]],
        "config": plain["config"]["digest"],
    },
    "worker": "/dist/",
    "serve": {
        "origin": os.environ["SERVE"],
        "registry": os.environ["REGISTRY"],
        "repository": image["repository"],
        "tag": image["tag"],
        "manifest_digest": image["manifest"]["digest"],
        "manifest_size": image["manifest"]["size"],
        "layer_digest": layer["digest"],
        "layer_size": layer["size"],
        "layer_diff_id": layer["diffId"],
    },
}
json.dump(facts, open(f"{fx}/facts.json", "w"), indent=1)
EOF
}

for suite in $suites; do
  case $suite in
    core) run_suite waybill-core "$@" ;;
    app)
      # A fixed runner address, so that `waybill serve` can allow the suites' origin.
      port=18580
      while ! port_free "$port"; do port=$((port + 1)); done
      app_fixtures "$port"
      WASM_BINDGEN_TEST_ADDRESS=127.0.0.1:$port run_suite waybill-app --tests "$@"
      ;;
    *) die "unknown wasm suite $suite (known: core app)" ;;
  esac
done
