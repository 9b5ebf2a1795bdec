//! The `audit_log` table: who changed what, when, from where. Never a secret.

use authcore::{Account, ApiError};
use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement};

use super::{all, changes, insert as insert_row, seconds, Guard};

/// One change, before it is written.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    /// The account.
    pub account: &'a Account,
    /// Who (the owner's username).
    pub actor: &'a str,
    /// What: `service.create`, `credential.discard`, …
    pub action: &'a str,
    /// Which service, credential or session.
    pub target: &'a str,
    /// What else there is to say, never a secret: a sign-in's method and platform, say.
    pub detail: &'a str,
    /// From which address.
    pub ip: &'a str,
    /// When (unix seconds).
    pub at: u64,
}

/// The columns an entry fills, in the order of [`values`].
pub const COLUMNS: &str = "account, at, actor, action, target, ip, detail";

/// The values of `entry`, bound as `?1`…`?7` in the order of [`COLUMNS`]: for a statement that
/// inserts the entry under a condition of its own (see `sessions::revoke_all`).
pub fn values(entry: &Entry<'_>) -> [JsValue; 7] {
    [
        entry.account.as_str().into(),
        seconds(entry.at),
        entry.actor.into(),
        entry.action.into(),
        entry.target.into(),
        entry.ip.into(),
        entry.detail.into(),
    ]
}

/// The statement that records `entry`; under `guard`, only while it holds.
pub fn insert(
    db: &D1Database,
    entry: &Entry<'_>,
    guard: Option<&Guard>,
) -> Result<D1PreparedStatement, ApiError> {
    insert_row(db, &format!("audit_log ({COLUMNS})"), &values(entry), guard)
}

#[derive(Deserialize)]
struct Row {
    at: f64,
    actor: String,
    action: String,
    target: String,
    ip: String,
    detail: String,
}

/// The account's newest `limit` entries, newest first.
pub async fn newest(
    db: &D1Database,
    account: &Account,
    limit: u32,
) -> Result<Vec<wire::AuditEntry>, ApiError> {
    let rows: Vec<Row> = all(
        db,
        "SELECT at, actor, action, target, ip, detail FROM audit_log
             WHERE account = ?1 ORDER BY id DESC LIMIT ?2",
        &[account.as_str().into(), limit.into()],
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| wire::AuditEntry {
            at: r.at as u64,
            actor: r.actor,
            action: r.action,
            target: r.target,
            ip: r.ip,
            detail: r.detail,
        })
        .collect())
}

/// Deletes up to `limit` entries recorded at or before `cutoff` (older than the retention,
/// `AUDIT_RETENTION_DAYS`), oldest first: the scheduled cleanup (SPEC §8).
pub async fn delete_older_than(
    db: &D1Database,
    cutoff: u64,
    limit: u32,
) -> Result<usize, ApiError> {
    changes(
        db,
        "DELETE FROM audit_log WHERE id IN
           (SELECT id FROM audit_log WHERE at <= ?1 ORDER BY at LIMIT ?2)",
        &[seconds(cutoff), limit.into()],
    )
    .await
}
