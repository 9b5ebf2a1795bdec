//! The route table: one match from (method, path) to a handler. Paths are compared with any
//! trailing slash removed, so `/apis/admin/session/api-key` and `/…/api-key/` are one route.

mod admin;
mod customer_ids;
mod gateway;
mod integration;
mod jwks;
mod oauth;
mod session;
mod sessions;
mod whoami;
mod widget;

use std::future::Future;
use std::pin::Pin;

use authcore::url_parts::UrlParts;
use authcore::{Account, ApiError, Method};
use worker::web_sys::Request;
use worker::{Env, Response};

use crate::config::Config;
use crate::context::RequestContext;
use crate::http::{header, Seen};

/// A request's answer: ready at once, when nothing needs awaiting (the widget's redirect and
/// page, the JWKS, a refusal found while reading the request), or the future that computes it.
/// An answer at once is returned to the runtime as it is, without a promise or an executor.
pub enum Answer {
    Now(worker::Result<Response>),
    Later(Pin<Box<dyn Future<Output = worker::Result<Response>>>>),
}

/// Answers one request; every refusal becomes its JSON error here, and its one log line.
pub fn handle(req: Request, env: Env) -> Answer {
    let mut seen = Seen::new(header(&req, "cf-ray"));
    let raw_url = req.url();
    match read(&req, &raw_url, &env, &mut seen) {
        Err(e) => Answer::Now(refused(&e, &seen, &raw_url)),
        Ok(Read::Answered(resp)) => Answer::Now(Ok(resp)),
        Ok(Read::ToRoute(ctx)) => Answer::Later(Box::pin(async move {
            match route(req, &env, &ctx).await {
                Ok(resp) => Ok(resp),
                Err(e) => refused(&e, &seen, &raw_url),
            }
        })),
    }
}

/// The JSON error of a refused request, after its log line.
fn refused(e: &ApiError, seen: &Seen, raw_url: &str) -> worker::Result<Response> {
    crate::http::log_refusal(e, seen, raw_url);
    crate::http::error(e)
}

/// What reading a request found.
enum Read {
    /// A route that awaits nothing answered it.
    Answered(Response),
    /// Its context, for [`route`].
    ToRoute(RequestContext),
}

/// Reads what every request needs (its URL, method, account and configuration) and answers the
/// routes that await nothing; every other route is [`route`]'s.
fn read(req: &Request, raw_url: &str, env: &Env, seen: &mut Seen) -> Result<Read, ApiError> {
    let url = UrlParts::split(raw_url).ok_or(ApiError::UnknownHost)?;
    // A method deskgate does not serve is refused before anything else reads the request.
    let method = Method::parse(&req.method()).ok_or(ApiError::MethodNotAllowed)?;
    seen.method = Some(method);
    let config = Config::current(env)?;
    let account = Account::from_host(url.host, &config.base_domain)?;
    seen.account = Some(account.to_string());
    if method == Method::Get {
        let answer = match segments(url.path).as_slice() {
            ["widget", platform] => Some(widget::legacy_redirect(platform, url.query)?),
            ["v2", "widget", platform] => Some(widget::page(&config, platform)?),
            [".well-known", "jwks.json"] => Some(jwks::published(env)?),
            _ => None,
        };
        if let Some(answer) = answer {
            return Ok(Read::Answered(answer));
        }
    }
    Ok(Read::ToRoute(RequestContext::new(
        req, &url, method, account, config,
    )))
}

/// A path's segments, any trailing slash removed: `/apis/admin/session/` is
/// `["apis", "admin", "session"]`.
fn segments(path: &str) -> Vec<&str> {
    path.trim_end_matches('/').split('/').skip(1).collect()
}

/// The route table of every route that awaits something.
async fn route(req: Request, env: &Env, ctx: &RequestContext) -> Result<Response, ApiError> {
    use Method::{Delete, Get, Post};
    match (ctx.method, segments(&ctx.path).as_slice()) {
        (Post, ["apis", "admin", "session", "api-key"]) => {
            session::sign_in_with_api_key(req, env, ctx).await
        }
        (Post, ["apis", "admin", "session", "password"]) => {
            session::sign_in_with_password(req, env, ctx).await
        }
        (Post, ["apis", "admin", "session", "launch"]) => {
            session::sign_in_with_launch(req, env, ctx).await
        }
        (Post, ["apis", "admin", "session", "renew"]) => session::renew(&req, env, ctx).await,
        (Post, ["apis", "admin", "session", "integration-token"]) => {
            integration::create(req, env, ctx).await
        }
        (Get, ["apis", "admin", "session"]) => session::current(&req, env, ctx).await,
        (Delete, ["apis", "admin", "session"]) => session::sign_out(&req, env, ctx).await,
        (Get, ["apis", "admin", "services"]) => admin::list_services(&req, env, ctx).await,
        (Post, ["apis", "admin", "services"]) => admin::create_service(req, env, ctx).await,
        (Get, ["apis", "admin", "services", sid, "credentials"]) => {
            admin::list_credentials(&req, env, ctx, sid).await
        }
        (Post, ["apis", "admin", "services", sid, "credentials"]) => {
            admin::create_credential(req, env, ctx, sid).await
        }
        (Post, ["apis", "admin", "services", sid, "credentials", cid, action]) => {
            admin::act_on_credential(&req, env, ctx, sid, cid, action).await
        }
        (Delete, ["apis", "admin", "services", sid, "credentials", cid]) => {
            admin::delete_credential(req, env, ctx, sid, cid).await
        }
        (Post, ["apis", "admin", "services", sid, "testing-token"]) => {
            admin::testing_token(&req, env, ctx, sid).await
        }
        (Get, ["apis", "admin", "services", sid, "testing-tokens"]) => {
            admin::list_testing_tokens(&req, env, ctx, sid).await
        }
        (Delete, ["apis", "admin", "services", sid, "testing-tokens", jti]) => {
            admin::revoke_testing_token(&req, env, ctx, sid, jti).await
        }
        (Get, ["apis", "admin", "audit"]) => admin::audit_log(&req, env, ctx).await,
        (Get, ["apis", "admin", "sessions"]) => sessions::list(&req, env, ctx).await,
        (Post, ["apis", "admin", "sessions", "revoke"]) => {
            sessions::revoke_many(req, env, ctx).await
        }
        (Delete, ["apis", "admin", "sessions", id]) => {
            sessions::revoke_one(&req, env, ctx, id).await
        }
        (Get, ["v1", "whoami"]) => whoami::whoami(&req, env, ctx).await,
        (Get, ["v1", "users", "me"]) => integration::users_me(&req, env, ctx).await,
        (Post, ["v1", "customer-ids"]) => customer_ids::opaque_id(req, env, ctx).await,
        (Post, ["oauth", "token"]) => oauth::token(req, env, ctx).await,
        (Post, ["oauth", "introspect"]) => oauth::introspect(req, env, ctx).await,
        (Post, ["oauth", "revoke"]) => oauth::revoke(req, env, ctx).await,
        (Post, ["v2", "authenticate", "login"]) => oauth::login(req, env, ctx).await,
        (_, ["api", rest @ ..]) if !rest.is_empty() => {
            // The path after /api/, as sent (trailing slash included).
            let tail = ctx.path.get("/api/".len()..).unwrap_or_default();
            gateway::forward(req, env, ctx, tail).await
        }
        (
            _,
            ["widget", _] | ["v2", "widget", _] | ["v1", "whoami"] | ["apis", "admin", "audit"],
        )
        | (_, [".well-known", "jwks.json"])
        | (_, ["v1", "users", "me"] | ["v1", "customer-ids"] | ["oauth", _])
        | (_, ["v2", "authenticate", "login"])
        | (_, ["apis", "admin", "session"] | ["apis", "admin", "session", _])
        | (_, ["apis", "admin", "services", ..] | ["apis", "admin", "sessions", ..]) => {
            Err(ApiError::MethodNotAllowed)
        }
        _ => Err(ApiError::NotFound),
    }
}
