//! The `sessions` table: created by a sign-in, read by every session check, revoked by sign-out
//! or by the owner (the sessions panel, SPEC §8), deleted by the scheduled cleanup once ended.
//!
//! A live session read here is remembered by the isolate for up to `REVOCATION_DELAY_SECONDS`
//! (`authcore::revocation`), and forgotten at once when this isolate revokes it, whichever way.

use std::cell::RefCell;

use authcore::revocation::LiveCache;
use authcore::session::{SessionRecord, SignInMethod};
use authcore::{Account, ApiError};
use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement};

use super::{
    all, audit, changed, delete_up_to, first, insert as insert_row, run, seconds, statement, Guard,
};
use crate::context::Fresh;
use crate::http::internal;

#[derive(Deserialize)]
struct Row {
    id: String,
    account: String,
    subject: String,
    name: String,
    role: String,
    platform: String,
    method: String,
    ip: String,
    created_at: f64,
    expires_at: f64,
    revoked_at: Option<f64>,
}

impl From<Row> for SessionRecord {
    fn from(r: Row) -> Self {
        SessionRecord {
            id: r.id,
            account: r.account,
            subject: r.subject,
            name: r.name,
            role: r.role,
            platform: r.platform,
            // A name this code did not write is read as the weakest method.
            method: SignInMethod::parse(&r.method).unwrap_or(SignInMethod::ApiKey),
            ip: r.ip,
            created_at: r.created_at as u64,
            expires_at: r.expires_at as u64,
            revoked: r.revoked_at.is_some(),
        }
    }
}

const COLUMNS: &str =
    "id, account, subject, name, role, platform, method, ip, created_at, expires_at, revoked_at";

/// The statement that stores a new session under the hash of its cookie token; under `guard`,
/// only while it holds.
pub fn insert(
    db: &D1Database,
    s: &SessionRecord,
    token_hash: &str,
    guard: Option<&Guard>,
) -> Result<D1PreparedStatement, ApiError> {
    insert_row(
        db,
        "sessions (id, token_hash, account, subject, name, role, platform, method, ip,
           created_at, expires_at)",
        &[
            s.id.as_str().into(),
            token_hash.into(),
            s.account.as_str().into(),
            s.subject.as_str().into(),
            s.name.as_str().into(),
            s.role.as_str().into(),
            s.platform.as_str().into(),
            s.method.as_str().into(),
            s.ip.as_str().into(),
            seconds(s.created_at),
            seconds(s.expires_at),
        ],
        guard,
    )
}

thread_local! {
    /// Live sessions this isolate read recently, by `id:<sid>` and `tok:<token hash>`.
    static LIVE: RefCell<LiveCache<SessionRecord>> = RefCell::new(LiveCache::default());
}

/// The session whose cookie token hashes to `token_hash`.
pub async fn by_token_hash(
    db: &D1Database,
    token_hash: &str,
    fresh: Fresh,
) -> Result<Option<SessionRecord>, ApiError> {
    one(db, "token_hash", token_hash, "tok:", fresh).await
}

/// The session with public id `id` (a JWT's `sid`).
pub async fn by_id(
    db: &D1Database,
    id: &str,
    fresh: Fresh,
) -> Result<Option<SessionRecord>, ApiError> {
    one(db, "id", id, "id:", fresh).await
}

async fn one(
    db: &D1Database,
    column: &'static str,
    value: &str,
    prefix: &str,
    fresh: Fresh,
) -> Result<Option<SessionRecord>, ApiError> {
    let key = format!("{prefix}{value}");
    if let Some(known) = LIVE.with(|c| c.borrow_mut().get(&key, fresh.now)) {
        return Ok(Some(known));
    }
    let row: Option<Row> = first(
        db,
        &format!("SELECT {COLUMNS} FROM sessions WHERE {column} = ?1"),
        &[value.into()],
    )
    .await?;
    let session = row.map(SessionRecord::from);
    if let Some(s) = session.as_ref().filter(|s| !s.revoked) {
        LIVE.with(|c| {
            let mut c = c.borrow_mut();
            c.remember(key, s.clone(), fresh.now, fresh.delay, s.expires_at);
        });
    }
    Ok(session)
}

/// Marks a session signed out; its cookie and every JWT naming it are refused from now on, on
/// this isolate at once.
pub async fn revoke(db: &D1Database, id: &str, now: u64) -> Result<(), ApiError> {
    run(
        db,
        "UPDATE sessions SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
        &[id.into(), seconds(now)],
    )
    .await?;
    forget(|s| s.id == id);
    Ok(())
}

/// Forgets the remembered sessions `revoked` picks (every revocation path calls this).
pub fn forget(mut revoked: impl FnMut(&SessionRecord) -> bool) {
    LIVE.with(|c| c.borrow_mut().forget_where(|_, s| revoked(s)));
}

/// The account's live sessions (not revoked, not ended at `now`), newest first (sessions of one
/// second in the order they were made), at most `limit`.
pub async fn live(
    db: &D1Database,
    account: &Account,
    now: u64,
    limit: u32,
) -> Result<Vec<SessionRecord>, ApiError> {
    let rows: Vec<Row> = all(
        db,
        &format!(
            "SELECT {COLUMNS} FROM sessions
             WHERE account = ?1 AND revoked_at IS NULL AND expires_at > ?2
             ORDER BY created_at DESC, rowid DESC LIMIT ?3"
        ),
        &[account.as_str().into(), seconds(now), limit.into()],
    )
    .await?;
    Ok(rows.into_iter().map(SessionRecord::from).collect())
}

/// Revokes live session `id` of `account`, with its audit entry in the same transaction;
/// whether there was such a session (the entry is written only then). Live means at the
/// entry's time.
pub async fn revoke_live(
    db: &D1Database,
    account: &Account,
    id: &str,
    entry: &audit::Entry<'_>,
) -> Result<bool, ApiError> {
    let live = Guard {
        condition: |n| {
            format!(
                "id = ?{} AND account = ?{} AND revoked_at IS NULL AND expires_at > ?{}",
                n,
                n + 1,
                n + 2
            )
        },
        args: vec![id.into(), account.as_str().into(), seconds(entry.at)],
    };
    let revoked = revoke_audited(db, entry, Record::IfAny, &live).await? > 0;
    forget(|s| s.id == id);
    Ok(revoked)
}

/// Revokes every live session of `account` (of one `subject` when given) but `keep`, the
/// session the request was made with; audited in the same transaction, the entry's detail
/// ending in how many ended (`revoked=0` too: the owner acted, and the log says so). How many
/// ended. Live means at the entry's time.
pub async fn revoke_all(
    db: &D1Database,
    account: &Account,
    subject: Option<&str>,
    keep: &str,
    entry: &audit::Entry<'_>,
) -> Result<usize, ApiError> {
    let live = Guard {
        condition: |n| {
            format!(
                "account = ?{a} AND revoked_at IS NULL AND expires_at > ?{t} AND id != ?{k}
                 AND (?{s} IS NULL OR subject = ?{s})",
                a = n,
                t = n + 1,
                k = n + 2,
                s = n + 3
            )
        },
        args: vec![
            account.as_str().into(),
            seconds(entry.at),
            keep.into(),
            subject.map_or(JsValue::NULL, JsValue::from),
        ],
    };
    let revoked = revoke_audited(db, entry, Record::Always, &live).await?;
    forget(|s| {
        s.account == account.as_str() && s.id != keep && subject.is_none_or(|who| s.subject == who)
    });
    Ok(revoked)
}

/// When a revocation's audit entry is written, and what its detail adds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Record {
    /// Only when it ends a session (revoking an id that is no live session is a `404`); the
    /// detail adds nothing.
    IfAny,
    /// Whatever it ends; the detail adds `revoked=<how many>`.
    Always,
}

/// One transaction: `entry` is recorded (as `record` says), then the sessions `live` picks are
/// revoked at the entry's time. The entry is written first, so it describes exactly the rows
/// the update then changes. How many sessions were revoked.
async fn revoke_audited(
    db: &D1Database,
    entry: &audit::Entry<'_>,
    record: Record,
    live: &Guard,
) -> Result<usize, ApiError> {
    let values = audit::values(entry);
    let (detail_sql, when) = match record {
        Record::IfAny => ("''", "n > 0"),
        Record::Always => ("'revoked=' || n", "1"),
    };
    let record = statement(
        db,
        &format!(
            "INSERT INTO audit_log ({columns})
             SELECT ?1, ?2, ?3, ?4, ?5, ?6, TRIM(?7 || ' ' || {detail_sql})
             FROM (SELECT COUNT(*) AS n FROM sessions WHERE {condition}) WHERE {when}",
            columns = audit::COLUMNS,
            condition = live.sql(values.len() + 1),
        ),
        &[&values[..], &live.args].concat(),
    )?;
    let revoke = statement(
        db,
        &format!(
            "UPDATE sessions SET revoked_at = ?{} WHERE {}",
            live.args.len() + 1,
            live.sql(1)
        ),
        &[&live.args[..], &[seconds(entry.at)]].concat(),
    )?;
    let results = db.batch(vec![record, revoke]).await.map_err(internal)?;
    changed(results.get(1))
}

/// Deletes up to `limit` sessions that ended at or before `cutoff`, revoked ones included (an
/// ended session is refused whether its row is there or not): the scheduled cleanup (SPEC §8).
pub async fn delete_ended(db: &D1Database, cutoff: u64, limit: u32) -> Result<usize, ApiError> {
    delete_up_to(db, "sessions", "expires_at", cutoff, limit).await
}
