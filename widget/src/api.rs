//! The widget's calls to the worker, all same-origin with cookies, with the browser's `fetch`.

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{RequestInit, Response};

use crate::launch::LaunchParams;
use crate::shapes::{self, IntegrationToken, User};
use crate::status::Failure;

const SESSION: &str = "/apis/admin/session/";
const INTEGRATION_TOKEN: &str = "/apis/admin/session/integration-token";
const SIGN_IN: &str = "/apis/admin/session/api-key/";

/// `POST /apis/admin/session/api-key/` with the launch parameters: the signed-in user.
pub async fn sign_in(params: &LaunchParams) -> Result<User, Failure> {
    let body = shapes::sign_in_body(params);
    let reply = call("POST", SIGN_IN, body, &[]).await?;
    reply
        .as_ref()
        .and_then(shapes::signed_in)
        .ok_or_else(bad_response)
}

/// `GET /apis/admin/session/`: `None` when nobody is signed in (`401`).
pub async fn current_session() -> Result<Option<User>, Failure> {
    match call("GET", SESSION, None, &[401]).await? {
        None => Ok(None),
        Some(reply) => shapes::session(&reply).map(Some).ok_or_else(bad_response),
    }
}

/// `DELETE /apis/admin/session/`; signing out when already signed out (`401`) is not an error.
pub async fn sign_out() -> Result<(), Failure> {
    call("DELETE", SESSION, None, &[204, 401]).await.map(|_| ())
}

/// `POST /apis/admin/session/integration-token`: a 30-minute token for one app (SPEC §3).
pub async fn integration_token(app_id: &str) -> Result<IntegrationToken, Failure> {
    let body = shapes::integration_token_body(app_id);
    let reply = call("POST", INTEGRATION_TOKEN, body, &[]).await?;
    reply
        .as_ref()
        .and_then(IntegrationToken::read)
        .ok_or_else(bad_response)
}

fn bad_response() -> Failure {
    Failure::Unexpected("response".into())
}

/// One call: `fetch(url, {method, credentials: "same-origin"})`, with `body` as JSON if given.
///
/// A status in `bodiless` answers `None` without reading the body; any other success answers
/// its body parsed as JSON (which it must be); an error answers the failure it stands for.
/// One function for every call keeps a single copy of this in the wasm.
async fn call(
    method: &str,
    url: &str,
    body: Option<String>,
    bodiless: &[u16],
) -> Result<Option<JsValue>, Failure> {
    let window = web_sys::window().ok_or_else(|| Failure::Unexpected("request".into()))?;
    // The `RequestInit` dictionary written as the plain object it is: one `Reflect.set` import
    // instead of a setter import per field.
    let init = shapes::object(&[("method", method), ("credentials", "same-origin")]);
    if let Some(body) = body {
        let headers = shapes::object(&[("Content-Type", "application/json")]);
        shapes::set(&init, "headers", &headers);
        shapes::set(&init, "body", &JsValue::from_str(&body));
    }
    let init: RequestInit = init.unchecked_into();
    let resp: Response = JsFuture::from(window.fetch_with_str_and_init(url, &init))
        .await
        .map_err(|_| Failure::NetworkDown)?
        // `fetch` resolves to a `Response` and nothing else.
        .unchecked_into();
    let status = resp.status();
    if bodiless.contains(&status) {
        return Ok(None);
    }
    let reply = match resp.json() {
        Ok(promise) => JsFuture::from(promise).await.ok(),
        Err(_) => None,
    };
    if resp.ok() {
        return reply.map(Some).ok_or_else(bad_response);
    }
    let retry_after = resp
        .headers()
        .get("Retry-After")
        .ok()
        .flatten()
        .and_then(|v| v.parse().ok());
    let code = reply.as_ref().and_then(shapes::error_code);
    Err(Failure::from_response(status, code.as_deref(), retry_after))
}
