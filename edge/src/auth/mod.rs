//! Who a request is (SPEC §5): one [`Principal`] for every method, chosen with one precedence —
//! a bearer token (a session JWT, an access token, or a caller's JWT; in the `Authorization`
//! header or the `access_token` query parameter), then `X-Service-Key`, then the session cookies.
//! When a higher method is present it decides alone: a bad bearer token is refused even beside
//! a good service key (seed 004).
//!
//! The `access_token` query parameter (RFC 6750 §2.3) is read only where a caller asks for it
//! ([`QueryToken::Accepted`]: the gateway and `whoami`); the admin and session endpoints take
//! credentials in headers and cookies only, so no token of theirs sits in a URL or a log.

pub mod service;
pub mod session;
pub mod sign_in;

use authcore::admin::OWNER_ROLE;
use authcore::jwt::access_token::{self, AccessClaims};
use authcore::jwt::unverified_route;
use authcore::session::SessionRecord;
use authcore::url_parts::query_pairs;
use authcore::ApiError;
use worker::web_sys::Request;
use worker::{D1Database, Env};

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
    /// A service by an OAuth2 access token.
    AccessToken(AccessClaims),
}

/// Whether a route accepts a bearer token in the `access_token` query parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryToken {
    /// It does (the gateway, `whoami`).
    Accepted,
    /// It does not: the parameter is no credential here.
    Ignored,
}

impl Principal {
    /// The scopes the principal is limited to: a service's (whatever it authenticated with), or
    /// `None` for a session, which no scope limits.
    pub fn scopes(&self) -> Option<&str> {
        match self {
            Self::Session(_) => None,
            Self::ServiceKey(s) | Self::CallerJwt(s) => Some(&s.scopes),
            Self::AccessToken(claims) => Some(&claims.scope),
        }
    }

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
            scope: Some(s.scopes.clone()),
            testing: None,
            amr: None,
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
                    scope: None,
                    testing: None,
                    amr: Some(auth.session.method.amr()),
                }
            }
            Self::AccessToken(claims) => wire::Whoami {
                kind: "access_token".to_owned(),
                id: claims.sub.clone(),
                account: account.to_owned(),
                role: "service".to_owned(),
                name: None,
                platform: None,
                credential_id: None,
                scope: Some(claims.scope.clone()),
                testing: claims.testing.then_some(true),
                amr: None,
            },
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
    query: QueryToken,
) -> Result<Principal, ApiError> {
    if let Some(token) = bearer_token(req, ctx, query)? {
        // The unverified iss and aud only choose the verifier; each checks everything again.
        let (issuer, audience) = unverified_route(&token)?;
        return if issuer != ctx.issuer {
            service::by_caller_jwt(&token, &issuer, env, db, ctx)
                .await
                .map(Principal::CallerJwt)
        } else if audience.as_deref() == Some(access_token::AUDIENCE) {
            service::by_access_token(&token, env, db, ctx)
                .await
                .map(Principal::AccessToken)
        } else {
            session::by_jwt(&token, env, db, ctx)
                .await
                .map(Principal::Session)
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
    if let Some(token) = bearer_token(req, ctx, QueryToken::Ignored)? {
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

/// The bearer token of a request: the `Authorization: Bearer` header (RFC 6750 §2.1) or, where
/// `sources` accepts it, the `access_token` query parameter (§2.3), never both (§2:
/// `400 invalid_request`). Another `Authorization` scheme is not a bearer credential and is
/// ignored; `Bearer` with nothing usable after it is an invalid token.
pub fn bearer_token(
    req: &Request,
    ctx: &RequestContext,
    sources: QueryToken,
) -> Result<Option<String>, ApiError> {
    let from_header = match header(req, "Authorization") {
        Some(value) => match value.split_once(' ') {
            Some((scheme, token)) if scheme.eq_ignore_ascii_case("Bearer") => {
                let token = token.trim();
                if token.is_empty() || token.contains(' ') {
                    return Err(ApiError::InvalidToken);
                }
                Some(token.to_owned())
            }
            _ => None,
        },
        None => None,
    };
    if sources == QueryToken::Ignored {
        return Ok(from_header);
    }
    let mut from_query = query_pairs(&ctx.query).filter(|(k, _)| k == "access_token");
    let query = match (from_query.next(), from_query.next()) {
        (None, _) => None,
        (Some((_, v)), None) if !v.is_empty() => Some(v.into_owned()),
        _ => {
            return Err(ApiError::InvalidRequest(
                "the access_token parameter must be sent once, and not empty".into(),
            ))
        }
    };
    match (from_header, query) {
        (Some(_), Some(_)) => Err(ApiError::InvalidRequest(
            "send the access token in the Authorization header or the query, not both".into(),
        )),
        (h, q) => Ok(h.or(q)),
    }
}
