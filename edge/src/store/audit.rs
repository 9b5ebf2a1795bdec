//! The `audit_log` table: who changed what, when, from where. Never a secret.

use authcore::{Account, ApiError};
use serde::Deserialize;
use worker::{D1Database, D1PreparedStatement};

use super::{all, seconds, statement};

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

/// The statement that records `entry`, written only while service `guard` is still at
/// `version` (see [`super::credentials::apply`]); `None` writes it unconditionally.
pub fn insert(
    db: &D1Database,
    entry: &Entry<'_>,
    guard: Option<(&str, u64)>,
) -> Result<D1PreparedStatement, ApiError> {
    let values = [
        entry.account.as_str().into(),
        seconds(entry.at),
        entry.actor.into(),
        entry.action.into(),
        entry.target.into(),
        entry.ip.into(),
        entry.detail.into(),
    ];
    match guard {
        None => statement(
            db,
            "INSERT INTO audit_log (account, at, actor, action, target, ip, detail)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            &values,
        ),
        Some((service_id, version)) => statement(
            db,
            "INSERT INTO audit_log (account, at, actor, action, target, ip, detail)
             SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7
             WHERE (SELECT version FROM services WHERE id = ?8) = ?9",
            &[&values[..], &[service_id.into(), seconds(version)]].concat(),
        ),
    }
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
