//! What the app remembers: registry logins (in memory, or for this tab when the user asks),
//! recent references (on this browser, never with credentials), this tab's pushes and copies
//! (sessionStorage, never with credentials), and the hashing-worker pool.
//!
//! Logins kept in memory live in one JavaScript `Map` on the window, not in this module's own
//! memory: the app and the Upload/Copy module it loads later are two wasm modules, and a login
//! typed on Inspect must serve Copy too (and the other way round) without being stored anywhere.

use crate::browser::pool::{WORKER_DIR, WorkerPool};
use crate::browser::protocol::Login;
use crate::browser::pusher::protocol::Endpoint;
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsCast;
use waybill_core::reference::Reference;
use web_sys::Storage;

/// sessionStorage key prefix for logins the user asked to keep for this tab.
const LOGIN_KEY: &str = "waybill.login.";
/// localStorage key of the recent references.
const HISTORY_KEY: &str = "waybill.history";
/// sessionStorage key prefix of the targets typed on Upload and Copy (never with credentials).
const TARGET_KEY: &str = "waybill.target.";
/// sessionStorage key of this tab's pushes and copies.
const TRANSFERS_KEY: &str = "waybill.transfers";
/// Pushes and copies kept for the tab.
const TRANSFERS_LEN: usize = 20;
/// Recent references kept.
pub const HISTORY_LEN: usize = 8;
/// The registered symbol (`Symbol.for`) naming the window's in-memory login `Map`: host → the
/// login as JSON. Every wasm module of the page finds the same one.
pub const LOGINS_SYMBOL: &str = "waybill.logins";

thread_local! {
    static POOL: WorkerPool = WorkerPool::for_this_machine(WORKER_DIR);
}

/// The page's in-memory logins, created on first use.
fn logins() -> Option<js_sys::Map> {
    let window = web_sys::window()?;
    let key = js_sys::Symbol::for_(LOGINS_SYMBOL);
    if let Ok(map) = js_sys::Reflect::get(&window, &key).ok()?.dyn_into::<js_sys::Map>() {
        return Some(map);
    }
    let map = js_sys::Map::new();
    js_sys::Reflect::set(&window, &key, &map).ok()?;
    Some(map)
}

fn login_in_memory(host: &str) -> Option<Login> {
    serde_json::from_str(&logins()?.get(&host.into()).as_string()?).ok()
}

fn keep_in_memory(host: &str, login: &Login) {
    if let (Some(map), Ok(text)) = (logins(), serde_json::to_string(login)) {
        map.set(&host.into(), &text.into());
    }
}

fn session_storage() -> Option<Storage> {
    web_sys::window()?.session_storage().ok()?
}

fn local_storage() -> Option<Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// The login for a registry `host[:port]` (as written in references), if any: from memory,
/// else from this tab's sessionStorage.
pub fn login_for(host: &str) -> Option<Login> {
    if let Some(login) = login_in_memory(host) {
        return Some(login);
    }
    let text = session_storage()?.get_item(&format!("{LOGIN_KEY}{host}")).ok()??;
    let login: Login = serde_json::from_str(&text).ok()?;
    keep_in_memory(host, &login);
    Some(login)
}

/// Uses `login` for `host` from now on; `remember` also keeps it in this tab's sessionStorage
/// (gone when the tab closes), otherwise it lives in memory only (gone on reload).
pub fn set_login(host: &str, login: Login, remember: bool) {
    let key = format!("{LOGIN_KEY}{host}");
    if let Some(storage) = session_storage() {
        if remember {
            if let Ok(text) = serde_json::to_string(&login) {
                let _ = storage.set_item(&key, &text);
            }
        } else {
            let _ = storage.remove_item(&key);
        }
    }
    keep_in_memory(host, &login);
}

/// Forgets the login for `host`, in memory and in sessionStorage.
pub fn forget_login(host: &str) {
    if let Some(map) = logins() {
        map.delete(&host.into());
    }
    if let Some(storage) = session_storage() {
        let _ = storage.remove_item(&format!("{LOGIN_KEY}{host}"));
    }
}

/// Whether `host`'s login is kept in sessionStorage.
pub fn login_remembered(host: &str) -> bool {
    session_storage().and_then(|s| s.get_item(&format!("{LOGIN_KEY}{host}")).ok().flatten()).is_some()
}

/// Recent references, newest first.
pub fn history() -> Vec<String> {
    local_storage()
        .and_then(|s| s.get_item(HISTORY_KEY).ok().flatten())
        .and_then(|text| serde_json::from_str::<Vec<String>>(&text).ok())
        .unwrap_or_default()
}

/// Puts a reference (a registry reference: it holds no credentials) at the top of the history.
pub fn remember_reference(reference: &str) {
    let mut list = history();
    list.retain(|r| r != reference);
    list.insert(0, reference.to_owned());
    list.truncate(HISTORY_LEN);
    if let (Some(storage), Ok(text)) = (local_storage(), serde_json::to_string(&list)) {
        let _ = storage.set_item(HISTORY_KEY, &text);
    }
}

/// Empties the history.
pub fn clear_history() {
    if let Some(storage) = local_storage() {
        let _ = storage.remove_item(HISTORY_KEY);
    }
}

/// One push or copy this tab made: what a person needs to find and pull it again. Only
/// references and digests: never a login.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferRecord {
    /// "Push" or "Copy".
    pub verb: String,
    /// Where it went: `registry/repository:tag`.
    pub target: String,
    /// The manifest digest the registry stored.
    pub digest: String,
    /// How to pull it by digest.
    pub pull: String,
}

/// This tab's pushes and copies, newest first.
pub fn transfers() -> Vec<TransferRecord> {
    session_storage()
        .and_then(|s| s.get_item(TRANSFERS_KEY).ok().flatten())
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default()
}

/// Puts a finished push or copy at the top of this tab's list (sessionStorage: gone with the tab).
pub fn remember_transfer(record: TransferRecord) {
    let mut list = transfers();
    list.insert(0, record);
    list.truncate(TRANSFERS_LEN);
    if let (Some(storage), Ok(text)) = (session_storage(), serde_json::to_string(&list)) {
        let _ = storage.set_item(TRANSFERS_KEY, &text);
    }
}

/// Where to push: what the user typed in a target form. No credentials: those are logins.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetFields {
    /// `host[:port]` (a URL such as `http://pulp:24817` is accepted and trimmed).
    pub registry: String,
    /// The repository path.
    pub repository: String,
    /// The tag.
    pub tag: String,
}

impl TargetFields {
    /// Fills an empty repository and tag from `source` (the image being pushed or copied), so
    /// that the usual case needs only the registry typed.
    pub fn fill_from(&mut self, source: &Reference) {
        if self.repository.trim().is_empty() {
            self.repository = source.repository().to_owned();
        }
        if self.tag.trim().is_empty() {
            self.tag = source.tag().unwrap_or("latest").to_owned();
        }
    }
}

/// The target last typed on `page` in this tab.
pub fn remembered_target(page: &str) -> Option<TargetFields> {
    let text = session_storage()?.get_item(&format!("{TARGET_KEY}{page}")).ok()??;
    serde_json::from_str(&text).ok()
}

/// Keeps the target typed on `page` for this tab (sessionStorage: gone when the tab closes).
pub fn remember_target(page: &str, target: &TargetFields) {
    if let (Some(storage), Ok(text)) = (session_storage(), serde_json::to_string(target)) {
        let _ = storage.set_item(&format!("{TARGET_KEY}{page}"), &text);
    }
}

/// The page's hashing-worker pool (workers start on the first job).
pub fn pool() -> WorkerPool {
    POOL.with(Clone::clone)
}

/// Where the push worker reaches `reference`: through this page's proxy, with this tab's login
/// for its registry.
pub fn endpoint(reference: &Reference) -> Endpoint {
    Endpoint {
        proxy_origin: proxy_origin(),
        api_host: reference.api_host().to_owned(),
        repository: reference.repository().to_owned(),
        reference: reference.reference(),
        login: login_for(reference.registry()),
    }
}

/// The proxy's origin: the page's own (`waybill serve` and the Worker serve both).
pub fn proxy_origin() -> String {
    web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default()
}
