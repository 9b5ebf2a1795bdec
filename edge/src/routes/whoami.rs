//! `GET /v1/whoami` (SPEC §5): whoever authenticated the request, by whichever method.

use authcore::ApiError;
use worker::web_sys::Request;
use worker::{Env, Response};

use crate::auth::{authenticate, QueryToken};
use crate::context::RequestContext;
use crate::http::json;
use crate::store::db;

/// `200` with the principal, `401` when no method authenticated the request.
pub async fn whoami(req: &Request, env: &Env, ctx: &RequestContext) -> Result<Response, ApiError> {
    let principal = authenticate(req, env, &db(env)?, ctx, QueryToken::Accepted).await?;
    json(200, &principal.whoami(ctx.account.as_str()))
}
