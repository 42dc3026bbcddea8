//! Signing in to one registry: kept in memory, or for this tab if the user ticks the box; never
//! in localStorage, never in a link, and sent only to that registry (and its token service).

use crate::ui::api::Login;
use leptos::prelude::*;

use crate::ui::components::checkbox::Checkbox;
use crate::ui::session;

/// A registry asked for a login during a push or a copy: which one (as written in references),
/// and what it said. The page that holds it opens that registry's sign-in form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignInPrompt {
    /// The registry.
    pub host: String,
    /// The registry's answer, in full.
    pub message: String,
}

/// The sign-in form for `host` (a registry as written in references): a control that unfolds
/// into the form. `open` unfolds it (the registry asked for a login) and `said` shows what the
/// registry answered, with the focus on the user name; `on_saved` runs after the login is stored
/// or forgotten; `action` labels the button (default "Sign in and retry").
#[component]
pub fn LoginForm(
    host: String,
    open: bool,
    #[prop(into)] on_saved: Callback<()>,
    #[prop(optional)] action: Option<&'static str>,
    #[prop(optional_no_strip)] said: Option<String>,
) -> impl IntoView {
    let action = action.unwrap_or("Sign in and retry");
    let user_field = NodeRef::<leptos::html::Input>::new();
    if said.is_some() {
        // The form opened because a push or copy was refused: take the person straight to it.
        Effect::new(move |_| {
            if let Some(input) = user_field.get() {
                let _ = input.focus();
            }
        });
    }
    let existing = session::login_for(&host);
    let signed_in = RwSignal::new(existing.is_some());
    let username = RwSignal::new(existing.map(|l| l.username).unwrap_or_default());
    let password = RwSignal::new(String::new());
    let remember = RwSignal::new(session::login_remembered(&host));
    let save_host = host.clone();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let login = Login { username: username.get_untracked(), password: password.get_untracked() };
        if login.username.is_empty() || login.password.is_empty() {
            return;
        }
        session::set_login(&save_host, login, remember.get_untracked());
        password.set(String::new());
        signed_in.set(true);
        on_saved.run(());
    };
    let forget_host = host.clone();
    let forget = move |_| {
        session::forget_login(&forget_host);
        signed_in.set(false);
        username.set(String::new());
        on_saved.run(());
    };
    // Ids unique per registry: Copy shows a form for the source and one for the target.
    let slug: String = host.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
    let id = move |what: &str| format!("login-{what}-{slug}");
    view! {
        <details class="login" open=open data-testid="login">
            <summary class="login-control">
                {format!("Sign in to {host}")}
                {move || signed_in.get().then(|| view! {
                    <span class="badge ok">{move || format!("signed in as {}", username.get())}</span>
                })}
            </summary>
            <form on:submit=save>
                {said.map(|said| view! {
                    <div class="notice warn" role="alert" data-testid="login-said">
                        <p><strong>{format!("{host} asked for a login")}</strong></p>
                        <p class="mono wrap">{said}</p>
                    </div>
                })}
                <p class="hint">
                    "Anonymous by default. A login is sent only to this registry and its token service, never to "
                    "a foreign layer's urls; it stays in this page's memory unless you tick the box."
                </p>
                <div class="row">
                    <div class="grow">
                        <label for=id("user")>"User name"</label>
                        <input id=id("user") type="text" autocomplete="username" node_ref=user_field
                            prop:value=move || username.get()
                            on:input=move |ev| username.set(event_target_value(&ev)) />
                    </div>
                    <div class="grow">
                        <label for=id("password")>"Password or access token"</label>
                        <input id=id("password") type="password" autocomplete="current-password"
                            prop:value=move || password.get()
                            on:input=move |ev| password.set(event_target_value(&ev)) />
                    </div>
                </div>
                <Checkbox checked=remember label="Remember for this tab (sessionStorage; gone when the tab closes)" />
                <div class="row">
                    <button type="submit"
                        disabled=move || { username.with(String::is_empty) || password.with(String::is_empty) }>
                        {action}
                    </button>
                    {move || signed_in.get().then(|| view! {
                        <button type="button" class="secondary" on:click=forget.clone()>"Sign out"</button>
                    })}
                </div>
            </form>
        </details>
    }
}
