//! The `launch_jtis` table: the `jti`s of launch tokens already used (SPEC §6: single use), kept
//! until a replay could no longer pass the token's own expiry.

use authcore::ApiError;
use worker::D1Database;

use super::{changes, seconds};

/// Deletes up to `limit` used `jti`s whose tokens expired at or before `cutoff`: the scheduled
/// cleanup (SPEC §8).
pub async fn delete_expired(db: &D1Database, cutoff: u64, limit: u32) -> Result<usize, ApiError> {
    changes(
        db,
        "DELETE FROM launch_jtis WHERE rowid IN
           (SELECT rowid FROM launch_jtis WHERE expires_at <= ?1 LIMIT ?2)",
        &[seconds(cutoff), limit.into()],
    )
    .await
}
