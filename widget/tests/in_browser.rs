//! The widget's own logic, run in headless Chromium and Firefox by `wasm-pack test --headless`:
//! reading the launch URL, mapping failures to messages, rendering states, reading and writing
//! the API's JSON, when to renew, and each call and flow (cookie mode, memory mode, renewal,
//! sign-out) against a stubbed `fetch`. The address-bar scrub is `first.js`'s, tested in
//! `tests/script/`.

#![allow(missing_docs, clippy::unwrap_used, clippy::indexing_slicing)] // a test file: a failed unwrap or index is a failed test

use js_sys::JSON;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use widget::launch::{last_segment, launch_token, LaunchParams, MissingParam};
use widget::session::Mode;
use widget::shapes::{self, IntegrationToken, SessionGrant, User};
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
fn a_signed_launch_link_is_read_from_the_fragment_and_wins_over_a_key() {
    let base = "https://acme.deskgate.example/v2/widget/genesys";
    assert_eq!(
        launch_token(&format!("{base}#launch=h.p.s")),
        Some(("h.p.s".into(), "genesys".into()))
    );
    assert_eq!(
        launch_token(&format!(
            "{base}?apikey=k&agent_id=1&agent_name=A#x=1&launch=h.p.s"
        )),
        Some(("h.p.s".into(), "genesys".into()))
    );
    for href in [
        format!("{base}?apikey=k&agent_id=1&agent_name=A"),
        format!("{base}#launch="),
        format!("{base}#other=1"),
        format!("{base}?launch=h.p.s"),
    ] {
        assert_eq!(launch_token(&href), None, "{href}");
    }
    assert_eq!(
        shapes::launch_body("h.p.s", "genesys").as_deref(),
        Some(r#"{"launch":"h.p.s","platform":"genesys"}"#)
    );
}

#[wasm_bindgen_test]
fn each_error_response_maps_to_its_own_failure() {
    let cases = [
        (401, Some("invalid_api_key"), None, Failure::KeyRefused),
        (401, Some("invalid_launch"), None, Failure::LaunchRefused),
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
        (401, Some("unauthenticated"), None, Failure::NotSignedIn),
        (401, Some("invalid_token"), None, Failure::SessionEnded),
        (
            403,
            Some("invalid_token"),
            None,
            Failure::Unexpected("invalid_token".into()),
        ),
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
        Failure::LaunchRefused,
        Failure::TooManyAttempts(None),
        Failure::OriginNotAllowed,
        Failure::NetworkDown,
        Failure::NotSignedIn,
        Failure::SessionEnded,
        Failure::Unexpected("x".into()),
    ];
    let messages: std::collections::HashSet<_> = all.iter().map(Failure::message).collect();
    assert_eq!(messages.len(), all.len());
    let kinds: std::collections::HashSet<_> = all.iter().map(Failure::kind).collect();
    assert_eq!(
        kinds.len(),
        all.len() - 2,
        "the three missing parameters share a kind"
    );
}

#[wasm_bindgen_test]
fn a_failed_sign_out_says_the_session_may_still_be_open_and_why() {
    let reasons = [
        Failure::NetworkDown,
        Failure::NotSignedIn,
        Failure::Unexpected("HTTP 500".into()),
    ];
    let messages: std::collections::HashSet<_> =
        reasons.iter().map(Failure::sign_out_message).collect();
    assert_eq!(messages.len(), reasons.len());
    for message in messages {
        assert!(message.starts_with("Sign-out failed"), "{message}");
        assert!(message.contains("open"), "{message}");
    }
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

fn text_of(root: &web_sys::Element, selector: &str) -> String {
    root.query_selector(selector)
        .unwrap()
        .unwrap()
        .text_content()
        .unwrap()
}

fn hidden(root: &web_sys::Element, selector: &str) -> bool {
    root.query_selector(selector)
        .unwrap()
        .unwrap()
        .has_attribute("hidden")
}

#[wasm_bindgen_test]
fn an_unconfirmed_sign_out_keeps_the_agent_and_the_button_and_says_why() {
    let root = card();
    render_into(&root, &Status::SignedIn(ada()));
    render_into(&root, &Status::SignOutFailed(Failure::NotSignedIn));
    assert_eq!(
        root.get_attribute("data-state").as_deref(),
        Some("sign-out-failed")
    );
    assert_eq!(
        root.get_attribute("data-failure").as_deref(),
        Some("not_signed_in")
    );
    assert_eq!(
        text_of(&root, ".status"),
        Failure::NotSignedIn.sign_out_message()
    );
    assert_eq!(text_of(&root, ".agent-name"), "Ada Lovelace");
    assert!(!hidden(&root, ".agent") && !hidden(&root, "#sign-out"));
}

#[wasm_bindgen_test]
fn a_session_that_ended_on_its_own_has_its_own_sentence() {
    let root = card();
    render_into(&root, &Status::SignedIn(ada()));
    render_into(&root, &Status::SessionEnded);
    assert_eq!(
        root.get_attribute("data-state").as_deref(),
        Some("session-ended")
    );
    assert_eq!(text_of(&root, ".status"), Failure::SessionEnded.message());
    assert!(hidden(&root, ".agent") && hidden(&root, "#sign-out"));
    render_into(&root, &Status::SignedOut);
    assert_eq!(root.get_attribute("data-failure"), None);
    assert_ne!(text_of(&root, ".status"), Failure::SessionEnded.message());
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
    let with_mode = format!("{},\"mode\":\"memory\"}}", USER.trim_end_matches('}'));
    assert_eq!(stringify(&ada().to_js("memory")), with_mode);
}

fn grant_json(access_token: &str, access_exp: u64, renewal: Option<&str>) -> String {
    let renewal = renewal.map_or(String::new(), |r| format!(r#","renewal_token":"{r}""#));
    format!(
        r#"{{"user":{USER},"expires_at":4102444800,"access_token":"{access_token}","token_type":"Bearer","access_token_expires_at":{access_exp}{renewal}}}"#
    )
}

#[wasm_bindgen_test]
fn sign_in_renewal_and_session_answers_need_their_own_fields_too() {
    let signed_in = shapes::signed_in(&json(&grant_json("jwt", 1_700_003_600, Some("rt"))));
    assert_eq!(
        signed_in,
        Some(SessionGrant {
            user: ada(),
            expires_at: 4_102_444_800,
            access_token: "jwt".into(),
            access_token_expires_at: 1_700_003_600,
            renewal_token: Some("rt".into()),
        })
    );
    // A sign-in answer without its renewal token is not one; a renewal answer has none.
    assert_eq!(
        shapes::signed_in(&json(&grant_json("jwt", 1_700_003_600, None))),
        None
    );
    let renewed = shapes::renewed(&json(&grant_json("jwt2", 1_700_007_200, None))).unwrap();
    assert_eq!(
        (renewed.access_token.as_str(), renewed.renewal_token),
        ("jwt2", None)
    );
    for bad in [
        format!(
            r#"{{"user":{USER},"expires_at":1700000000,"access_token":"jwt","token_type":"Bearer"}}"#
        ),
        format!(
            r#"{{"user":{USER},"expires_at":1700000000,"access_token":"jwt","token_type":"MAC","access_token_expires_at":1}}"#
        ),
        format!(
            r#"{{"user":{USER},"expires_at":1700000000,"token_type":"Bearer","access_token_expires_at":1}}"#
        ),
        format!(
            r#"{{"user":{USER},"expires_at":1700000000,"access_token":"jwt","token_type":"Bearer","access_token_expires_at":"1"}}"#
        ),
    ] {
        assert_eq!(shapes::renewed(&json(&bad)), None, "{bad}");
    }

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
fn the_servers_date_header_is_read_as_unix_seconds() {
    assert_eq!(
        shapes::http_date_seconds("Tue, 14 Nov 2023 22:13:20 GMT"),
        Some(1_700_000_000.0)
    );
    assert_eq!(shapes::http_date_seconds("yesterday"), None);
    assert_eq!(shapes::http_date_seconds(""), None);
}

#[wasm_bindgen_test]
fn renewal_comes_at_four_fifths_of_the_life_left_and_at_most_a_minute_early() {
    use widget::session::renewal_delay_ms;
    let now = 1_700_000_000.0;
    let cases = [
        // A 20-second JWT: renewed after 16 s.
        (now, 1_700_000_020, 1_700_028_800, 16_000),
        // A one-hour JWT: a minute before it expires.
        (now, 1_700_003_600, 1_700_028_800, 3_540_000),
        // Half a second into a 10-second JWT, on the server's clock.
        (now + 0.5, 1_700_000_010, 1_700_028_800, 7_600),
        // The JWT lives as long as the session: once, a second after the session's end.
        (now, 1_700_003_600, 1_700_000_100, 101_000),
        (now, 1_700_000_100, 1_700_000_100, 101_000),
        // Already expired, or an unreadable clock: soon, but never in a loop.
        (now, 1_699_999_000, 1_700_028_800, 1_000),
        (f64::NAN, 1_700_003_600, 1_700_028_800, 1_000),
        (now, u64::MAX, u64::MAX, u32::MAX),
    ];
    for (server_now, access, session, want) in cases {
        assert_eq!(
            renewal_delay_ms(server_now, access, session),
            want,
            "{server_now} {access} {session}"
        );
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

// ---- Each call and flow against a stubbed `fetch` ----

#[wasm_bindgen(inline_js = r#"
const real = window.fetch;
let requests = [];
let routes = {};
// Answers each request with the next answer listed for "METHOD /path Authorization" or, failing
// that, "METHOD /path" (the last answer of a list repeats); status 0 is a network failure.
export function stub_fetch(script) {
  requests = [];
  routes = JSON.parse(script);
  window.fetch = async (request) => {
    const authorization = request.headers.get('Authorization');
    const seen = {
      path: new URL(request.url).pathname,
      method: request.method,
      credentials: request.credentials,
      authorization,
      contentType: request.headers.get('Content-Type'),
      body: (await request.text()) || null,
    };
    requests.push(seen);
    const key = `${seen.method} ${seen.path}`;
    const list = routes[`${key} ${authorization}`] || routes[key];
    if (!list) return new Response(`no answer for ${key} ${authorization}`, { status: 599 });
    const a = list.length > 1 ? list.shift() : list[0];
    if (a.status === 0) throw new TypeError('Failed to fetch');
    return new Response(a.body === undefined ? null : a.body, { status: a.status, headers: a.headers || {} });
  };
}
export function requests_seen() {
  return JSON.stringify(requests);
}
export function restore_fetch() {
  window.fetch = real;
}
export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
"#)]
extern "C" {
    /// Makes `fetch` answer from `script`, a JSON object of routes to lists of answers.
    fn stub_fetch(script: &str);
    /// Every request `fetch` was given since the stub was set, as a JSON array.
    fn requests_seen() -> String;
    fn restore_fetch();
    fn sleep(ms: u32) -> js_sys::Promise;
}

/// One answer: status, body, headers.
fn reply(status: u16, body: Option<&str>, headers: &[(&str, &str)]) -> String {
    let body = body.map_or("null".to_owned(), |b| {
        JSON::stringify(&JsValue::from_str(b))
            .unwrap()
            .as_string()
            .unwrap()
    });
    let headers: Vec<String> = headers
        .iter()
        .map(|(k, v)| format!(r#""{k}":"{v}""#))
        .collect();
    format!(
        r#"{{"status":{status},"body":{body},"headers":{{{}}}}}"#,
        headers.join(",")
    )
}

fn ok(body: &str) -> String {
    reply(200, Some(body), &[])
}

fn error(status: u16, code: &str) -> String {
    reply(
        status,
        Some(&format!(r#"{{"error":"{code}","error_description":"no"}}"#)),
        &[],
    )
}

/// Sets the stub: each route with its answers.
fn stub(routes: &[(&str, Vec<String>)]) {
    let routes: Vec<String> = routes
        .iter()
        .map(|(route, answers)| format!(r#""{route}":[{}]"#, answers.join(",")))
        .collect();
    stub_fetch(&format!("{{{}}}", routes.join(",")));
}

/// What `fetch` was given: (method, path, Authorization) of each request.
fn seen() -> Vec<(String, String, Option<String>)> {
    let all = json(&requests_seen());
    js_sys::Array::from(&all)
        .iter()
        .map(|r| {
            let get = |name: &str| js_sys::Reflect::get(&r, &name.into()).unwrap().as_string();
            (
                get("method").unwrap(),
                get("path").unwrap(),
                get("authorization"),
            )
        })
        .collect()
}

fn request_of(index: usize) -> JsValue {
    js_sys::Array::from(&json(&requests_seen())).get(index as u32)
}

const SIGN_IN: &str = "POST /apis/admin/session/api-key/";
const SESSION_BY_COOKIES: &str = "GET /apis/admin/session/ null";
const SESSION: &str = r#"{"user":{"id":"7","name":"Ada Lovelace","role":"agent","account":"acme","platform":"genesys"},"expires_at":1700028800}"#;

fn launch() -> LaunchParams {
    LaunchParams::from_href(&format!("{BASE}?apikey=k&agent_id=7&agent_name=Ada")).unwrap()
}

fn launch_href() -> String {
    format!("{BASE}?apikey=k&agent_id=7&agent_name=Ada")
}

/// The page's own `#deskgate` card, fresh, where `start` and `signOut` render.
fn page_card() -> web_sys::Element {
    let document = web_sys::window().unwrap().document().unwrap();
    if let Some(old) = document.get_element_by_id("deskgate") {
        old.remove();
    }
    let root = card();
    root.set_id("deskgate");
    document.body().unwrap().append_child(&root).unwrap();
    root
}

fn now_seconds() -> u64 {
    (js_sys::Date::now() / 1000.0) as u64
}

/// The server's `Date` header for now.
fn date_now() -> String {
    js_sys::Date::new_0().to_utc_string().as_string().unwrap()
}

async fn settle(promise: js_sys::Promise) -> Result<String, String> {
    match JsFuture::from(promise).await {
        Ok(value) if value.is_undefined() => Ok("undefined".to_owned()),
        Ok(value) => Ok(stringify(&value)),
        Err(reason) => Err(reason.as_string().unwrap()),
    }
}

/// Signs in with the stub answering: cookies refused, the session JWT `jwt1` (expiring
/// `access_in` seconds from now) good, plus `more` routes. Leaves the widget in memory mode.
async fn sign_in_to_memory_mode(
    access_in: u64,
    more: Vec<(&str, Vec<String>)>,
) -> web_sys::Element {
    widget::session::forget();
    let root = page_card();
    let date = date_now();
    // The session lives on (its end is in 2100): only the JWT expires.
    let grant = grant_json("jwt1", now_seconds() + access_in, Some("rt"));
    let mut routes = vec![
        (SIGN_IN, vec![reply(200, Some(&grant), &[("Date", &date)])]),
        (SESSION_BY_COOKIES, vec![error(401, "unauthenticated")]),
        ("GET /apis/admin/session/ Bearer jwt1", vec![ok(SESSION)]),
    ];
    routes.extend(more);
    stub(&routes);
    JsFuture::from(widget::start(launch_href())).await.unwrap();
    root
}

#[wasm_bindgen_test]
async fn sign_in_posts_the_launch_parameters_with_cookies_only_and_reads_the_grant() {
    let date = "Tue, 14 Nov 2023 22:13:20 GMT";
    stub(&[(
        SIGN_IN,
        vec![reply(
            200,
            Some(&grant_json("jwt", 1_700_003_600, Some("rt"))),
            &[("Date", date)],
        )],
    )]);
    let got = widget::api::sign_in(&launch()).await;
    let sent = stringify(&request_of(0));
    restore_fetch();
    let (grant, server_now) = got.unwrap();
    assert_eq!(
        (grant.user, grant.access_token.as_str(), server_now),
        (ada(), "jwt", Some(1_700_000_000.0))
    );
    assert_eq!(
        sent,
        r#"{"path":"/apis/admin/session/api-key/","method":"POST","credentials":"same-origin","authorization":null,"contentType":"application/json","body":"{\"api_key\":\"k\",\"agent_id\":\"7\",\"agent_name\":\"Ada\",\"platform\":\"liveengage\"}"}"#
    );
}

#[wasm_bindgen_test]
async fn sign_in_failures_map_from_the_response() {
    let cases: [(String, Failure); 9] = [
        (error(401, "invalid_api_key"), Failure::KeyRefused),
        (
            reply(
                429,
                Some(r#"{"error":"too_many_attempts","error_description":"wait"}"#),
                &[("Retry-After", "60")],
            ),
            Failure::TooManyAttempts(Some(60)),
        ),
        (
            reply(429, None, &[("Retry-After", "soon")]),
            Failure::TooManyAttempts(None),
        ),
        (error(403, "origin_not_allowed"), Failure::OriginNotAllowed),
        // Without its description the body is not an error body: only the status is known.
        (
            reply(401, Some(r#"{"error":"invalid_api_key"}"#), &[]),
            Failure::Unexpected("HTTP 401".into()),
        ),
        (
            reply(500, Some("<html>"), &[]),
            Failure::Unexpected("HTTP 500".into()),
        ),
        (ok(r#"{"user":{}}"#), Failure::Unexpected("response".into())),
        (ok("not json"), Failure::Unexpected("response".into())),
        (reply(0, None, &[]), Failure::NetworkDown),
    ];
    for (answer, want) in cases {
        stub(&[(SIGN_IN, vec![answer.clone()])]);
        let got = widget::api::sign_in(&launch()).await.map(|_| ());
        restore_fetch();
        assert_eq!(got, Err(want), "{answer}");
    }
}

#[wasm_bindgen_test]
async fn where_the_cookies_stick_the_widget_stays_in_cookie_mode() {
    widget::session::forget();
    let root = page_card();
    stub(&[
        (
            SIGN_IN,
            vec![ok(&grant_json("jwt1", 1_700_003_600, Some("rt")))],
        ),
        (SESSION_BY_COOKIES, vec![ok(SESSION)]),
    ]);
    JsFuture::from(widget::start(launch_href())).await.unwrap();
    let who = settle(widget::whoami()).await;
    let requests = seen();
    restore_fetch();
    assert_eq!(
        root.get_attribute("data-state").as_deref(),
        Some("signed-in")
    );
    assert_eq!(widget::session::mode(), Mode::Cookies);
    let with_mode = format!("{},\"mode\":\"cookies\"}}", USER.trim_end_matches('}'));
    assert_eq!(who, Ok(with_mode));
    // The sign-in's tokens are not used: every call is proven by the cookies alone.
    let all: Vec<_> = requests
        .iter()
        .map(|(m, p, a)| (m.as_str(), p.as_str(), a.clone()))
        .collect();
    assert_eq!(
        all,
        [
            ("POST", "/apis/admin/session/api-key/", None),
            ("GET", "/apis/admin/session/", None),
            ("GET", "/apis/admin/session/", None),
        ]
    );
}

#[wasm_bindgen_test]
async fn where_the_cookies_are_refused_the_session_is_held_in_memory_and_sent_as_bearer() {
    let root = sign_in_to_memory_mode(
        3600,
        vec![(
            "POST /apis/admin/session/integration-token Bearer jwt1",
            vec![ok(r#"{"token":"t.k.n","expires_at":1700001800}"#)],
        )],
    )
    .await;
    let who = settle(widget::whoami()).await;
    let token = settle(widget::get_integration_token("crm.app".into())).await;
    let requests = seen();
    restore_fetch();
    widget::session::forget();
    assert_eq!(
        root.get_attribute("data-state").as_deref(),
        Some("signed-in")
    );
    let with_mode = format!("{},\"mode\":\"memory\"}}", USER.trim_end_matches('}'));
    assert_eq!(who, Ok(with_mode));
    assert_eq!(
        token,
        Ok(r#"{"token":"t.k.n","expires_at":1700001800}"#.to_owned())
    );
    let bearer = Some("Bearer jwt1".to_owned());
    let all: Vec<_> = requests
        .iter()
        .map(|(m, p, a)| (m.as_str(), p.as_str(), a.clone()))
        .collect();
    assert_eq!(
        all,
        [
            ("POST", "/apis/admin/session/api-key/", None),
            ("GET", "/apis/admin/session/", None),
            ("GET", "/apis/admin/session/", bearer.clone()),
            ("GET", "/apis/admin/session/", bearer.clone()),
            ("POST", "/apis/admin/session/integration-token", bearer),
        ]
    );
}

#[wasm_bindgen_test]
fn nothing_of_memory_mode_is_written_to_any_storage() {
    // Memory mode's tokens live in wasm memory only: the page's storages stay empty (the other
    // tests sign in to memory mode in this same page).
    let window = web_sys::window().unwrap();
    let storage = |name: &str| js_sys::Reflect::get(&window, &name.into()).unwrap();
    for name in ["localStorage", "sessionStorage"] {
        let length = js_sys::Reflect::get(&storage(name), &"length".into()).unwrap();
        assert_eq!(length.as_f64(), Some(0.0), "{name}");
    }
    let cookie = js_sys::Reflect::get(&window.document().unwrap(), &"cookie".into()).unwrap();
    assert_eq!(cookie.as_string().as_deref(), Some(""));
}

#[wasm_bindgen_test]
async fn signed_in_shows_only_after_an_authenticated_call_succeeded() {
    let cases = [
        // The proof by cookies failed for another reason than missing cookies.
        (vec![reply(500, None, &[])], None, "unexpected"),
        // No cookies, and the JWT of the sign-in answer is refused too.
        (
            vec![error(401, "unauthenticated")],
            Some(error(401, "invalid_token")),
            "session_ended",
        ),
        (
            vec![error(401, "unauthenticated")],
            Some(reply(0, None, &[])),
            "network_down",
        ),
    ];
    for (by_cookies, by_bearer, failure) in cases {
        widget::session::forget();
        let root = page_card();
        let mut routes = vec![
            (
                SIGN_IN,
                vec![ok(&grant_json("jwt1", 1_700_003_600, Some("rt")))],
            ),
            (SESSION_BY_COOKIES, by_cookies),
        ];
        if let Some(answer) = by_bearer {
            routes.push(("GET /apis/admin/session/ Bearer jwt1", vec![answer]));
        }
        stub(&routes);
        JsFuture::from(widget::start(launch_href())).await.unwrap();
        restore_fetch();
        assert_eq!(root.get_attribute("data-state").as_deref(), Some("failed"));
        assert_eq!(root.get_attribute("data-failure").as_deref(), Some(failure));
        assert_eq!(widget::session::mode(), Mode::Cookies, "nothing is held");
    }
}

#[wasm_bindgen_test]
async fn memory_mode_renews_the_jwt_before_it_expires_and_uses_the_new_one() {
    let renewed = grant_json("jwt2", now_seconds() + 3600, None);
    sign_in_to_memory_mode(
        2,
        vec![
            (
                "POST /apis/admin/session/renew Bearer rt",
                vec![ok(&renewed)],
            ),
            ("GET /apis/admin/session/ Bearer jwt2", vec![ok(SESSION)]),
        ],
    )
    .await;
    // Two seconds of life left: renewed after 1.6 s.
    JsFuture::from(sleep(2_500)).await.unwrap();
    let who = settle(widget::whoami()).await;
    let requests = seen();
    restore_fetch();
    widget::session::forget();
    assert!(who.is_ok(), "{who:?}");
    let tail: Vec<_> = requests[3..]
        .iter()
        .map(|(m, p, a)| (m.as_str(), p.as_str(), a.clone()))
        .collect();
    assert_eq!(
        tail,
        [
            (
                "POST",
                "/apis/admin/session/renew",
                Some("Bearer rt".to_owned())
            ),
            (
                "GET",
                "/apis/admin/session/",
                Some("Bearer jwt2".to_owned())
            ),
        ]
    );
}

#[wasm_bindgen_test]
async fn a_refused_renewal_ends_the_session_with_its_own_sentence() {
    let root = sign_in_to_memory_mode(
        2,
        vec![(
            "POST /apis/admin/session/renew Bearer rt",
            vec![error(401, "invalid_token")],
        )],
    )
    .await;
    JsFuture::from(sleep(2_500)).await.unwrap();
    let who = settle(widget::whoami()).await;
    restore_fetch();
    assert_eq!(
        root.get_attribute("data-state").as_deref(),
        Some("session-ended")
    );
    assert_eq!(text_of(&root, ".status"), Failure::SessionEnded.message());
    assert_eq!(
        widget::session::mode(),
        Mode::Cookies,
        "the tokens are dropped"
    );
    assert_eq!(who, Ok("null".to_owned()));
}

#[wasm_bindgen_test]
async fn a_jwt_refused_before_its_renewal_is_renewed_on_the_spot_and_the_call_sent_again() {
    let renewed = grant_json("jwt2", now_seconds() + 3600, None);
    sign_in_to_memory_mode(
        3600,
        vec![
            (
                "POST /apis/admin/session/renew Bearer rt",
                vec![ok(&renewed)],
            ),
            ("GET /apis/admin/session/ Bearer jwt2", vec![ok(SESSION)]),
        ],
    )
    .await;
    // From now on jwt1 is refused, as after a laptop slept through the renewal.
    stub(&[
        (
            "GET /apis/admin/session/ Bearer jwt1",
            vec![error(401, "invalid_token")],
        ),
        (
            "POST /apis/admin/session/renew Bearer rt",
            vec![ok(&renewed)],
        ),
        ("GET /apis/admin/session/ Bearer jwt2", vec![ok(SESSION)]),
    ]);
    let who = settle(widget::whoami()).await;
    let requests = seen();
    restore_fetch();
    widget::session::forget();
    assert!(who.unwrap().contains(r#""mode":"memory""#));
    let all: Vec<_> = requests
        .iter()
        .map(|(_, p, a)| (p.as_str(), a.clone().unwrap()))
        .collect();
    assert_eq!(
        all,
        [
            ("/apis/admin/session/", "Bearer jwt1".to_owned()),
            ("/apis/admin/session/renew", "Bearer rt".to_owned()),
            ("/apis/admin/session/", "Bearer jwt2".to_owned()),
        ]
    );
}

#[wasm_bindgen_test]
async fn sign_out_says_signed_out_only_when_deskgate_confirms_the_session_ended() {
    let cases: [(String, Result<(), Failure>); 6] = [
        (reply(204, None, &[]), Ok(())),
        // Already ended (signed out elsewhere, revoked, expired): nothing is left to end.
        (error(401, "invalid_token"), Ok(())),
        // The browser sent no session: it may live on, so this is not "signed out".
        (error(401, "unauthenticated"), Err(Failure::NotSignedIn)),
        (
            reply(500, None, &[]),
            Err(Failure::Unexpected("HTTP 500".into())),
        ),
        (ok("{}"), Err(Failure::Unexpected("response".into()))),
        (reply(0, None, &[]), Err(Failure::NetworkDown)),
    ];
    for (answer, want) in cases {
        widget::session::forget();
        let root = page_card();
        render_into(&root, &Status::SignedIn(ada()));
        stub(&[("DELETE /apis/admin/session/ null", vec![answer.clone()])]);
        let got = settle(widget::sign_out()).await;
        let sent = stringify(&request_of(0));
        restore_fetch();
        assert_eq!(
            sent,
            r#"{"path":"/apis/admin/session/","method":"DELETE","credentials":"same-origin","authorization":null,"contentType":null,"body":null}"#
        );
        match want {
            Ok(()) => {
                assert_eq!(got, Ok("undefined".to_owned()), "{answer}");
                assert_eq!(
                    root.get_attribute("data-state").as_deref(),
                    Some("signed-out"),
                    "{answer}"
                );
            }
            Err(failure) => {
                assert_eq!(got, Err(failure.sign_out_message().to_owned()), "{answer}");
                assert_eq!(
                    root.get_attribute("data-state").as_deref(),
                    Some("sign-out-failed"),
                    "{answer}"
                );
                assert_eq!(
                    root.get_attribute("data-failure").as_deref(),
                    Some(failure.kind())
                );
                assert!(!hidden(&root, "#sign-out"), "the agent can try again");
            }
        }
    }
}

#[wasm_bindgen_test]
async fn sign_out_in_memory_mode_sends_the_jwt_and_forgets_the_tokens() {
    let root = sign_in_to_memory_mode(
        3600,
        vec![(
            "DELETE /apis/admin/session/ Bearer jwt1",
            vec![reply(204, None, &[])],
        )],
    )
    .await;
    let got = settle(widget::sign_out()).await;
    let requests = seen();
    restore_fetch();
    assert!(got.is_ok(), "{got:?}");
    assert_eq!(
        root.get_attribute("data-state").as_deref(),
        Some("signed-out")
    );
    assert_eq!(widget::session::mode(), Mode::Cookies);
    let last = requests.last().unwrap();
    assert_eq!(
        (last.0.as_str(), last.2.as_deref()),
        ("DELETE", Some("Bearer jwt1"))
    );
}

#[wasm_bindgen_test]
async fn whoami_gives_the_user_or_null() {
    widget::session::forget();
    stub(&[(
        SESSION_BY_COOKIES,
        vec![
            ok(
                r#"{"user":{"id":"7","name":"Ada Lovelace","role":"agent","account":"acme","platform":"genesys","x":1},"expires_at":1700000000}"#,
            ),
            error(401, "unauthenticated"),
            error(401, "invalid_token"),
            reply(0, None, &[]),
        ],
    )]);
    let got = settle(widget::whoami()).await;
    let nobody = settle(widget::whoami()).await;
    let ended = settle(widget::whoami()).await;
    let down = settle(widget::whoami()).await;
    restore_fetch();
    let with_mode = format!("{},\"mode\":\"cookies\"}}", USER.trim_end_matches('}'));
    assert_eq!(got, Ok(with_mode));
    assert_eq!(nobody, Ok("null".to_owned()));
    assert_eq!(ended, Ok("null".to_owned()));
    assert_eq!(down, Err(Failure::NetworkDown.message().to_owned()));
}

#[wasm_bindgen_test]
async fn get_integration_token_posts_the_app_id_and_gives_token_and_expiry() {
    widget::session::forget();
    stub(&[(
        "POST /apis/admin/session/integration-token",
        vec![
            ok(r#"{"token":"t.k.n","expires_at":1700001800}"#),
            ok(r#"{"token":"t.k.n","expires_at":1.5}"#),
            error(401, "invalid_token"),
        ],
    )]);
    let got = settle(widget::get_integration_token("crm.app".into())).await;
    let sent = stringify(&request_of(0));
    let bad = settle(widget::get_integration_token("crm.app".into())).await;
    let ended = settle(widget::get_integration_token("crm.app".into())).await;
    restore_fetch();
    assert_eq!(
        got,
        Ok(r#"{"token":"t.k.n","expires_at":1700001800}"#.to_owned())
    );
    assert_eq!(
        sent,
        r#"{"path":"/apis/admin/session/integration-token","method":"POST","credentials":"same-origin","authorization":null,"contentType":"application/json","body":"{\"app_id\":\"crm.app\"}"}"#
    );
    let unexpected = Failure::Unexpected(String::new()).message().to_owned();
    assert_eq!(bad, Err(unexpected));
    assert_eq!(ended, Err(Failure::SessionEnded.message().to_owned()));
}
