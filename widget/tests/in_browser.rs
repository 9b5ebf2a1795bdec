//! The widget's own logic, run in headless Chromium by `wasm-pack test --headless --chrome`:
//! reading the launch URL, scrubbing the key, mapping failures to messages, rendering states.

#![allow(missing_docs, clippy::unwrap_used)] // a test file: a failed unwrap is a failed test

use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use widget::launch::{href_without_apikey, LaunchParams, MissingParam};
use widget::status::{Failure, Status};
use widget::view::{initials, render_into};

wasm_bindgen_test_configure!(run_in_browser);

const BASE: &str = "https://acme.deskgate.example/v2/widget/liveengage";

#[wasm_bindgen_test]
fn launch_parameters_are_read_from_the_query_and_the_platform_from_the_path() {
    let href = format!("{BASE}?apikey=k%2By&agent_id=7&agent_name=Ada%20Lovelace");
    let params = LaunchParams::from_href(&href).unwrap();
    assert_eq!(
        params,
        LaunchParams {
            api_key: "k+y".into(),
            agent_id: "7".into(),
            agent_name: "Ada Lovelace".into(),
            platform: "liveengage".into(),
        }
    );
}

#[wasm_bindgen_test]
fn the_first_missing_or_blank_parameter_is_named() {
    let cases = [
        ("agent_id=7&agent_name=A", "apikey"),
        ("apikey=&agent_id=7&agent_name=A", "apikey"),
        ("apikey=k&agent_name=A", "agent_id"),
        ("apikey=k&agent_id=%20&agent_name=A", "agent_id"),
        ("apikey=k&agent_id=7", "agent_name"),
        ("", "apikey"),
    ];
    for (query, missing) in cases {
        let got = LaunchParams::from_href(&format!("{BASE}?{query}"));
        assert_eq!(got, Err(MissingParam(missing)), "{query}");
    }
}

#[wasm_bindgen_test]
fn the_key_is_scrubbed_from_the_url_and_everything_else_is_kept() {
    let cases = [
        (
            "?apikey=k&agent_id=7&agent_name=A",
            "?agent_id=7&agent_name=A",
        ),
        ("?agent_id=7&apikey=k&apikey=again", "?agent_id=7"),
        ("?apikey=k", ""),
        ("?agent_id=7", "?agent_id=7"),
    ];
    for (query, want) in cases {
        assert_eq!(
            href_without_apikey(&format!("{BASE}{query}")).unwrap(),
            format!("{BASE}{want}")
        );
    }
}

#[wasm_bindgen_test]
fn each_error_response_maps_to_its_own_failure() {
    let cases = [
        (401, Some("invalid_api_key"), None, Failure::KeyRefused),
        (
            429,
            Some("too_many_attempts"),
            Some(60),
            Failure::TooManyAttempts(Some(60)),
        ),
        (
            403,
            Some("origin_not_allowed"),
            None,
            Failure::OriginNotAllowed,
        ),
        (
            400,
            Some("invalid_request"),
            None,
            Failure::Unexpected("invalid_request".into()),
        ),
        (502, None, None, Failure::Unexpected("HTTP 502".into())),
    ];
    for (status, code, retry, want) in cases {
        assert_eq!(Failure::from_response(status, code, retry), want);
    }
}

#[wasm_bindgen_test]
fn every_failure_has_a_distinct_message_and_kind() {
    let all = [
        Failure::MissingParameter("apikey"),
        Failure::MissingParameter("agent_id"),
        Failure::MissingParameter("agent_name"),
        Failure::KeyRefused,
        Failure::TooManyAttempts(None),
        Failure::OriginNotAllowed,
        Failure::NetworkDown,
        Failure::Unexpected("x".into()),
    ];
    let messages: std::collections::HashSet<_> = all.iter().map(Failure::message).collect();
    assert_eq!(messages.len(), all.len());
}

fn card() -> web_sys::Element {
    let document = web_sys::window().unwrap().document().unwrap();
    let root = document.create_element("main").unwrap();
    root.set_inner_html(
        r#"<div class="agent" hidden><span class="avatar"></span><div class="agent-name"></div>
           <div class="agent-meta"></div></div><p class="status"></p><button id="sign-out" hidden></button>"#,
    );
    root
}

#[wasm_bindgen_test]
fn the_signed_in_state_shows_the_agent_and_the_sign_out_button() {
    let root = card();
    let user = wire::User {
        id: "7".into(),
        name: "Ada Lovelace".into(),
        role: "agent".into(),
        account: "acme".into(),
        platform: "genesys".into(),
    };
    render_into(&root, &Status::SignedIn(user));
    let text = |sel: &str| {
        root.query_selector(sel)
            .unwrap()
            .unwrap()
            .text_content()
            .unwrap()
    };
    let hidden = |sel: &str| {
        root.query_selector(sel)
            .unwrap()
            .unwrap()
            .has_attribute("hidden")
    };
    assert_eq!(
        root.get_attribute("data-state").as_deref(),
        Some("signed-in")
    );
    assert_eq!(text(".agent-name"), "Ada Lovelace");
    assert_eq!(text(".avatar"), "AL");
    assert!(!hidden(".agent") && !hidden("#sign-out"));
}

#[wasm_bindgen_test]
fn a_failure_shows_its_message_and_hides_the_agent() {
    let root = card();
    render_into(&root, &Status::Failed(Failure::KeyRefused));
    assert_eq!(root.get_attribute("data-state").as_deref(), Some("failed"));
    assert_eq!(
        root.get_attribute("data-failure").as_deref(),
        Some("key_refused")
    );
    let status = root
        .query_selector(".status")
        .unwrap()
        .unwrap()
        .text_content()
        .unwrap();
    assert_eq!(status, Failure::KeyRefused.message());
    assert!(root
        .query_selector(".agent")
        .unwrap()
        .unwrap()
        .has_attribute("hidden"));
}

#[wasm_bindgen_test]
fn initials_take_the_first_letters_of_up_to_two_words() {
    assert_eq!(initials("ada lovelace byron"), "AL");
    assert_eq!(initials("Grace"), "G");
    assert_eq!(initials(""), "");
}
