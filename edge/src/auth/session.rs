//! Sessions as credentials (SPEC §1.5): the session cookie, the JWT cookie, or the session JWT
//! as a bearer token. Every JWT is checked against its server-side session, so signing out
//! revokes the JWTs of that session at once.
//!
//! [`by_cookies`] is the only place the session cookies are read, and so the one place a cookie
//! becomes a principal: the CSRF check of SPEC §1.7 runs there, before anything else, for every
//! request whose method is not safe. No route can skip it, because no route can reach a cookie
//! session another way.

use authcore::cookie::{read_cookie, JWT_COOKIE, SESSION_COOKIE};
use authcore::jwt::renewal_token::verify_renewal;
use authcore::jwt::session_token::{verify_session, SessionClaims};
use authcore::jwt::{Expected, KeyRing, SigningKey};
use authcore::origin::check_cookie_request;
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
/// the request carries neither. A request that is not safe must first pass the CSRF check
/// (`403 origin_not_allowed`); a cookie sent twice with different values is `401`.
pub async fn by_cookies(
    req: &Request,
    env: &Env,
    db: &D1Database,
    ctx: &RequestContext,
) -> Result<Option<Authenticated>, ApiError> {
    let cookies = header(req, "Cookie");
    let read = |name| read_cookie(cookies.as_deref(), name).map_err(|_| ApiError::InvalidToken);
    let (session_token, jwt) = (read(SESSION_COOKIE)?, read(JWT_COOKIE)?);
    if session_token.is_none() && jwt.is_none() {
        return Ok(None);
    }
    check_cookie_request(
        ctx.method,
        ctx.origin.as_deref(),
        ctx.sec_fetch_site.as_deref(),
        &ctx.own_origin,
    )?;
    if let Some(token) = session_token {
        let session = sessions::by_token_hash(db, &token_hash(token), ctx.fresh())
            .await?
            .filter(|s| s.is_live(ctx.account.as_str(), ctx.now))
            .ok_or(ApiError::InvalidToken)?;
        let jwt_ok = match jwt {
            Some(jwt) => verify(jwt, env, ctx).is_ok_and(|c| c.sid == session.id),
            None => false,
        };
        return Ok(Some(Authenticated {
            session,
            needs_fresh_jwt: !jwt_ok,
        }));
    }
    match jwt {
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
    let session = live_session(db, &claims.sid, ctx).await?;
    Ok(Authenticated {
        session,
        needs_fresh_jwt: false,
    })
}

/// The live session a renewal token names (SPEC §1.8): only `POST …/session/renew` takes one.
pub async fn by_renewal_token(
    token: &str,
    env: &Env,
    db: &D1Database,
    ctx: &RequestContext,
) -> Result<SessionRecord, ApiError> {
    let claims = verify_renewal(token, &verifying_keys(env, ctx)?, &expected(ctx), ctx.now)?;
    live_session(db, &claims.sid, ctx).await
}

/// Session `id` of the request's account while it is live; `invalid_token` otherwise.
pub async fn live_session(
    db: &D1Database,
    id: &str,
    ctx: &RequestContext,
) -> Result<SessionRecord, ApiError> {
    sessions::by_id(db, id, ctx.fresh())
        .await?
        .filter(|s| s.is_live(ctx.account.as_str(), ctx.now))
        .ok_or(ApiError::InvalidToken)
}

fn verify(token: &str, env: &Env, ctx: &RequestContext) -> Result<SessionClaims, ApiError> {
    Ok(verify_session(
        token,
        &verifying_keys(env, ctx)?,
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

/// The account's signing key: every new token is signed with it.
pub fn signing_key(env: &Env, ctx: &RequestContext) -> Result<SigningKey, ApiError> {
    crate::config::signing_key(env, &ctx.account)
}

/// The keys that verify the account's own tokens: the signing key and, while a rotation is in
/// progress, the previous one (SPEC §8), chosen by each token's `kid`.
pub fn verifying_keys(env: &Env, ctx: &RequestContext) -> Result<KeyRing, ApiError> {
    crate::config::verifying_keys(env, &ctx.account)
}
