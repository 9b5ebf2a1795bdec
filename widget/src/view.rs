//! The widget's DOM: the only module that touches the page. It fills the markup of
//! `www/widget.html` (the `#deskgate` card) from a [`Status`].

use wasm_bindgen::prelude::*;
use web_sys::Element;

use crate::status::Status;

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
        Status::Failed(failure) => ("failed", failure.message()),
    };
    let _ = root.set_attribute("data-state", state);
    match status {
        Status::Failed(failure) => {
            let _ = root.set_attribute("data-failure", failure.kind());
        }
        _ => {
            let _ = root.remove_attribute("data-failure");
        }
    }
    set_text(".status", text);
    let signed_in = matches!(status, Status::SignedIn(_));
    show(".agent", signed_in);
    show("#sign-out", signed_in);
    if let Status::SignedIn(user) = status {
        set_text(".agent-name", &user.name);
        set_text(
            ".agent-meta",
            &format!("{} · {} · {}", user.id, user.role, user.platform),
        );
        set_text(".avatar", &initials(&user.name));
        wire_sign_out(root);
    }
}

/// Up to two initials of a display name, for the avatar.
pub fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|w| w.chars().next())
        .take(2)
        .flat_map(char::to_uppercase)
        .collect()
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
        wasm_bindgen_futures::spawn_local(async {
            let _ = crate::sign_out().await;
        });
    });
    let _ = button.add_event_listener_with_callback("click", on_click.as_ref().unchecked_ref());
    // The button lives as long as the page; so does its handler.
    on_click.forget();
}
