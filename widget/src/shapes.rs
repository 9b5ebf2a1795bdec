//! The JSON the widget sends and reads (the shapes of `wire`), checked field by field with
//! `Reflect` on the value `JSON.parse` gave, so no serde is shipped to the
//! browser. A reader answers `None` when a field it needs is missing or of the wrong type, as
//! deserializing into the `wire` struct would have failed.

use js_sys::{Object, Reflect, JSON};
use wasm_bindgen::JsValue;

use crate::launch::LaunchParams;

/// The agent a session belongs to (`wire::User`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// The agent id given by the desktop.
    pub id: String,
    /// The display name given by the desktop.
    pub name: String,
    /// `agent` for every API-key session.
    pub role: String,
    /// The account the session belongs to.
    pub account: String,
    /// The desktop platform.
    pub platform: String,
}

/// An integration token for one app (`wire::IntegrationToken`, SPEC §3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntegrationToken {
    /// The token, for the app's backend to check with `GET /v1/users/me`.
    pub token: String,
    /// When it expires (unix seconds).
    pub expires_at: u64,
}

impl User {
    /// Reads a `wire::User` object.
    pub fn read(value: &JsValue) -> Option<Self> {
        Some(Self {
            id: string(value, "id")?,
            name: string(value, "name")?,
            role: string(value, "role")?,
            account: string(value, "account")?,
            platform: string(value, "platform")?,
        })
    }

    /// A plain object `{id, name, role, account, platform, mode}`: what `whoami()` gives, with
    /// the mode the widget holds the session in (`cookies` or `memory`).
    pub fn to_js(&self, mode: &str) -> JsValue {
        object(&[
            ("id", &self.id),
            ("name", &self.name),
            ("role", &self.role),
            ("account", &self.account),
            ("platform", &self.platform),
            ("mode", mode),
        ])
        .into()
    }
}

impl IntegrationToken {
    /// Reads a `wire::IntegrationToken` object.
    pub fn read(value: &JsValue) -> Option<Self> {
        Some(Self {
            token: string(value, "token")?,
            expires_at: unix_seconds(value, "expires_at")?,
        })
    }

    /// A plain object `{token, expires_at}`, `expires_at` a number.
    pub fn to_js(&self) -> JsValue {
        let token = object(&[("token", &self.token)]);
        // A safe integer, so exact as an f64.
        set(
            &token,
            "expires_at",
            &JsValue::from_f64(self.expires_at as f64),
        );
        token.into()
    }
}

/// A session answer that carries a session JWT: the sign-in answer (`wire::SignedIn`) and the
/// renewal answer (`POST /apis/admin/session/renew`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionGrant {
    /// Who is signed in.
    pub user: User,
    /// When the server-side session ends (unix seconds).
    pub expires_at: u64,
    /// The session JWT, for `Authorization: Bearer` when the cookies did not stick.
    pub access_token: String,
    /// When the session JWT expires (unix seconds, the server's clock).
    pub access_token_expires_at: u64,
    /// The credential that buys fresh session JWTs (sign-in answers only).
    pub renewal_token: Option<String>,
}

/// Reads a sign-in answer: `user`, `expires_at`, `access_token`, `token_type` `Bearer`,
/// `renewal_token`, `access_token_expires_at`.
pub fn signed_in(value: &JsValue) -> Option<SessionGrant> {
    let mut grant = renewed(value)?;
    grant.renewal_token = Some(string(value, "renewal_token")?);
    Some(grant)
}

/// Reads a renewal answer: the sign-in answer without `renewal_token`.
pub fn renewed(value: &JsValue) -> Option<SessionGrant> {
    (string(value, "token_type")? == "Bearer").then_some(())?;
    Some(SessionGrant {
        user: User::read(&field(value, "user")?)?,
        expires_at: unix_seconds(value, "expires_at")?,
        access_token: string(value, "access_token")?,
        access_token_expires_at: unix_seconds(value, "access_token_expires_at")?,
        renewal_token: None,
    })
}

/// The user of a session answer (`wire::SessionInfo`: `user`, `expires_at`).
pub fn session(value: &JsValue) -> Option<User> {
    unix_seconds(value, "expires_at")?;
    User::read(&field(value, "user")?)
}

/// The `error` code of an error body (`wire::ErrorBody`: `error`, `error_description`).
pub fn error_code(value: &JsValue) -> Option<String> {
    string(value, "error_description")?;
    string(value, "error")
}

/// The body of `POST /apis/admin/session/api-key/` (`wire::ApiKeySignIn`), as JSON.
pub fn sign_in_body(params: &LaunchParams) -> Option<String> {
    stringify(&object(&[
        ("api_key", &params.api_key),
        ("agent_id", &params.agent_id),
        ("agent_name", &params.agent_name),
        ("platform", &params.platform),
    ]))
}

/// The body of `POST /apis/admin/session/launch/` (`{"launch","platform"}`), as JSON.
pub fn launch_body(token: &str, platform: &str) -> Option<String> {
    stringify(&object(&[("launch", token), ("platform", platform)]))
}

/// The body of `POST /apis/admin/session/integration-token`, as JSON.
pub fn integration_token_body(app_id: &str) -> Option<String> {
    stringify(&object(&[("app_id", app_id)]))
}

/// A plain object with these string fields, in this order.
pub fn object(fields: &[(&str, &str)]) -> Object {
    let object = Object::new();
    for (name, value) in fields {
        set(&object, name, &JsValue::from_str(value));
    }
    object
}

/// `object[name] = value` (cannot fail on a plain object).
pub fn set(object: &Object, name: &str, value: &JsValue) {
    let _ = Reflect::set(object, &JsValue::from_str(name), value);
}

/// A response body parsed as JSON; `None` when it is not JSON.
pub fn parse(text: &str) -> Option<JsValue> {
    JSON::parse(text).ok()
}

/// An HTTP `Date` header (RFC 9110 §5.6.7) as unix seconds, by the engine's `Date.parse`.
pub fn http_date_seconds(header: &str) -> Option<f64> {
    let ms = js_sys::Date::parse(header);
    // NaN (an unreadable date) is in no range.
    (ms > 0.0).then_some(ms / 1000.0)
}

fn stringify(value: &Object) -> Option<String> {
    JSON::stringify(value).ok()?.as_string()
}

/// `value[name]`; `None` when `value` is not an object (`Reflect.get` throws then).
fn field(value: &JsValue, name: &str) -> Option<JsValue> {
    Reflect::get(value, &JsValue::from_str(name)).ok()
}

fn string(value: &JsValue, name: &str) -> Option<String> {
    field(value, name)?.as_string()
}

/// A `u64` field: a non-negative integer JavaScript holds exactly.
fn unix_seconds(value: &JsValue, name: &str) -> Option<u64> {
    const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;
    let n = field(value, name)?.as_f64()?;
    // NaN is in no range. In this one the cast is exact for integers and truncates the rest.
    ((0.0..=MAX_SAFE_INTEGER).contains(&n) && (n as u64) as f64 == n).then_some(n as u64)
}
