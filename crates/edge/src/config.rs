//! The Worker's configuration: the proxy's `ProxyConfig` from a Worker variable.
//!
//! `WAYBILL_PROXY` holds the same keys as the `[proxy]` table of `waybill.toml` (see
//! docs/proxy.md), either as an object (`[vars] WAYBILL_PROXY = { … }` in wrangler.toml) or as a
//! JSON string (`wrangler dev --var WAYBILL_PROXY:'{…}'`, or a secret). Absent: the defaults —
//! the well-known public registries, same-origin pages only. Unknown keys are errors, as natively.

use wasm_bindgen::JsValue;
use waybill_core::proxy::ProxyConfig;
use worker::Env;

/// The variable holding the proxy configuration.
pub const CONFIG_VAR: &str = "WAYBILL_PROXY";

/// The variable that turns on the loopback-only test guard (`"1"`).
pub const GUARD_VAR: &str = "WAYBILL_TEST_LOOPBACK_ONLY";

/// Reads `WAYBILL_PROXY`; the error names the variable and what serde found wrong.
pub fn proxy_config(env: &Env) -> Result<ProxyConfig, String> {
    let json = match raw(env, CONFIG_VAR) {
        None => return Ok(ProxyConfig::default()),
        Some(value) => match value.as_string() {
            Some(text) => text,
            None => js_sys::JSON::stringify(&value)
                .ok()
                .and_then(|s| s.as_string())
                .ok_or_else(|| format!("{CONFIG_VAR} is neither a JSON string nor an object"))?,
        },
    };
    serde_json::from_str(&json).map_err(|e| {
        format!("{CONFIG_VAR} is not a valid proxy configuration ({e}); its keys are those of the [proxy] table in docs/proxy.md")
    })
}

/// Whether a string variable is set to `"1"`.
pub fn flag(env: &Env, name: &str) -> bool {
    raw(env, name).and_then(|v| v.as_string()).is_some_and(|v| v == "1")
}

fn raw(env: &Env, name: &str) -> Option<JsValue> {
    js_sys::Reflect::get(env, &JsValue::from_str(name)).ok().filter(|v| !v.is_undefined() && !v.is_null())
}
