//! Who a request is (SPEC §5): one [`Principal`] for every method, chosen with one precedence —
//! a bearer JWT (the session's or a caller's), then `X-Service-Key`, then the session cookies.
//! When a higher method is present it decides alone: a bad bearer token is refused even beside
//! a good service key (seed 004).

pub mod service;
pub mod session;

use authcore::admin::OWNER_ROLE;
use authcore::jwt::unverified_issuer;
use authcore::session::SessionRecord;
use authcore::ApiError;
use worker::{D1Database, Env, Request};

use crate::context::RequestContext;
use crate::http::header;
use service::ServiceCaller;
use session::Authenticated;

/// Whoever authenticated a request.
pub enum Principal {
    /// An agent or the owner, by session cookie, JWT cookie or session JWT.
    Session(Authenticated),
    /// A service by one of its keys.
    ServiceKey(ServiceCaller),
    /// A service by a JWT it signed.
    CallerJwt(ServiceCaller),
}

impl Principal {
    /// The body of `GET /v1/whoami`.
    pub fn whoami(&self, account: &str) -> wire::Whoami {
        let service = |kind: &str, s: &ServiceCaller| wire::Whoami {
            kind: kind.to_owned(),
            id: s.service_id.clone(),
            account: account.to_owned(),
            role: "service".to_owned(),
            name: None,
            platform: None,
            credential_id: Some(s.credential_id.clone()),
        };
        match self {
            Self::Session(auth) => {
                let user = auth.session.user();
                wire::Whoami {
                    kind: "session".to_owned(),
                    id: user.id,
                    account: user.account,
                    role: user.role,
                    name: Some(user.name),
                    platform: Some(user.platform),
                    credential_id: None,
                }
            }
            Self::ServiceKey(s) => service("service_key", s),
            Self::CallerJwt(s) => service("caller_jwt", s),
        }
    }
}

/// Authenticates by any method, in the precedence of SPEC §5.
pub async fn authenticate(
    req: &Request,
    env: &Env,
    db: &D1Database,
    ctx: &RequestContext,
) -> Result<Principal, ApiError> {
    if let Some(token) = bearer_token(req)? {
        let issuer = unverified_issuer(&token)?;
        return if issuer == ctx.issuer {
            Ok(Principal::Session(
                session::by_jwt(&token, env, db, ctx).await?,
            ))
        } else {
            service::by_caller_jwt(&token, &issuer, env, db, ctx)
                .await
                .map(Principal::CallerJwt)
        };
    }
    if let Some(key) = header(req, "X-Service-Key") {
        return service::by_service_key(key.trim(), env, db, ctx)
            .await
            .map(Principal::ServiceKey);
    }
    session::by_cookies(req, env, db, ctx)
        .await?
        .map(Principal::Session)
        .ok_or(ApiError::Unauthenticated)
}

/// Authenticates a session only (the session endpoints): a bearer session JWT, else cookies.
pub async fn authenticate_session(
    req: &Request,
    env: &Env,
    db: &D1Database,
    ctx: &RequestContext,
) -> Result<Authenticated, ApiError> {
    if let Some(token) = bearer_token(req)? {
        return session::by_jwt(&token, env, db, ctx).await;
    }
    session::by_cookies(req, env, db, ctx)
        .await?
        .ok_or(ApiError::Unauthenticated)
}

/// The owner's session, for the admin API: any other session is `403 forbidden`.
pub async fn require_owner(
    req: &Request,
    env: &Env,
    db: &D1Database,
    ctx: &RequestContext,
) -> Result<SessionRecord, ApiError> {
    let auth = authenticate_session(req, env, db, ctx).await?;
    if auth.session.role != OWNER_ROLE {
        return Err(ApiError::Forbidden);
    }
    Ok(auth.session)
}

/// The token of an `Authorization: Bearer` header (RFC 6750 §2.1). Another scheme is not a
/// bearer credential and is ignored; `Bearer` with nothing usable after it is an invalid token.
fn bearer_token(req: &Request) -> Result<Option<String>, ApiError> {
    let Some(value) = header(req, "Authorization") else {
        return Ok(None);
    };
    let Some((scheme, token)) = value.split_once(' ') else {
        return Ok(None);
    };
    if !scheme.eq_ignore_ascii_case("Bearer") {
        return Ok(None);
    }
    let token = token.trim();
    if token.is_empty() || token.contains(' ') {
        return Err(ApiError::InvalidToken);
    }
    Ok(Some(token.to_owned()))
}
