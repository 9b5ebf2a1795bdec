//! Services as callers (SPEC §2, §4): a service key in `X-Service-Key`, a JWT the caller signed
//! with one of the service's JWT credentials, an OAuth2 access token, or (at the token
//! endpoints) a client id and secret. Only active credentials and unrevoked tokens count.

use authcore::admin::is_service_id;
use authcore::credential::caller_jwt::verify_caller_jwt;
use authcore::credential::Status;
use authcore::jwt::access_token::{verify_access, AccessClaims};
use authcore::jwt::TokenError;
use authcore::oauth::client_auth::ClientCredentials;
use authcore::ApiError;
use worker::{D1Database, Env};

use super::session::{expected, verifying_keys};
use crate::config::credentials_key;
use crate::context::RequestContext;
use crate::store::{access_tokens, credentials};

/// A service, the credential that proved it, and the scopes the service is limited to.
#[derive(Debug, Clone)]
pub struct ServiceCaller {
    /// `svc_…`.
    pub service_id: String,
    /// `cred_…`.
    pub credential_id: String,
    /// The service's scopes, space-separated: whatever it authenticates with, it may do no more.
    pub scopes: String,
}

/// The service whose active key `key` is. A wrong, discarded or regenerated-away key, or one of
/// another account, is `401 invalid_token`.
pub async fn by_service_key(
    key: &str,
    env: &Env,
    db: &D1Database,
    ctx: &RequestContext,
) -> Result<ServiceCaller, ApiError> {
    let hash = credentials_key(env)?.service_key_hash(&ctx.account, key);
    match credentials::by_service_key_hash(db, &ctx.account, &hash, ctx.fresh()).await? {
        Some(key) if key.status == Status::Active.as_str() => Ok(ServiceCaller {
            service_id: key.service_id,
            credential_id: key.id,
            scopes: key.scopes,
        }),
        _ => Err(ApiError::InvalidToken),
    }
}

/// The service that signed `token` (its `iss`), verified with each active JWT secret.
pub async fn by_caller_jwt(
    token: &str,
    service_id: &str,
    env: &Env,
    db: &D1Database,
    ctx: &RequestContext,
) -> Result<ServiceCaller, ApiError> {
    if !is_service_id(service_id) {
        return Err(ApiError::InvalidToken);
    }
    let key = credentials_key(env)?;
    let active = credentials::active_jwt_salts(db, &ctx.account, service_id, ctx.fresh()).await?;
    // Try each active secret; report which one verified.
    for jwt in active {
        let secret = key.jwt_secret(&ctx.account, &jwt.id, &jwt.secret_ref);
        match verify_caller_jwt(token, service_id, &[secret], ctx.now) {
            Ok(_) => {
                return Ok(ServiceCaller {
                    service_id: service_id.to_owned(),
                    credential_id: jwt.id,
                    scopes: jwt.scopes,
                })
            }
            Err(TokenError::BadSignature) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::InvalidToken)
}

/// The claims of a live access token of this account: signature, times, and its server-side
/// record (revoked tokens, and tokens of a discarded or regenerated key, are refused).
pub async fn by_access_token(
    token: &str,
    env: &Env,
    db: &D1Database,
    ctx: &RequestContext,
) -> Result<AccessClaims, ApiError> {
    let claims = verify_access(token, &verifying_keys(env, ctx)?, &expected(ctx), ctx.now)?;
    let token = (claims.sub.as_str(), claims.jti.as_str(), claims.exp);
    if !access_tokens::is_live(db, &ctx.account, token, ctx.fresh()).await? {
        return Err(ApiError::InvalidToken);
    }
    Ok(claims)
}

/// Authenticates an OAuth2 client (SPEC §2): its id is a service of this account and its secret
/// one of that service's active keys — one read (the key's row names its service), none when
/// the key was read recently. Every failure is the same `401 invalid_client`.
pub async fn oauth_client(
    client: &ClientCredentials,
    env: &Env,
    db: &D1Database,
    ctx: &RequestContext,
) -> Result<ServiceCaller, ApiError> {
    if !is_service_id(&client.client_id) {
        return Err(ApiError::InvalidClient);
    }
    match by_service_key(&client.client_secret, env, db, ctx).await {
        Ok(caller) if caller.service_id == client.client_id => Ok(caller),
        Ok(_) | Err(ApiError::InvalidToken) => Err(ApiError::InvalidClient),
        Err(e) => Err(e),
    }
}
