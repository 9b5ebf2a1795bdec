//! The `launch_jtis` table: the launch tokens already used (SPEC §6), so each works once.

use authcore::{Account, ApiError};
use worker::D1Database;

use super::{changes, seconds};

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
