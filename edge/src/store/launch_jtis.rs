//! The `launch_jtis` table: the `jti`s of launch tokens already used (SPEC §6: single use), kept
//! until a replay could no longer pass the token's own expiry, then deleted by the cleanup.

use authcore::{Account, ApiError};
use worker::D1Database;

use super::{changes, delete_up_to, seconds};

/// Records `jti` as used until `usable_until`; whether it was new. One atomic insert: of two
/// concurrent uses of one token exactly one gets `true`.
pub async fn claim(
    db: &D1Database,
    account: &Account,
    jti: &str,
    usable_until: u64,
) -> Result<bool, ApiError> {
    let inserted = changes(
        db,
        "INSERT INTO launch_jtis (account, jti, expires_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (account, jti) DO NOTHING",
        &[account.as_str().into(), jti.into(), seconds(usable_until)],
    )
    .await?;
    Ok(inserted == 1)
}

/// Deletes up to `limit` used `jti`s whose tokens expired at or before `cutoff`: the scheduled
/// cleanup (SPEC §8).
pub async fn delete_expired(db: &D1Database, cutoff: u64, limit: u32) -> Result<usize, ApiError> {
    delete_up_to(db, "launch_jtis", "expires_at", cutoff, limit).await
}
