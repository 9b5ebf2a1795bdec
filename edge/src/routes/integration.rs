//! Integration tokens (SPEC §3, seed 002): the signed-in agent's widget asks for a 30-minute
//! token for one app; the app's backend checks it with `GET /v1/users/me`.

use authcore::jwt::integration_token::{
    parse_integration_token_request, sign_integration, verify_integration, IntegrationClaims,
};
use authcore::ApiError;
use worker::web_sys::Request;
use worker::{Env, Response};

use crate::auth::session::{expected, live_session, signing_key, verifying_keys};
use crate::auth::{authenticate_session, bearer_token, QueryToken};
use crate::context::RequestContext;
use crate::http::{header, json, read_json_body};
use crate::store::db;

/// `POST /apis/admin/session/integration-token` `{"app_id"}` with the session →
/// `{"token","expires_at"}`.
pub async fn create(req: Request, env: &Env, ctx: &RequestContext) -> Result<Response, ApiError> {
    let db = db(env)?;
    let session = authenticate_session(&req, env, &db, ctx).await?.session;
    let app_id = parse_integration_token_request(&read_json_body(&req).await?)?;
    let jti = authcore::jwt::hex(&crate::runtime::random::<16>()?);
    let claims = IntegrationClaims::new(&session, &ctx.issuer, &app_id, jti, ctx.now);
    let token = sign_integration(&claims, &signing_key(env, ctx)?)?;
    json(
        200,
        &wire::IntegrationToken {
            token,
            expires_at: claims.exp,
        },
    )
}

/// `GET /v1/users/me` with `accessToken: <token>` (seed 002) or `Authorization: Bearer`: the
/// agent and app the token was issued for, while its session lives.
pub async fn users_me(
    req: &Request,
    env: &Env,
    ctx: &RequestContext,
) -> Result<Response, ApiError> {
    let token = match (
        header(req, "accessToken"),
        bearer_token(req, ctx, QueryToken::Ignored)?,
    ) {
        (Some(t), None) | (None, Some(t)) => t.trim().to_owned(),
        (Some(_), Some(_)) => {
            return Err(ApiError::InvalidRequest(
                "send the token in accessToken or Authorization, not both".into(),
            ))
        }
        (None, None) => return Err(ApiError::Unauthenticated),
    };
    let claims = verify_integration(&token, &verifying_keys(env, ctx)?, &expected(ctx), ctx.now)?;
    live_session(&db(env)?, &claims.sid, ctx).await?;
    json(
        200,
        &wire::UserMe {
            id: claims.sub,
            name: claims.name,
            account: claims.acc,
            platform: claims.plat,
            role: claims.role,
            app_id: claims.app_id,
            expires_at: claims.exp,
        },
    )
}
