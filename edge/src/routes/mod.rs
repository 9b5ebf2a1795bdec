//! The route table: one match from (method, path) to a handler. Paths are compared with any
//! trailing slash removed, so `/apis/admin/session/api-key` and `/…/api-key/` are one route.

mod session;
mod widget;

use authcore::ApiError;
use worker::{Env, Method, Request, Response};

use crate::config::Config;
use crate::context::RequestContext;

/// Answers one request; every refusal becomes its JSON error here.
pub async fn handle(req: Request, env: &Env) -> worker::Result<Response> {
    match route(req, env).await {
        Ok(resp) => Ok(resp),
        Err(e) => crate::http::error(&e),
    }
}

async fn route(req: Request, env: &Env) -> Result<Response, ApiError> {
    let config = Config::from_env(env)?;
    let url = req.url().map_err(crate::http::internal)?;
    let ctx = RequestContext::new(&req, &url, config)?;
    let path = url.path().trim_end_matches('/').to_owned();
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    match (req.method(), segments.as_slice()) {
        (Method::Get, ["widget", platform]) => widget::legacy_redirect(&req, platform),
        (Method::Get, ["v2", "widget", platform]) => widget::page(env, platform),
        (Method::Post, ["apis", "admin", "session", "api-key"]) => {
            session::sign_in_with_api_key(req, env, &ctx).await
        }
        (Method::Get, ["apis", "admin", "session"]) => session::current(&req, env, &ctx).await,
        (Method::Delete, ["apis", "admin", "session"]) => session::sign_out(&req, env, &ctx).await,
        (_, ["widget", _] | ["v2", "widget", _])
        | (_, ["apis", "admin", "session"] | ["apis", "admin", "session", "api-key"]) => {
            Err(ApiError::MethodNotAllowed)
        }
        _ => Err(ApiError::NotFound),
    }
}
