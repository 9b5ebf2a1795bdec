//! The `sessions` table: created by a sign-in, read by every session check, revoked by sign-out.
//!
//! A live session read here is remembered by the isolate for up to `REVOCATION_DELAY_SECONDS`
//! (`authcore::revocation`), and forgotten at once when this isolate revokes it.

use std::cell::RefCell;

use authcore::revocation::LiveCache;
use authcore::session::{SessionRecord, SignInMethod};
use authcore::ApiError;
use serde::Deserialize;
use worker::{D1Database, D1PreparedStatement};

use crate::context::Fresh;

use super::{first, run, seconds, statement};

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

/// The statement that stores a new session under the hash of its cookie token.
pub fn insert(
    db: &D1Database,
    s: &SessionRecord,
    token_hash: &str,
) -> Result<D1PreparedStatement, ApiError> {
    statement(
        db,
        "INSERT INTO sessions (id, token_hash, account, subject, name, role, platform, method, ip,
           created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
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
