//! The widget's DOM: the only module that touches the page. It fills the markup of
//! `www/widget.html` (the `#deskgate` card) from a [`Status`].

use wasm_bindgen::prelude::*;
use web_sys::Element;

use crate::status::{Failure, Status};

/// Renders `status` into the page's `#deskgate` card.
pub fn render(status: &Status) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    if let Some(root) = document.get_element_by_id("deskgate") {
        render_into(&root, status);
    }
}

/// Renders `status` into `root`, a card with `.status`, `.agent`, `.agent-name`,
/// `.agent-meta` and `#sign-out` inside.
pub fn render_into(root: &Element, status: &Status) {
    let find = |selector: &str| root.query_selector(selector).ok().flatten();
    let set_text = |selector: &str, text: &str| {
        if let Some(el) = find(selector) {
            el.set_text_content(Some(text));
        }
    };
    let show = |selector: &str, visible: bool| {
        if let Some(el) = find(selector) {
            let _ = if visible {
                el.remove_attribute("hidden")
            } else {
                el.set_attribute("hidden", "")
            };
        }
    };
    let (state, text) = match status {
        Status::SigningIn => ("signing-in", "Signing you in…"),
        Status::SignedIn(_) => ("signed-in", "Signed in"),
        Status::SignedOut => (
            "signed-out",
            "You are signed out. Reload the desktop to sign in again.",
        ),
        Status::SessionEnded => ("session-ended", Failure::SessionEnded.message()),
        Status::SignOutFailed(failure) => ("sign-out-failed", failure.sign_out_message()),
        Status::Failed(failure) => ("failed", failure.message()),
    };
    let _ = root.set_attribute("data-state", state);
    match status {
        Status::Failed(failure) | Status::SignOutFailed(failure) => {
            let _ = root.set_attribute("data-failure", failure.kind());
        }
        _ => {
            let _ = root.remove_attribute("data-failure");
        }
    }
    set_text(".status", text);
    // A sign-out that was not confirmed keeps the agent and the button: the session may live,
    // and the agent can try again.
    let signed_in = matches!(status, Status::SignedIn(_) | Status::SignOutFailed(_));
    show(".agent", signed_in);
    show("#sign-out", signed_in);
    if let Status::SignedIn(user) = status {
        set_text(".agent-name", &user.name);
        let mut meta = user.id.clone();
        for part in [&user.role, &user.platform] {
            meta.push_str(" · ");
            meta.push_str(part);
        }
        set_text(".agent-meta", &meta);
        set_text(".avatar", &initials(&user.name));
        wire_sign_out(root);
    }
}

/// Up to two initials of a display name, for the avatar. The browser upper-cases them
/// (`String.prototype.toUpperCase`, the same full Unicode mapping as `char::to_uppercase`), so
/// the widget does not carry Unicode's case tables.
pub fn initials(name: &str) -> String {
    let first: String = name
        .split_whitespace()
        .filter_map(|w| w.chars().next())
        .take(2)
        .collect();
    js_sys::JsString::from(first).to_upper_case().into()
}

fn wire_sign_out(root: &Element) {
    let Some(button) = root.query_selector("#sign-out").ok().flatten() else {
        return;
    };
    if button.get_attribute("data-wired").is_some() {
        return;
    }
    let _ = button.set_attribute("data-wired", "");
    let on_click = Closure::<dyn FnMut()>::new(|| {
        // The card shows the outcome; nothing is left rejected.
        let _ = crate::promise(Box::pin(async {
            let _ = crate::end_session().await;
            Ok(JsValue::UNDEFINED)
        }));
    });
    let _ = button.add_event_listener_with_callback("click", on_click.as_ref().unchecked_ref());
    // The button lives as long as the page; so does its handler.
    on_click.forget();
}
