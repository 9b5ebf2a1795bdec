//! The `access_tokens` table: the server-side record of every OAuth2 access token, which is
//! what revocation (RFC 7009) and introspection (RFC 7662) read and write.

use authcore::{Account, ApiError};
use serde::Deserialize;
use worker::{D1Database, D1PreparedStatement};

use super::{first, run, seconds, statement};

/// A token about to be handed out.
#[derive(Debug, Clone)]
pub struct NewAccessToken<'a> {
    /// The JWT's `jti`.
    pub jti: &'a str,
    /// The service it acts for.
    pub service_id: &'a str,
    /// The key the client authenticated with (`None` for a testing token).
    pub credential_id: Option<&'a str>,
    /// The scopes granted.
    pub scope: &'a str,
    /// Whether it is a testing token.
    pub testing: bool,
    /// Issued at (unix seconds).
    pub issued_at: u64,
    /// Expires at (unix seconds).
    pub expires_at: u64,
}

/// Records a token before it is handed out.
pub async fn insert(
    db: &D1Database,
    account: &Account,
    t: &NewAccessToken<'_>,
) -> Result<(), ApiError> {
    run(
        db,
        "INSERT INTO access_tokens
           (jti, account, service_id, credential_id, scope, testing, issued_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        &[
            t.jti.into(),
            account.as_str().into(),
            t.service_id.into(),
            t.credential_id
                .map_or(wasm_bindgen::JsValue::NULL, Into::into),
            t.scope.into(),
            u32::from(t.testing).into(),
            seconds(t.issued_at),
            seconds(t.expires_at),
        ],
    )
    .await?;
    Ok(())
}

/// Whether token `jti` of `service_id` is on record and not revoked.
pub async fn is_live(
    db: &D1Database,
    account: &Account,
    service_id: &str,
    jti: &str,
) -> Result<bool, ApiError> {
    #[derive(Deserialize)]
    struct Row {
        revoked_at: Option<f64>,
    }
    let row: Option<Row> = first(
        db,
        "SELECT revoked_at FROM access_tokens WHERE jti = ?1 AND account = ?2 AND service_id = ?3",
        &[jti.into(), account.as_str().into(), service_id.into()],
    )
    .await?;
    Ok(row.is_some_and(|r| r.revoked_at.is_none()))
}

/// Revokes token `jti` of `service_id` (RFC 7009): idempotent, and a token of another client
/// is left alone.
pub async fn revoke(
    db: &D1Database,
    account: &Account,
    service_id: &str,
    jti: &str,
    now: u64,
) -> Result<(), ApiError> {
    run(
        db,
        "UPDATE access_tokens SET revoked_at = ?4
         WHERE jti = ?1 AND account = ?2 AND service_id = ?3 AND revoked_at IS NULL",
        &[
            jti.into(),
            account.as_str().into(),
            service_id.into(),
            seconds(now),
        ],
    )
    .await?;
    Ok(())
}

/// The statement that revokes every token minted with credential `credential_id` (its key was
/// discarded, regenerated or deleted, so what it bought stops working too), written only while
/// service `service_id` is still at `version` (see `credentials::apply`).
pub fn revoke_by_credential(
    db: &D1Database,
    credential_id: &str,
    now: u64,
    (service_id, version): (&str, u64),
) -> Result<D1PreparedStatement, ApiError> {
    statement(
        db,
        "UPDATE access_tokens SET revoked_at = ?2 WHERE credential_id = ?1 AND revoked_at IS NULL
         AND (SELECT version FROM services WHERE id = ?3) = ?4",
        &[
            credential_id.into(),
            seconds(now),
            service_id.into(),
            seconds(version),
        ],
    )
}
