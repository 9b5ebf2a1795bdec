//! The `access_tokens` table: the server-side record of every OAuth2 access token, which is
//! what revocation (RFC 7009) and introspection (RFC 7662) read and write.
//!
//! A token found live is remembered by the isolate for up to `REVOCATION_DELAY_SECONDS`, never
//! past its own expiry, and forgotten at once when this isolate revokes it or changes a
//! credential of its service.

use authcore::{Account, ApiError};
use serde::Deserialize;
use worker::{D1Database, D1PreparedStatement};

use std::cell::RefCell;

use authcore::credential::Status;
use authcore::revocation::LiveCache;

use super::{all, changes, delete_up_to, first, run, seconds, Guard};
use crate::context::Fresh;

/// A token about to be handed out.
#[derive(Debug, Clone)]
pub struct NewAccessToken<'a> {
    /// The JWT's `jti`.
    pub jti: &'a str,
    /// The service it acts for.
    pub service_id: &'a str,
    /// The key the client authenticated with, or the key a testing token was minted for: the
    /// token lives only while that key is active.
    pub credential_id: &'a str,
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
            t.credential_id.into(),
            t.scope.into(),
            u32::from(t.testing).into(),
            seconds(t.issued_at),
            seconds(t.expires_at),
        ],
    )
    .await?;
    Ok(())
}

thread_local! {
    /// Live tokens this isolate read recently, by `<account>:<service>:<jti>`; the value is the
    /// service, so a credential change of that service forgets them.
    static LIVE: RefCell<LiveCache<String>> = RefCell::new(LiveCache::default());
}

/// Forgets the remembered tokens of `service_id` (its credentials changed).
pub fn forget_service(service_id: &str) {
    LIVE.with(|c| c.borrow_mut().forget_where(|_, svc| svc == service_id));
}

fn forget(account: &Account, service_id: &str, jti: &str) {
    LIVE.with(|c| c.borrow_mut().forget(&cache_key(account, service_id, jti)));
}

/// What [`LIVE`] knows token `jti` of `service_id` by.
fn cache_key(account: &Account, service_id: &str, jti: &str) -> String {
    format!("{account}:{service_id}:{jti}")
}

/// Whether token `jti` of `service_id`, which expires at `exp`, is on record, not revoked, and
/// its key still active. The key is read with the token, so a token minted while its key was
/// being discarded dies with the key even though the discard's revocation ran before the
/// token's row existed.
pub async fn is_live(
    db: &D1Database,
    account: &Account,
    (service_id, jti, exp): (&str, &str, u64),
    fresh: Fresh,
) -> Result<bool, ApiError> {
    let key = cache_key(account, service_id, jti);
    if LIVE.with(|c| c.borrow_mut().get(&key, fresh.now)).is_some() {
        return Ok(true);
    }
    #[derive(Deserialize)]
    struct Row {
        revoked_at: Option<f64>,
        status: Option<String>,
    }
    let row: Option<Row> = first(
        db,
        "SELECT t.revoked_at, c.status FROM access_tokens t
           LEFT JOIN credentials c ON c.id = t.credential_id AND c.service_id = t.service_id
         WHERE t.jti = ?1 AND t.account = ?2 AND t.service_id = ?3",
        &[jti.into(), account.as_str().into(), service_id.into()],
    )
    .await?;
    let live = row.is_some_and(|r| {
        r.revoked_at.is_none() && r.status.as_deref() == Some(Status::Active.as_str())
    });
    if live {
        LIVE.with(|c| {
            let mut c = c.borrow_mut();
            c.remember(key, service_id.to_owned(), fresh.now, fresh.delay, exp);
        });
    }
    Ok(live)
}

/// A live testing token, as the owner's console lists it (never the token itself).
#[derive(Debug, Clone, Deserialize)]
pub struct TestingTokenRow {
    /// The token's `jti`.
    pub jti: String,
    /// The key it ends with.
    pub credential_id: String,
    /// Issued at (unix seconds).
    pub issued_at: f64,
    /// Expires at (unix seconds).
    pub expires_at: f64,
}

/// The service's testing tokens that are neither revoked nor expired, newest first.
pub async fn live_testing_tokens(
    db: &D1Database,
    account: &Account,
    service_id: &str,
    now: u64,
) -> Result<Vec<TestingTokenRow>, ApiError> {
    all(
        db,
        "SELECT jti, credential_id, issued_at, expires_at FROM access_tokens
         WHERE account = ?1 AND service_id = ?2 AND testing = 1 AND revoked_at IS NULL
           AND expires_at > ?3 ORDER BY issued_at DESC, jti",
        &[account.as_str().into(), service_id.into(), seconds(now)],
    )
    .await
}

/// Which tokens a revocation may end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revocable {
    /// Any of the service's tokens (RFC 7009: a client ends its own token).
    Any,
    /// Only a live testing token (the owner's console).
    Testing,
}

/// Revokes token `jti` of `service_id`, if `which` allows it: idempotent, a token of another
/// service is left alone, and this isolate stops believing it at once. Whether a token was
/// revoked now.
pub async fn revoke(
    db: &D1Database,
    account: &Account,
    (service_id, jti): (&str, &str),
    which: Revocable,
    now: u64,
) -> Result<bool, ApiError> {
    let only = match which {
        Revocable::Any => "",
        Revocable::Testing => "AND testing = 1 AND expires_at > ?4",
    };
    let revoked = changes(
        db,
        &format!(
            "UPDATE access_tokens SET revoked_at = ?4
             WHERE jti = ?1 AND account = ?2 AND service_id = ?3 AND revoked_at IS NULL {only}"
        ),
        &[
            jti.into(),
            account.as_str().into(),
            service_id.into(),
            seconds(now),
        ],
    )
    .await?;
    forget(account, service_id, jti);
    Ok(revoked > 0)
}

/// The statement that revokes every token minted with credential `credential_id` (its key was
/// discarded, regenerated or deleted, so what it bought stops working too), under `guard` (the
/// service's version, see `credentials::apply`).
pub fn revoke_by_credential(
    db: &D1Database,
    credential_id: &str,
    now: u64,
    guard: &Guard,
) -> Result<D1PreparedStatement, ApiError> {
    guard.restrict(
        db,
        "UPDATE access_tokens SET revoked_at = ?2 WHERE credential_id = ?1 AND revoked_at IS NULL",
        &[credential_id.into(), seconds(now)],
    )
}

/// Deletes up to `limit` records of tokens that expired at or before `cutoff` (revoked or not):
/// the scheduled cleanup (SPEC §8). How many went.
pub async fn delete_expired(db: &D1Database, cutoff: u64, limit: u32) -> Result<usize, ApiError> {
    delete_up_to(db, "access_tokens", "expires_at", cutoff, limit).await
}
