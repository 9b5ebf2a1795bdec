//! Durable state in D1: sessions, sign-in failure windows, services and their credentials, and
//! the audit log. Every query binds its values; none is built from input text.

pub mod access_tokens;
pub mod audit;
pub mod credentials;
pub mod services;
pub mod sessions;
pub mod signin_failures;

use authcore::ApiError;
use worker::{D1Database, Env};

/// The D1 binding `DB`.
pub fn db(env: &Env) -> Result<D1Database, ApiError> {
    env.d1("DB").map_err(crate::http::internal)
}

/// A unix-seconds value as a D1 argument (a JS number, not a BigInt).
fn seconds(n: u64) -> wasm_bindgen::JsValue {
    wasm_bindgen::JsValue::from_f64(n as f64)
}
