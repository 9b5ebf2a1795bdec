//! Reading requests and writing responses: the one place an [`ApiError`] becomes HTTP, and
//! where its log line is written.

use authcore::input::{check_declared_length, is_json_content_type, MAX_BODY_BYTES};
use authcore::request_log::{request_id, route_template, RequestLine, REQUEST_ID_RANDOM_BYTES};
use authcore::url_parts::UrlParts;
use authcore::{ApiError, Method};
use serde::Serialize;
use wasm_bindgen::JsCast;
use worker::js_sys::{Reflect, Uint8Array};
use worker::wasm_bindgen_futures::JsFuture;
use worker::web_sys::{ReadableStreamDefaultReader, Request};
use worker::Response;

/// A request header's value, if present.
pub fn header(req: &Request, name: &str) -> Option<String> {
    req.headers().get(name).ok().flatten()
}

/// How much of an oversized body is read and thrown away before the `413` is sent. A client
/// still sending when the server answers and closes may get a reset instead of the answer
/// (RFC 9112 §9.6); `wrangler dev`'s proxy turns that into a 503. Past this, the body is cancelled.
const DRAIN_LIMIT: usize = 64 * 1024;

/// The body of a request that must be JSON: `415` for another content type, else
/// [`read_body`].
pub async fn read_json_body(req: &Request) -> Result<Vec<u8>, ApiError> {
    if !is_json_content_type(header(req, "Content-Type").as_deref()) {
        return Err(ApiError::UnsupportedMediaType);
    }
    read_body(req).await
}

/// A request body of at most [`MAX_BODY_BYTES`]: `413` when the declared length or the bytes
/// read pass the limit. At most [`DRAIN_LIMIT`] bytes are ever read.
pub async fn read_body(req: &Request) -> Result<Vec<u8>, ApiError> {
    let max = MAX_BODY_BYTES;
    // A request without a body has no stream: that is an empty body, for the parser to refuse.
    let stream = req.body();
    if let Err(e) = check_declared_length(header(req, "Content-Length").as_deref(), DRAIN_LIMIT) {
        if let Some(stream) = stream {
            let _ = JsFuture::from(stream.cancel()).await;
        }
        return Err(e);
    }
    let Some(stream) = stream else {
        return Ok(Vec::new());
    };
    let reader: ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
    let (mut body, mut seen) = (Vec::new(), 0usize);
    let unreadable = || ApiError::InvalidRequest("the request body could not be read".into());
    loop {
        let next = JsFuture::from(reader.read())
            .await
            .map_err(|_| unreadable())?;
        if Reflect::get(&next, &"done".into())
            .ok()
            .and_then(|d| d.as_bool())
            != Some(false)
        {
            break;
        }
        let chunk: Uint8Array = Reflect::get(&next, &"value".into())
            .ok()
            .and_then(|v| v.dyn_into().ok())
            .ok_or_else(unreadable)?;
        let len = chunk.length() as usize;
        seen = seen.saturating_add(len);
        if seen > DRAIN_LIMIT {
            // Stop reading: the rest of the body is cancelled.
            let _ = JsFuture::from(reader.cancel()).await;
            break;
        }
        if seen <= max {
            body.extend_from_slice(&chunk.to_vec());
        }
    }
    if seen > max {
        return Err(ApiError::PayloadTooLarge);
    }
    Ok(body)
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
        headers.set("WWW-Authenticate", &challenge)?;
    }
    if let Some(seconds) = e.retry_after() {
        headers.set("Retry-After", &seconds.to_string())?;
    }
    Ok(resp)
}

/// What a refused request's log line says about it, learnt as the request is read: never more
/// than the fields of SPEC §8 (no query, header, body or cookie).
#[derive(Debug, Clone, Default)]
pub struct Seen {
    /// The runtime's request id (`cf-ray`), if it sent one.
    pub cf_ray: Option<String>,
    /// The method, once parsed.
    pub method: Option<Method>,
    /// The account, once the host was resolved.
    pub account: Option<String>,
}

impl Seen {
    /// Nothing seen yet but the request id.
    pub fn new(cf_ray: Option<String>) -> Self {
        Self {
            cf_ray,
            ..Self::default()
        }
    }
}

/// Logs one JSON line for a refused (4xx, `console.warn`) or failed (5xx, `console.error`)
/// request (SPEC §8) to `raw_url` (of which only the path's shape is logged,
/// `authcore::request_log::route_template`). A failure's cause was logged where it happened
/// ([`internal`]).
pub fn log_refusal(e: &ApiError, seen: &Seen, raw_url: &str) {
    let route = UrlParts::split(raw_url).map_or_else(|| "-".to_owned(), |u| route_template(u.path));
    let random = crate::runtime::random::<REQUEST_ID_RANDOM_BYTES>().unwrap_or_default();
    let request_id = request_id(seen.cf_ray.as_deref(), &random);
    let line = RequestLine {
        method: seen.method,
        route: &route,
        status: e.status(),
        error: e.code(),
        account: seen.account.as_deref(),
        request_id: &request_id,
    };
    if line.is_failure() {
        worker::console_error!("{}", line.to_json());
    } else {
        worker::console_warn!("{}", line.to_json());
    }
}

/// Logs a runtime failure (never its inputs) and hides it behind a generic 500.
pub fn internal(e: impl std::fmt::Display) -> ApiError {
    #[derive(Serialize)]
    struct Line {
        level: &'static str,
        event: &'static str,
        cause: String,
    }
    let line = Line {
        level: "error",
        event: "internal_error",
        cause: e.to_string(),
    };
    match serde_json::to_string(&line) {
        Ok(json) => worker::console_error!("{json}"),
        Err(_) => worker::console_error!("internal error: {}", line.cause),
    }
    ApiError::Internal
}
