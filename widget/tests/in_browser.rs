//! The widget's own logic, run in headless Chromium by `wasm-pack test --headless --chrome`:
//! reading the launch URL, scrubbing the key, mapping failures to messages, rendering states,
//! reading and writing the API's JSON, and each call against a stubbed `fetch`.

#![allow(missing_docs, clippy::unwrap_used)] // a test file: a failed unwrap is a failed test

use js_sys::JSON;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use widget::launch::{href_without_apikey, last_segment, LaunchParams, MissingParam};
use widget::shapes::{self, IntegrationToken, User};
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
        (404, None, None, Failure::Unexpected("HTTP 404".into())),
        (0, None, None, Failure::Unexpected("HTTP 0".into())),
        (65535, None, None, Failure::Unexpected("HTTP 65535".into())),
        (429, None, None, Failure::TooManyAttempts(None)),
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
    let user = User {
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
    assert_eq!(text(".agent-meta"), "7 · agent · genesys");
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
    assert_eq!(initials("  grace   hopper "), "GH");
    // Full Unicode upper-casing, as `char::to_uppercase` did: ß becomes SS.
    assert_eq!(initials("élodie ßeta"), "ÉSS");
}

#[wasm_bindgen_test]
fn the_platform_is_the_last_path_segment() {
    let cases = [
        ("/v2/widget/liveengage", "liveengage"),
        ("/v2/widget/genesys/", "genesys"),
        ("/v2/widget/genesys//", "genesys"),
        ("/widget", "widget"),
        ("/", ""),
        ("", ""),
        ("/v2/widget/%C3%A9", "%C3%A9"),
    ];
    for (path, platform) in cases {
        assert_eq!(last_segment(path), platform, "{path}");
    }
}

// ---- The API's JSON, read and written without serde ----

fn json(text: &str) -> JsValue {
    JSON::parse(text).unwrap()
}

fn stringify(value: &JsValue) -> String {
    JSON::stringify(value).unwrap().as_string().unwrap()
}

const USER: &str =
    r#"{"id":"7","name":"Ada Lovelace","role":"agent","account":"acme","platform":"genesys"}"#;

fn ada() -> User {
    User {
        id: "7".into(),
        name: "Ada Lovelace".into(),
        role: "agent".into(),
        account: "acme".into(),
        platform: "genesys".into(),
    }
}

#[wasm_bindgen_test]
fn a_user_needs_every_field_as_a_string_and_is_given_back_with_exactly_those_fields() {
    let extra = r#"{"id":"7","name":"Ada Lovelace","role":"agent","account":"acme","platform":"genesys","x":1}"#;
    assert_eq!(User::read(&json(extra)), Some(ada()));
    for bad in [
        r#"{"id":"7","name":"Ada Lovelace","role":"agent","account":"acme"}"#,
        r#"{"id":7,"name":"Ada Lovelace","role":"agent","account":"acme","platform":"genesys"}"#,
        r#"{"id":null,"name":"Ada Lovelace","role":"agent","account":"acme","platform":"genesys"}"#,
        "null",
        "\"7\"",
        "[]",
    ] {
        assert_eq!(User::read(&json(bad)), None, "{bad}");
    }
    assert_eq!(stringify(&ada().to_js()), USER);
}

#[wasm_bindgen_test]
fn sign_in_and_session_answers_need_their_own_fields_too() {
    let signed_in = format!(
        r#"{{"user":{USER},"expires_at":1700000000,"access_token":"jwt","token_type":"Bearer"}}"#
    );
    assert_eq!(shapes::signed_in(&json(&signed_in)), Some(ada()));
    let no_token_type =
        format!(r#"{{"user":{USER},"expires_at":1700000000,"access_token":"jwt"}}"#);
    assert_eq!(shapes::signed_in(&json(&no_token_type)), None);

    let session = format!(r#"{{"user":{USER},"expires_at":1700000000}}"#);
    assert_eq!(shapes::session(&json(&session)), Some(ada()));
    for bad in [
        format!(r#"{{"user":{USER}}}"#),
        format!(r#"{{"user":{USER},"expires_at":-1}}"#),
        format!(r#"{{"user":{USER},"expires_at":1.5}}"#),
        format!(r#"{{"user":{USER},"expires_at":"1700000000"}}"#),
        r#"{"expires_at":1700000000}"#.to_owned(),
    ] {
        assert_eq!(shapes::session(&json(&bad)), None, "{bad}");
    }
}

#[wasm_bindgen_test]
fn an_integration_token_is_read_and_given_back_as_token_and_a_numeric_expiry() {
    let token = IntegrationToken::read(&json(r#"{"token":"t.k.n","expires_at":1700001800}"#));
    let token = token.unwrap();
    assert_eq!(
        token,
        IntegrationToken {
            token: "t.k.n".into(),
            expires_at: 1_700_001_800
        }
    );
    assert_eq!(
        stringify(&token.to_js()),
        r#"{"token":"t.k.n","expires_at":1700001800}"#
    );
    for bad in [
        r#"{"token":"t","expires_at":9007199254740992}"#,
        r#"{"token":"t"}"#,
        r#"{"expires_at":1}"#,
    ] {
        assert_eq!(IntegrationToken::read(&json(bad)), None, "{bad}");
    }
}

#[wasm_bindgen_test]
fn an_error_code_needs_the_whole_error_body() {
    let body = r#"{"error":"invalid_api_key","error_description":"no"}"#;
    assert_eq!(
        shapes::error_code(&json(body)).as_deref(),
        Some("invalid_api_key")
    );
    for bad in [
        r#"{"error":"invalid_api_key"}"#,
        r#"{"error":1,"error_description":"no"}"#,
        "[]",
        "null",
    ] {
        assert_eq!(shapes::error_code(&json(bad)), None, "{bad}");
    }
}

#[wasm_bindgen_test]
fn request_bodies_are_the_json_the_worker_reads() {
    let href = format!("{BASE}?apikey=k%2By&agent_id=7&agent_name=Ada%20%22L%22%0A%C3%A9");
    let params = LaunchParams::from_href(&href).unwrap();
    assert_eq!(
        shapes::sign_in_body(&params).unwrap(),
        r#"{"api_key":"k+y","agent_id":"7","agent_name":"Ada \"L\"\né","platform":"liveengage"}"#
    );
    assert_eq!(
        shapes::integration_token_body("crm.app").unwrap(),
        r#"{"app_id":"crm.app"}"#
    );
}

// ---- Each call against a stubbed `fetch` ----

#[wasm_bindgen(inline_js = r#"
const real = window.fetch;
let requests = [];
export function stub_fetch(status, body, retryAfter) {
  requests = [];
  window.fetch = async (url, init) => {
    requests.push({
      url: String(url),
      method: init.method,
      credentials: init.credentials,
      contentType: init.headers ? init.headers['Content-Type'] : null,
      body: init.body === undefined ? null : init.body,
    });
    if (status === 0) throw new TypeError('Failed to fetch');
    const headers = retryAfter === undefined ? {} : { 'Retry-After': retryAfter };
    return new Response(body === undefined ? null : body, { status, headers });
  };
}
export function last_request() {
  return JSON.stringify(requests[requests.length - 1]);
}
export function restore_fetch() {
  window.fetch = real;
}
"#)]
extern "C" {
    /// Makes `fetch` answer `status` with `body` (status 0: the network is down).
    fn stub_fetch(status: u16, body: Option<String>, retry_after: Option<String>);
    /// The last request `fetch` was given, as JSON.
    fn last_request() -> String;
    fn restore_fetch();
}

fn answer(status: u16, body: Option<&str>) {
    stub_fetch(status, body.map(str::to_owned), None);
}

fn request(method: &str, url: &str, body: Option<&str>) -> String {
    let (content_type, body) = match body {
        Some(body) => (r#""application/json""#.to_owned(), format!("{body:?}")),
        None => ("null".to_owned(), "null".to_owned()),
    };
    format!(
        r#"{{"url":"{url}","method":"{method}","credentials":"same-origin","contentType":{content_type},"body":{body}}}"#
    )
}

fn launch() -> LaunchParams {
    LaunchParams::from_href(&format!("{BASE}?apikey=k&agent_id=7&agent_name=Ada")).unwrap()
}

#[wasm_bindgen_test]
async fn sign_in_posts_the_launch_parameters_and_reads_the_user() {
    let signed_in = format!(
        r#"{{"user":{USER},"expires_at":1700000000,"access_token":"jwt","token_type":"Bearer"}}"#
    );
    answer(200, Some(&signed_in));
    let got = widget::api::sign_in(&launch()).await;
    let sent = last_request();
    restore_fetch();
    assert_eq!(got, Ok(ada()));
    assert_eq!(
        sent,
        request(
            "POST",
            "/apis/admin/session/api-key/",
            Some(r#"{"api_key":"k","agent_id":"7","agent_name":"Ada","platform":"liveengage"}"#)
        )
    );
}

#[wasm_bindgen_test]
async fn sign_in_failures_map_from_the_response() {
    let cases: [(u16, Option<&str>, Option<&str>, Failure); 8] = [
        (
            401,
            Some(r#"{"error":"invalid_api_key","error_description":"no"}"#),
            None,
            Failure::KeyRefused,
        ),
        (
            429,
            Some(r#"{"error":"too_many_attempts","error_description":"wait"}"#),
            Some("60"),
            Failure::TooManyAttempts(Some(60)),
        ),
        (429, None, Some("soon"), Failure::TooManyAttempts(None)),
        (
            403,
            Some(r#"{"error":"origin_not_allowed","error_description":"no"}"#),
            None,
            Failure::OriginNotAllowed,
        ),
        // Without its description the body is not an error body: only the status is known.
        (
            401,
            Some(r#"{"error":"invalid_api_key"}"#),
            None,
            Failure::Unexpected("HTTP 401".into()),
        ),
        (
            500,
            Some("<html>"),
            None,
            Failure::Unexpected("HTTP 500".into()),
        ),
        (
            200,
            Some(r#"{"user":{}}"#),
            None,
            Failure::Unexpected("response".into()),
        ),
        (
            200,
            Some("not json"),
            None,
            Failure::Unexpected("response".into()),
        ),
    ];
    for (status, body, retry_after, want) in cases {
        stub_fetch(
            status,
            body.map(str::to_owned),
            retry_after.map(str::to_owned),
        );
        let got = widget::api::sign_in(&launch()).await;
        restore_fetch();
        assert_eq!(got, Err(want), "{status} {body:?}");
    }
    answer(0, None);
    let got = widget::api::sign_in(&launch()).await;
    restore_fetch();
    assert_eq!(got, Err(Failure::NetworkDown));
}

async fn settle(promise: js_sys::Promise) -> Result<String, String> {
    match JsFuture::from(promise).await {
        Ok(value) => Ok(stringify(&value)),
        Err(reason) => Err(reason.as_string().unwrap()),
    }
}

#[wasm_bindgen_test]
async fn whoami_gives_the_user_or_null() {
    let extra = r#"{"user":{"id":"7","name":"Ada Lovelace","role":"agent","account":"acme","platform":"genesys","x":1},"expires_at":1700000000}"#;
    answer(200, Some(extra));
    let got = settle(widget::whoami()).await;
    let sent = last_request();
    answer(
        401,
        Some(r#"{"error":"unauthenticated","error_description":"no"}"#),
    );
    let nobody = settle(widget::whoami()).await;
    answer(0, None);
    let down = settle(widget::whoami()).await;
    restore_fetch();
    assert_eq!(got, Ok(USER.to_owned()));
    assert_eq!(sent, request("GET", "/apis/admin/session/", None));
    assert_eq!(nobody, Ok("null".to_owned()));
    assert_eq!(down, Err(Failure::NetworkDown.message().to_owned()));
}

#[wasm_bindgen_test]
async fn get_integration_token_posts_the_app_id_and_gives_token_and_expiry() {
    answer(200, Some(r#"{"token":"t.k.n","expires_at":1700001800}"#));
    let got = settle(widget::get_integration_token("crm.app".into())).await;
    let sent = last_request();
    answer(200, Some(r#"{"token":"t.k.n","expires_at":1.5}"#));
    let bad = settle(widget::get_integration_token("crm.app".into())).await;
    restore_fetch();
    assert_eq!(
        got,
        Ok(r#"{"token":"t.k.n","expires_at":1700001800}"#.to_owned())
    );
    assert_eq!(
        sent,
        request(
            "POST",
            "/apis/admin/session/integration-token",
            Some(r#"{"app_id":"crm.app"}"#)
        )
    );
    let unexpected = Failure::Unexpected(String::new()).message().to_owned();
    assert_eq!(bad, Err(unexpected));
}

#[wasm_bindgen_test]
async fn sign_out_deletes_the_session_and_already_signed_out_is_fine() {
    let mut got = Vec::new();
    for (status, body) in [
        (204, None),
        (
            401,
            Some(r#"{"error":"unauthenticated","error_description":"no"}"#),
        ),
        (200, Some("{}")),
        (200, Some("")),
        (500, None),
    ] {
        answer(status, body);
        got.push(widget::api::sign_out().await);
    }
    let sent = last_request();
    restore_fetch();
    assert_eq!(
        got,
        [
            Ok(()),
            Ok(()),
            Ok(()),
            Err(Failure::Unexpected("response".into())),
            Err(Failure::Unexpected("HTTP 500".into())),
        ]
    );
    assert_eq!(sent, request("DELETE", "/apis/admin/session/", None));
}
