//! The gateway (SPEC §5): `ANY /api/<path>` is authenticated like `/v1/whoami` and forwarded to
//! `UPSTREAM_URL` with every credential stripped and `X-Deskgate-Identity` added. A service is
//! held to its scopes however it authenticated (`api.read` to read, `api.write` otherwise).
//!
//! The upstream's answer is served on the account's origin, the admin console's origin too, so
//! it is defanged on the way back: it can neither set nor clear deskgate's cookies, nor hand a
//! cookie-authenticated read to another origin, nor run a script there.

use authcore::jwt::identity_token::{
    assemble, signing_input, IdentityClaims, AUDIENCE, TTL_SECONDS,
};
use authcore::oauth::scope;
use authcore::url_parts::query_pairs;
use authcore::ApiError;
use wasm_bindgen::{JsCast, JsValue};
use worker::js_sys::{self, global, Array, Function, Object, Promise, Reflect};
use worker::wasm_bindgen_futures::JsFuture;
use worker::web_sys::{self, Request};
use worker::{Env, Response};

use crate::auth::{authenticate, QueryToken};
use crate::context::RequestContext;
use crate::http::internal;
use crate::store::db;

/// Request headers that carry a credential, or that the runtime sets itself: never forwarded.
const STRIPPED: [&str; 6] = [
    "cookie",
    "authorization",
    "x-service-key",
    "accesstoken",
    "host",
    "x-deskgate-identity",
];

/// Request headers about this hop only (RFC 9110 §7.6.1), which an intermediary does not
/// forward: the runtime frames and connects the forwarded request itself (it has consumed
/// `Connection` before the worker runs). `Expect` too: the
/// runtime has already dealt with a client's `100-continue`, and forwarded, it deadlocks the
/// subrequest (the runtime cancels the request as hung, a 500).
const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "expect",
];

/// Response headers an upstream may not send through deskgate's origin: cookies (set or
/// cleared), `Clear-Site-Data` (which would sign every agent out), and the CORS grant that would
/// let another origin read an answer bought with the agent's cookies.
const STRIPPED_FROM_UPSTREAM: [&str; 4] = [
    "set-cookie",
    "set-cookie2",
    "clear-site-data",
    "access-control-allow-credentials",
];

/// Whatever the upstream answers, the browser treats it as a sandboxed, script-less document
/// of an opaque origin that nothing may frame.
const UPSTREAM_CSP: &str = "sandbox; default-src 'none'; frame-ancestors 'none'";

/// Forwards the request upstream as the principal that authenticated it.
pub async fn forward(
    req: Request,
    env: &Env,
    ctx: &RequestContext,
    path: &str,
) -> Result<Response, ApiError> {
    let principal = authenticate(&req, env, &db(env)?, ctx, QueryToken::Accepted).await?;
    if let Some(granted) = principal.scopes() {
        scope::require(granted, scope::needed_for(ctx.method))?;
    }
    // Fetch cannot send a GET or HEAD with content (RFC 9110 §9.3.1: it has no defined meaning
    // there), so such a request is refused rather than forwarded without it.
    let body = req.body();
    if body.is_some() && matches!(ctx.method, authcore::Method::Get | authcore::Method::Head) {
        return Err(ApiError::InvalidRequest(
            "a GET or HEAD request cannot carry a body".into(),
        ));
    }
    let upstream = ctx.config.upstream_url()?;
    let (key, _) = crate::config::identity_keys(env)?;
    let who = principal.whoami(ctx.account.as_str());
    let input = signing_input(
        &IdentityClaims {
            iss: ctx.issuer.clone(),
            aud: AUDIENCE.to_owned(),
            sub: who.id,
            kind: who.kind,
            acc: who.account,
            role: who.role,
            scope: who.scope,
            amr: who.amr,
            jti: authcore::jwt::hex(&crate::runtime::random::<16>()?),
            iat: ctx.now,
            exp: ctx.now + TTL_SECONDS,
        },
        &key.public().kid,
    )?;
    let signature = crate::webcrypto::sign_ed25519(key.private_jwk(), input.as_bytes()).await?;
    let identity = assemble(&input, &signature);

    // The query goes along, minus a bearer token sent there (RFC 6750 §2.3).
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.extend_pairs(query_pairs(&ctx.query).filter(|(k, _)| k != "access_token"));
    let query = query.finish();
    // The runtime has already resolved dot segments in `path`, so it stays under the base.
    let mut target = format!("{upstream}/{}", path.trim_start_matches('/'));
    if !query.is_empty() {
        target.push('?');
        target.push_str(&query);
    }

    let headers = copy_headers(&req.headers(), |lower| {
        !STRIPPED.contains(&lower) && !HOP_BY_HOP.contains(&lower)
    })?;
    headers
        .set("X-Deskgate-Identity", &identity)
        .map_err(runtime)?;
    // The RequestInit dictionary written as the plain object it is (worker::RequestInit's
    // conversion, with its cf properties, is several KB of wasm for four fields).
    let init = Object::new();
    let set = |name: &str, value: &JsValue| Reflect::set(&init, &name.into(), value);
    set("method", &ctx.method.as_str().into()).map_err(runtime)?;
    set("headers", &headers).map_err(runtime)?;
    // A redirect goes back to the caller: following it would carry the identity elsewhere.
    set("redirect", &"manual".into()).map_err(runtime)?;
    if let Some(body) = body {
        set("body", &body).map_err(runtime)?;
    }
    let fetch: Function = Reflect::get(&global(), &"fetch".into())
        .map_err(runtime)?
        .dyn_into()
        .map_err(runtime)?;
    let sent = fetch
        .call2(&JsValue::UNDEFINED, &target.into(), &init)
        .map_err(runtime)?;
    let answer: web_sys::Response = JsFuture::from(Promise::from(sent))
        .await
        .map_err(|_| {
            worker::console_error!("upstream fetch failed");
            ApiError::BadGateway
        })?
        .unchecked_into();
    defang(answer)
}

/// A copy of `from` with the headers `keep` (given the lower-cased name) says yes to.
fn copy_headers(
    from: &web_sys::Headers,
    keep: impl Fn(&str) -> bool,
) -> Result<web_sys::Headers, ApiError> {
    let copy = web_sys::Headers::new().map_err(runtime)?;
    let entries = js_sys::try_iter(from)
        .map_err(runtime)?
        .ok_or(ApiError::Internal)?;
    for entry in entries {
        let pair: Array = entry.map_err(runtime)?.unchecked_into();
        let (name, value) = (pair.get(0).as_string(), pair.get(1).as_string());
        if let (Some(name), Some(value)) = (name, value) {
            if keep(&name.to_ascii_lowercase()) {
                copy.append(&name, &value).map_err(runtime)?;
            }
        }
    }
    Ok(copy)
}

/// The upstream's answer with [`STRIPPED_FROM_UPSTREAM`] removed and [`UPSTREAM_CSP`] set.
fn defang(answer: web_sys::Response) -> Result<Response, ApiError> {
    let headers = copy_headers(&answer.headers(), |lower| {
        !STRIPPED_FROM_UPSTREAM.contains(&lower)
    })?;
    // `set` replaces whatever the upstream sent under these names.
    headers
        .set("Content-Security-Policy", UPSTREAM_CSP)
        .map_err(runtime)?;
    headers
        .set("X-Content-Type-Options", "nosniff")
        .map_err(runtime)?;
    Ok(Response::from(answer).with_headers(worker::Headers(headers)))
}

/// A call into the runtime failed where it cannot on a well-formed request: logged as every
/// internal failure is, `500`.
fn runtime(_: JsValue) -> ApiError {
    internal("the runtime refused a call of the gateway")
}
