//! Services as callers (SPEC §4): a service key in `X-Service-Key`, or a JWT the caller signed
//! with one of the service's JWT credentials. Only active credentials count.

use authcore::credential::caller_jwt::verify_caller_jwt;
use authcore::credential::Status;
use authcore::jwt::TokenError;
use authcore::ApiError;
use worker::{D1Database, Env};

use crate::config::credentials_key;
use crate::context::RequestContext;
use crate::store::credentials;

/// A service, and the credential that proved it.
#[derive(Debug, Clone)]
pub struct ServiceCaller {
    /// `svc_…`.
    pub service_id: String,
    /// `cred_…`.
    pub credential_id: String,
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
    match credentials::by_service_key_hash(db, &ctx.account, &hash).await? {
        Some((service_id, credential_id, status)) if status == Status::Active.as_str() => {
            Ok(ServiceCaller {
                service_id,
                credential_id,
            })
        }
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
    if !authcore::admin::is_service_id(service_id) {
        return Err(ApiError::InvalidToken);
    }
    let key = credentials_key(env)?;
    let active = credentials::active_jwt_salts(db, &ctx.account, service_id).await?;
    // Try each active secret; report which one verified.
    for (credential_id, salt) in &active {
        let secret = key.jwt_secret(&ctx.account, credential_id, salt);
        match verify_caller_jwt(token, service_id, &[secret], ctx.now) {
            Ok(_) => {
                return Ok(ServiceCaller {
                    service_id: service_id.to_owned(),
                    credential_id: credential_id.clone(),
                })
            }
            Err(TokenError::BadSignature) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::InvalidToken)
}
