// Starts the transfer module (Upload and Copy) once its wasm-bindgen "no-modules" glue has loaded.
// The glue declares `wasm_bindgen` with `let` in the global scope, not on `window`, so only code
// evaluated in that scope sees it. A classic script is; eval would be too, but the app's CSP
// forbids eval, so the page's wasm calls this instead (src/ui/lazy.rs).
window.waybillStartTransfer = (url) => wasm_bindgen({ module_or_path: url });
