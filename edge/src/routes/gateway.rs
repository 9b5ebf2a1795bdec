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
use worker::web_sys::Request;
use worker::{Env, Fetch, Headers, Method, RequestInit, RequestRedirect, Response};

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
    let upstream = crate::config::upstream_url(env)?;
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

    let headers = Headers::new();
    for (name, value) in Headers(req.headers()).entries() {
        let lower = name.to_ascii_lowercase();
        if !STRIPPED.contains(&lower.as_str()) && !HOP_BY_HOP.contains(&lower.as_str()) {
            headers.append(&name, &value).map_err(internal)?;
        }
    }
    headers
        .set("X-Deskgate-Identity", &identity)
        .map_err(internal)?;
    let mut init = RequestInit::new();
    init.with_method(Method::from(ctx.method.as_str().to_owned()))
        .with_headers(headers)
        // A redirect goes back to the caller: following it would carry the identity elsewhere.
        .with_redirect(RequestRedirect::Manual);
    if let Some(body) = body {
        init.with_body(Some(body.into()));
    }
    let outbound = worker::Request::new_with_init(&target, &init).map_err(internal)?;
    let answer = Fetch::Request(outbound).send().await.map_err(|e| {
        worker::console_error!("upstream fetch failed: {e}");
        ApiError::BadGateway
    })?;
    defang(answer)
}

/// The upstream's answer with [`STRIPPED_FROM_UPSTREAM`] removed and [`UPSTREAM_CSP`] set.
fn defang(answer: Response) -> Result<Response, ApiError> {
    let headers = Headers::new();
    for (name, value) in answer.headers().entries() {
        let lower = name.to_ascii_lowercase();
        if !STRIPPED_FROM_UPSTREAM.contains(&lower.as_str())
            && lower != "content-security-policy"
            && lower != "x-content-type-options"
        {
            headers.append(&name, &value).map_err(internal)?;
        }
    }
    headers
        .set("Content-Security-Policy", UPSTREAM_CSP)
        .map_err(internal)?;
    headers
        .set("X-Content-Type-Options", "nosniff")
        .map_err(internal)?;
    Ok(answer.with_headers(headers))
}
