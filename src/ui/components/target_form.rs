//! Where to push: registry, repository, tag, and the login for that registry. Remembered for
//! this tab (sessionStorage), never with a password unless the user ticks "remember for this
//! tab" in the login form — and never in localStorage or a link.

use leptos::prelude::*;
use waybill_core::reference::Reference;

use crate::ui::components::login_form::{LoginForm, SignInPrompt};
use crate::ui::session::{self, TargetFields};

/// The registry as typed, reduced to `host[:port]`: a pasted URL (`http://pulp:24817/`) is
/// accepted, since Pulp's API origin is what people have at hand.
pub fn registry_host(typed: &str) -> String {
    let t = typed.trim();
    let t = t.strip_prefix("https://").or_else(|| t.strip_prefix("http://")).unwrap_or(t);
    t.trim_end_matches('/').to_owned()
}

/// The reference the fields name, or why they do not name one.
pub fn target_reference(fields: &TargetFields) -> Result<Reference, String> {
    let tag = fields.tag.trim();
    if tag.is_empty() {
        return Err("fill in the registry, the repository and the tag".to_owned());
    }
    parse_target(fields, &format!(":{tag}"))
}

/// The repository the fields name, their tag left aside (a bundle's destination, each image
/// under its own tag), or why they do not name one.
pub fn target_repository(fields: &TargetFields) -> Result<Reference, String> {
    parse_target(fields, "")
}

fn parse_target(fields: &TargetFields, tag: &str) -> Result<Reference, String> {
    let registry = registry_host(&fields.registry);
    let repository = fields.repository.trim().trim_matches('/');
    if registry.is_empty() || repository.is_empty() {
        let what = if tag.is_empty() {
            "the registry and the repository"
        } else {
            "the registry, the repository and the tag"
        };
        return Err(format!("fill in {what}"));
    }
    if registry.contains('/') {
        return Err(format!("{registry} is not a registry host: write host or host:port"));
    }
    let text = format!("{registry}/{repository}{tag}");
    let reference = Reference::parse(&text).map_err(|e| format!("{text} is not an image reference: {e}"))?;
    // A registry that looks like a repository path component would be taken for Docker Hub.
    if reference.registry() != registry {
        return Err(format!("{registry} is not a registry host: write host or host:port"));
    }
    Ok(reference)
}

/// The target fields for `page` ("upload", "copy"), saved for the tab as they are typed, and the
/// sign-in control for the registry they name — unfolded, with the registry's words, when
/// `prompt` names that registry (a push or copy it refused for want of a login).
#[component]
pub fn TargetForm(
    page: &'static str,
    fields: RwSignal<TargetFields>,
    #[prop(into)] legend: String,
    prompt: RwSignal<Option<SignInPrompt>>,
    /// With a tag field (a bundle's images keep their own tags: none then).
    #[prop(default = true)]
    tag: bool,
) -> impl IntoView {
    let parse = move |f: &TargetFields| if tag { target_reference(f) } else { target_repository(f) };
    Effect::new(move |_| fields.with(|f| session::remember_target(page, f)));
    let id = move |what: &str| format!("{page}-target-{what}");
    let input = move |what: &'static str,
                      label: &'static str,
                      hint: &'static str,
                      get: fn(&TargetFields) -> String,
                      set: fn(&mut TargetFields, String)| {
        let hint_id = id(&format!("{what}-hint"));
        view! {
            <div class="grow">
                <label for=id(what)>{label}</label>
                <input id=id(what) type="text" autocomplete="off" autocapitalize="off" spellcheck="false"
                    aria-describedby=hint_id.clone()
                    prop:value=move || fields.with(get)
                    on:input=move |ev| fields.update(|f| set(f, event_target_value(&ev))) />
                <span class="hint" id=hint_id>{hint}</span>
            </div>
        }
    };
    let host = Memo::new(move |_| parse(&fields.get()).ok().map(|r| r.registry().to_owned()));
    view! {
        <fieldset class="panel target" data-testid=format!("{page}-target")>
            <legend>{legend}</legend>
            <div class="row">
                {input("registry", "Registry", "Pulp's API origin or any registry: host:port", |f| f.registry.clone(), |f, v| f.registry = v)}
                {input("repository", "Repository", "e.g. team/app", |f| f.repository.clone(), |f, v| f.repository = v)}
                {tag.then(|| input("tag", "Tag", "e.g. 1.0", |f| f.tag.clone(), |f, v| f.tag = v))}
            </div>
            {move || match parse(&fields.get()) {
                Ok(reference) => view! {
                    <p class="hint">{if tag { "Pushes to " } else { "Pushes under " }} <code data-testid="target-ref">{reference.familiar()}</code>
                        " through Waybill's proxy (" <code>{format!("/r/{}/…", reference.api_host())}</code> ")."</p>
                }.into_any(),
                Err(why) => view! { <p class="hint" data-testid="target-problem">{why}</p> }.into_any(),
            }}
            {move || host.get().map(|host| {
                let said = prompt.with(|p| p.as_ref().filter(|p| p.host == host).map(|p| p.message.clone()));
                let on_saved = Callback::new(move |()| prompt.set(None));
                view! { <LoginForm host open=said.is_some() said on_saved action="Use this login" /> }
            })}
        </fieldset>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(registry: &str, repository: &str, tag: &str) -> TargetFields {
        TargetFields { registry: registry.into(), repository: repository.into(), tag: tag.into() }
    }

    #[test]
    fn urls_are_trimmed_to_hosts() {
        assert_eq!(registry_host(" http://127.0.0.1:24817/ "), "127.0.0.1:24817");
        assert_eq!(registry_host("https://pulp.example"), "pulp.example");
        assert_eq!(registry_host("ghcr.io"), "ghcr.io");
    }

    #[test]
    fn fields_make_a_reference() {
        let r = target_reference(&fields("http://127.0.0.1:24817", "/team/app/", "v1")).unwrap();
        assert_eq!(
            (r.api_host(), r.repository(), r.reference()),
            ("127.0.0.1:24817", "team/app", "v1".to_owned())
        );
        assert!(target_reference(&fields("", "a", "b")).is_err());
        assert!(target_reference(&fields("127.0.0.1:5000/x", "a", "b")).is_err());
        // "pulp" alone would be a Docker Hub path component, not a registry.
        assert!(target_reference(&fields("pulp", "a", "b")).is_err());
        assert!(target_reference(&fields("127.0.0.1:5000", "A b", "v1")).is_err());
        assert!(target_reference(&fields("127.0.0.1:5000", "a", "")).is_err());
        let r = target_repository(&fields("127.0.0.1:5000", "mirror/", "")).unwrap();
        assert_eq!((r.repository(), r.tag()), ("mirror", None));
    }
}
