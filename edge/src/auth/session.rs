//! Sessions as credentials (SPEC §1.5): the session cookie, the JWT cookie, or the session JWT
//! as a bearer token. Every JWT is checked against its server-side session, so signing out
//! revokes the JWTs of that session at once.

use authcore::cookie::{read_cookie, JWT_COOKIE, SESSION_COOKIE};
use authcore::jwt::session_token::{verify_session, SessionClaims};
use authcore::jwt::{Expected, SigningKey};
use authcore::session::{token_hash, SessionRecord};
use authcore::ApiError;
use worker::web_sys::Request;
use worker::{D1Database, Env};

use crate::context::RequestContext;
use crate::http::header;
use crate::store::sessions;

/// A live session, and whether the client should be handed a fresh JWT cookie.
pub struct Authenticated {
    /// The session.
    pub session: SessionRecord,
    /// True when the session cookie is good but the JWT cookie is missing, expired or invalid.
    pub needs_fresh_jwt: bool,
}

/// The session behind the cookies: the session cookie first, else the JWT cookie. `None` when
/// the request carries neither.
pub async fn by_cookies(
    req: &Request,
    env: &Env,
    db: &D1Database,
    ctx: &RequestContext,
) -> Result<Option<Authenticated>, ApiError> {
    let cookies = header(req, "Cookie");
    if let Some(token) = read_cookie(cookies.as_deref(), SESSION_COOKIE) {
        let session = sessions::by_token_hash(db, &token_hash(token))
            .await?
            .filter(|s| s.is_live(ctx.account.as_str(), ctx.now))
            .ok_or(ApiError::InvalidToken)?;
        let jwt_ok = match read_cookie(cookies.as_deref(), JWT_COOKIE) {
            Some(jwt) => verify(jwt, env, ctx).is_ok_and(|c| c.sid == session.id),
            None => false,
        };
        return Ok(Some(Authenticated {
            session,
            needs_fresh_jwt: !jwt_ok,
        }));
    }
    match read_cookie(cookies.as_deref(), JWT_COOKIE) {
        Some(jwt) => Ok(Some(by_jwt(jwt, env, db, ctx).await?)),
        None => Ok(None),
    }
}

/// The session behind a session JWT.
pub async fn by_jwt(
    token: &str,
    env: &Env,
    db: &D1Database,
    ctx: &RequestContext,
) -> Result<Authenticated, ApiError> {
    let claims = verify(token, env, ctx)?;
    let session = sessions::by_id(db, &claims.sid)
        .await?
        .filter(|s| s.is_live(ctx.account.as_str(), ctx.now))
        .ok_or(ApiError::InvalidToken)?;
    Ok(Authenticated {
        session,
        needs_fresh_jwt: false,
    })
}

fn verify(token: &str, env: &Env, ctx: &RequestContext) -> Result<SessionClaims, ApiError> {
    Ok(verify_session(
        token,
        &signing_key(env, ctx)?,
        &expected(ctx),
        ctx.now,
    )?)
}

/// What this account's own tokens must say of themselves.
pub fn expected(ctx: &RequestContext) -> Expected {
    Expected {
        account: ctx.account.clone(),
        issuer: ctx.issuer.clone(),
    }
}

/// The account's signing key.
pub fn signing_key(env: &Env, ctx: &RequestContext) -> Result<SigningKey, ApiError> {
    crate::config::signing_key(env, &ctx.account)
}
