//! Registry logins are shared by the page's wasm modules: the app and the Upload/Copy module
//! each link their own copy of `session`, so logins kept in memory live in one JavaScript `Map`
//! on the window (`Symbol.for("waybill.logins")`). Here the other module is played by plain
//! JavaScript calls on that map.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test as test, wasm_bindgen_test_configure};
use waybill_app::browser::protocol::Login;
use waybill_app::ui::session::{self, LOGINS_SYMBOL};

wasm_bindgen_test_configure!(run_in_browser);

/// The window's login map, as any module of the page sees it.
fn window_logins() -> js_sys::Map {
    let window = web_sys::window().expect("a window");
    js_sys::Reflect::get(&window, &js_sys::Symbol::for_(LOGINS_SYMBOL))
        .expect("readable")
        .dyn_into()
        .expect("the login map is on the window once a login was set")
}

fn login(username: &str) -> Login {
    Login { username: username.into(), password: "s3cret".into() }
}

#[test]
fn a_login_set_here_is_on_the_window_and_nowhere_stored() {
    session::set_login("here.test:5000", login("alice"), false);
    let text = window_logins().get(&"here.test:5000".into()).as_string().expect("kept on the window");
    assert_eq!(serde_json::from_str::<Login>(&text).expect("a login"), login("alice"));
    assert!(!session::login_remembered("here.test:5000"), "not remembered: not in sessionStorage");
    session::forget_login("here.test:5000");
    assert!(window_logins().get(&"here.test:5000".into()).is_undefined(), "forgotten everywhere");
    assert_eq!(session::login_for("here.test:5000"), None);
}

#[test]
fn a_login_the_other_module_kept_is_used_here() {
    session::set_login("first.test", login("bob"), false); // the map exists from here on
    let text = serde_json::to_string(&login("carol")).expect("JSON");
    window_logins().set(&"there.test:24817".into(), &text.into());
    assert_eq!(session::login_for("there.test:24817"), Some(login("carol")));
    assert_eq!(session::login_for("first.test"), Some(login("bob")));
    assert_eq!(session::login_for("nobody.test"), None);
}
