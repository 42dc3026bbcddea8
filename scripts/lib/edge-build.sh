#!/usr/bin/env bash
# scripts/lib/edge-build.sh — builds the Cloudflare Worker (crates/edge) into crates/edge/build/
# with worker-build, offline: worker-build would download wasm-bindgen and wasm-opt from GitHub and
# esbuild from npm at run time, so each is named here instead (toolchain.md):
#   WASM_BINDGEN_BIN  the wasm-bindgen-cli installed by ensure_wasm_bindgen (= Cargo.lock's version)
#   ESBUILD_BIN       the esbuild that wrangler ships in node_modules
#   WASM_OPT_BIN      npm binaryen 132's wasm-opt (Debian's 108 produces broken wasm)
#   XDG_CACHE_HOME    worker-build's cache, kept inside the build folder
# The cargo build shares the workspace's target/ directory, so a rebuild after a small change
# recompiles only the edge crate (and the core when it changed).
#
# usage: scripts/lib/edge-build.sh [--dev]   (default: --release)
set -euo pipefail
WAYBILL_LOG_TAG=edge-build
# shellcheck source=scripts/lib/toolchain.sh
. "$(dirname "$0")/toolchain.sh"

profile=--release
[ "${1:-}" = --dev ] && profile=--dev

ensure_wasm_target
ensure_node_modules
ensure_wasm_bindgen
ensure_worker_build

nm=$WAYBILL_ROOT/node_modules
export WASM_BINDGEN_BIN
WASM_BINDGEN_BIN=$(command -v wasm-bindgen) || die "wasm-bindgen not on PATH"
export ESBUILD_BIN=$nm/@esbuild/linux-x64/bin/esbuild
export WASM_OPT_BIN=$nm/.bin/wasm-opt
export XDG_CACHE_HOME=$WAYBILL_ROOT/crates/edge/build/.cache
[ -x "$ESBUILD_BIN" ] || die "no esbuild at $ESBUILD_BIN (wrangler's dependency; run npm ci)"
[ -x "$WASM_OPT_BIN" ] || die "no wasm-opt at $WASM_OPT_BIN (npm binaryen; run npm ci)"
mkdir -p "$XDG_CACHE_HOME"

log "worker-build $profile (crates/edge → crates/edge/build)"
cd "$WAYBILL_ROOT/crates/edge"
worker-build "$profile" >&2
[ -s build/index.js ] || die "worker-build left no build/index.js"
log "built $(du -sh build --exclude=.cache | cut -f1) in crates/edge/build"
