//! The widget's calls to the worker, all same-origin, through gloo-net's `fetch` wrapper.
//!
//! Every call names its [`Credential`]: the cookies the browser holds for the widget's origin,
//! or a token the widget holds in memory, sent as `Authorization: Bearer` (SPEC §1.8). Which one
//! a call gets is decided by `session`; this module only sends it.

use gloo_net::http::Request;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::RequestInit;

use crate::launch::LaunchParams;
use crate::shapes::{self, IntegrationToken, SessionGrant, User};
use crate::status::Failure;

const SESSION: &str = "/apis/admin/session/";
const INTEGRATION_TOKEN: &str = "/apis/admin/session/integration-token";
const SIGN_IN: &str = "/apis/admin/session/api-key/";
const LAUNCH: &str = "/apis/admin/session/launch/";
const RENEW: &str = "/apis/admin/session/renew";

/// What authenticates a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// The `__Host-` cookies, if the browser kept them; nothing else.
    Cookies,
    /// `Authorization: Bearer <token>`: a session JWT, or (for renewal only) the renewal token.
    Bearer(String),
}

/// One request to the worker: method, path and JSON body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    method: &'static str,
    path: &'static str,
    body: Option<String>,
}

impl Call {
    /// `GET /apis/admin/session/`: who is signed in.
    pub fn session() -> Self {
        Self::new("GET", SESSION, None)
    }

    /// `DELETE /apis/admin/session/`: sign out.
    pub fn sign_out() -> Self {
        Self::new("DELETE", SESSION, None)
    }

    /// `POST /apis/admin/session/integration-token` `{"app_id"}` (SPEC §3).
    pub fn integration_token(app_id: &str) -> Self {
        let body = shapes::integration_token_body(app_id);
        Self::new("POST", INTEGRATION_TOKEN, body)
    }

    fn new(method: &'static str, path: &'static str, body: Option<String>) -> Self {
        Self { method, path, body }
    }
}

/// A successful answer: its status, its body when it is JSON, and the server's clock.
#[derive(Debug, Clone)]
pub struct Reply {
    /// The HTTP status (2xx).
    pub status: u16,
    /// The body, when it parsed as JSON.
    pub body: Option<JsValue>,
    /// The server's `Date`, in unix seconds, when it sent a readable one.
    pub server_now: Option<f64>,
}

impl Reply {
    /// The body read by `read`; a body that is missing or of the wrong shape is a bad response.
    pub fn read<T>(&self, read: impl FnOnce(&JsValue) -> Option<T>) -> Result<T, Failure> {
        self.body.as_ref().and_then(read).ok_or_else(bad_response)
    }
}

/// `POST /apis/admin/session/api-key/` with the launch parameters: the session granted, and
/// the server's clock when it granted it.
pub async fn sign_in(params: &LaunchParams) -> Result<(SessionGrant, Option<f64>), Failure> {
    let call = Call::new("POST", SIGN_IN, shapes::sign_in_body(params));
    grant(&call, &Credential::Cookies, shapes::signed_in).await
}

/// `POST /apis/admin/session/launch/` with a signed launch token (SPEC §6): the session granted,
/// as [`sign_in`] answers it.
pub async fn sign_in_with_launch(
    token: &str,
    platform: &str,
) -> Result<(SessionGrant, Option<f64>), Failure> {
    let call = Call::new("POST", LAUNCH, shapes::launch_body(token, platform));
    grant(&call, &Credential::Cookies, shapes::signed_in).await
}

/// `POST /apis/admin/session/renew` with the renewal token: a fresh session JWT. `401
/// invalid_token` ([`Failure::SessionEnded`]) means the session is over.
pub async fn renew(renewal_token: &str) -> Result<(SessionGrant, Option<f64>), Failure> {
    let call = Call::new("POST", RENEW, None);
    grant(
        &call,
        &Credential::Bearer(renewal_token.to_owned()),
        shapes::renewed,
    )
    .await
}

/// Sends `call` and reads the session it grants with `read`, and the server's clock then.
async fn grant(
    call: &Call,
    credential: &Credential,
    read: fn(&JsValue) -> Option<SessionGrant>,
) -> Result<(SessionGrant, Option<f64>), Failure> {
    let reply = send(call, credential).await?;
    Ok((reply.read(read)?, reply.server_now))
}

/// The user of a `GET /apis/admin/session/` answer.
pub fn user(reply: &Reply) -> Result<User, Failure> {
    reply.read(shapes::session)
}

/// The token of an integration-token answer.
pub fn integration_token(reply: &Reply) -> Result<IntegrationToken, Failure> {
    reply.read(IntegrationToken::read)
}

/// Sends one call with one credential. A 2xx answers its [`Reply`]; any other status the
/// failure its `error` code stands for; a request that never got an answer
/// [`Failure::NetworkDown`]. One function for every call keeps a single copy of this in the wasm.
pub async fn send(call: &Call, credential: &Credential) -> Result<Reply, Failure> {
    // The request is built from web-sys's own `Request`: gloo-net's builder would re-parse the
    // URL to merge query parameters the widget never sends, and bring `core::fmt` along to do
    // it. `RequestInit` and the headers are written as the plain objects they are: one
    // `Reflect.set` import instead of a setter import per field. Same-origin calls only: the
    // cookies of the widget's own origin, never another's.
    let init = shapes::object(&[("method", call.method), ("credentials", "same-origin")]);
    let headers = shapes::object(&[]);
    if let Credential::Bearer(token) = credential {
        let mut value = String::from("Bearer ");
        value.push_str(token);
        shapes::set(&headers, "Authorization", &JsValue::from_str(&value));
    }
    if let Some(body) = &call.body {
        shapes::set(
            &headers,
            "Content-Type",
            &JsValue::from_str("application/json"),
        );
        shapes::set(&init, "body", &JsValue::from_str(body));
    }
    shapes::set(&init, "headers", &headers);
    let init: RequestInit = init.unchecked_into();
    let request = web_sys::Request::new_with_str_and_init(call.path, &init)
        .map_err(|_| Failure::Unexpected("request".into()))?;
    let request = Request::from(request);
    let response = request.send().await.map_err(|_| Failure::NetworkDown)?;
    let status = response.status();
    let headers = response.headers();
    // A body that cannot be read or is not JSON is no body.
    let body = match response.text().await {
        Ok(text) => shapes::parse(&text),
        Err(_) => None,
    };
    if response.ok() {
        let server_now = headers
            .get("Date")
            .and_then(|d| shapes::http_date_seconds(&d));
        return Ok(Reply {
            status,
            body,
            server_now,
        });
    }
    let retry_after = headers.get("Retry-After").and_then(|v| v.parse().ok());
    let code = body.as_ref().and_then(shapes::error_code);
    Err(Failure::from_response(status, code.as_deref(), retry_after))
}

fn bad_response() -> Failure {
    Failure::Unexpected("response".into())
}
