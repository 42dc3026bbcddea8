# shellcheck shell=bash
# Idempotent toolchain bootstrap (sourced by scripts/serve, scripts/test, scripts/bench).
#
# Each ensure_* installs one tool only when the installed version differs from the pinned one, so a
# re-run on a machine that already has everything costs a few version checks. The reason for each
# odd flag is next to it; nothing here downloads anything except through crates.io, npm, PyPI and
# Debian (several tools would otherwise fetch binaries from GitHub at run time, which fails here).

# shellcheck source=scripts/lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

TRUNK_VERSION=0.22.1
WORKER_BUILD_VERSION=0.8.7
export PATH=$HOME/.cargo/bin:$PATH

# tool_version COMMAND: the version a tool reports ("trunk 0.22.1" -> 0.22.1), empty when absent.
tool_version() { "$1" --version 2>/dev/null | awk 'NR == 1 { print $2 }'; }

# ensure_wasm_target: the wasm32 standard library for the app, the core's browser tests and the Worker.
ensure_wasm_target() {
  rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown && return 0
  log "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown >&2
}

# ensure_trunk: Trunk builds the app. It declares rust-version 1.96 but builds and works on 1.95;
# its own fat-LTO release profile doubles the install time (≈27 → ≈12 min), hence LTO off.
ensure_trunk() {
  [ "$(tool_version trunk)" = "$TRUNK_VERSION" ] && return 0
  log "cargo install trunk@$TRUNK_VERSION (≈12 min cold)"
  CARGO_PROFILE_RELEASE_LTO=off CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    cargo install --locked "trunk@$TRUNK_VERSION" --ignore-rust-version \
    --no-default-features --features rustls >&2
}

# wasm_bindgen_version: the `wasm-bindgen` version in Cargo.lock; the CLI must equal it exactly.
wasm_bindgen_version() {
  awk '$0 == "name = \"wasm-bindgen\"" { getline; gsub(/version = |"/, ""); print; exit }' \
    "$WAYBILL_ROOT/Cargo.lock"
}

# ensure_wasm_bindgen: wasm-bindgen-cli at the Cargo.lock version. Installed WITHOUT --locked: its
# lockfile pins a webpki-roots version the crates.io mirror here does not carry.
ensure_wasm_bindgen() {
  local want
  want=$(wasm_bindgen_version)
  [ -n "$want" ] || die "no wasm-bindgen entry in $WAYBILL_ROOT/Cargo.lock"
  [ "$(tool_version wasm-bindgen)" = "$want" ] && return 0
  log "cargo install wasm-bindgen-cli --version $want (≈5 min cold)"
  cargo install wasm-bindgen-cli --version "$want" >&2
}

# ensure_worker_build: builds the Cloudflare Worker (crates/edge).
ensure_worker_build() {
  # Asked of cargo's install record: `worker-build --version` prints a bare "0.8.7", unlike the others.
  cargo install --list | grep -qx "worker-build v$WORKER_BUILD_VERSION:" && return 0
  log "cargo install worker-build@$WORKER_BUILD_VERSION (≈6 min CPU; 15 min on a busy machine)"
  cargo install --locked "worker-build@$WORKER_BUILD_VERSION" >&2
}

# ensure_browser: Debian's Chromium and chromedriver (Playwright and wasm-bindgen-test drive them;
# no browser is ever downloaded).
ensure_browser() {
  need_apt chromium chromium-driver
}

# ensure_node_modules: `npm ci` from the committed package-lock.json (playwright-core, binaryen's
# wasm-opt, wrangler), skipped when node_modules was installed from this exact lockfile. Puts
# node_modules/.bin on PATH first, so the npm wasm-opt wins over Debian's (broken here) binaryen.
ensure_node_modules() {
  local lock=$WAYBILL_ROOT/package-lock.json stamp=$WAYBILL_ROOT/node_modules/.waybill-lock.sha256 want
  want=$(sha256sum "$lock" | cut -d' ' -f1)
  export PATH=$WAYBILL_ROOT/node_modules/.bin:$PATH
  [ -d "$WAYBILL_ROOT/node_modules" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] && return 0
  log "npm ci (package-lock.json $want)"
  (cd "$WAYBILL_ROOT" && npm ci --no-audit --no-fund --loglevel=error >&2)
  printf '%s\n' "$want" >"$stamp"
}

# ensure_app_toolchain: what building the app takes (the wasm target, npm's wasm-opt,
# wasm-bindgen, Trunk) and the browser that runs it: for the tests and the browser benchmarks.
ensure_app_toolchain() {
  ensure_browser
  ensure_wasm_target
  ensure_node_modules
  ensure_wasm_bindgen
  ensure_trunk
}

# ensure_registry_tools: the distribution registry, skopeo (an independent client for checks) and
# PostgreSQL (Pulp's database).
ensure_registry_tools() {
  need_apt docker-registry skopeo postgresql
}
