//! Reading requests and writing responses: the one place an [`ApiError`] becomes HTTP.

use authcore::ApiError;
use serde::Serialize;
use worker::{Request, Response};

/// A request header's value, if present.
pub fn header(req: &Request, name: &str) -> Option<String> {
    req.headers().get(name).ok().flatten()
}

/// A JSON response with the headers every API answer carries.
pub fn json<T: Serialize>(status: u16, body: &T) -> Result<Response, ApiError> {
    let resp = Response::from_json(body)
        .map_err(internal)?
        .with_status(status);
    no_store(resp)
}

/// `204 No Content`, not cacheable.
pub fn no_content() -> Result<Response, ApiError> {
    no_store(Response::empty().map_err(internal)?.with_status(204))
}

/// Sets a header, mapping the runtime's error.
pub fn set(resp: &Response, name: &str, value: &str) -> Result<(), ApiError> {
    resp.headers().set(name, value).map_err(internal)
}

/// Appends a header (for `Set-Cookie`, which repeats).
pub fn append(resp: &Response, name: &str, value: &str) -> Result<(), ApiError> {
    resp.headers().append(name, value).map_err(internal)
}

fn no_store(resp: Response) -> Result<Response, ApiError> {
    set(&resp, "Cache-Control", "no-store")?;
    set(&resp, "X-Content-Type-Options", "nosniff")?;
    Ok(resp)
}

/// Renders an error: its status, `{"error","error_description"}`, and `WWW-Authenticate` /
/// `Retry-After` where the error calls for them. Never sets a cookie.
pub fn error(e: &ApiError) -> worker::Result<Response> {
    let resp = Response::from_json(&e.body())?.with_status(e.status());
    let headers = resp.headers();
    headers.set("Cache-Control", "no-store")?;
    headers.set("X-Content-Type-Options", "nosniff")?;
    if let Some(challenge) = e.www_authenticate() {
        headers.set("WWW-Authenticate", challenge)?;
    }
    if let Some(seconds) = e.retry_after() {
        headers.set("Retry-After", &seconds.to_string())?;
    }
    Ok(resp)
}

/// Logs a runtime failure (never its inputs) and hides it behind a generic 500.
pub fn internal(e: impl std::fmt::Display) -> ApiError {
    worker::console_error!("internal error: {e}");
    ApiError::Internal
}
