//! The `credentials` table, and the one way a credential change is written.
//!
//! A change is checked by `authcore`'s rules against the service's credentials as read, then
//! written by [`apply`] in one D1 transaction that only takes effect while the service's version
//! is still the one read, and bumps it. Two concurrent changes can therefore never both pass on
//! the same state: the loser writes nothing and the caller re-reads and re-checks.
//!
//! An active service key, and a service's active JWT credentials, are remembered by the isolate
//! for up to `REVOCATION_DELAY_SECONDS`; a change written here forgets the service's keys,
//! credentials and access tokens at once.

use std::cell::RefCell;

use authcore::credential::rules::CredentialState;
use authcore::credential::{Kind, Status};
use authcore::revocation::LiveCache;
use authcore::{Account, ApiError};
use serde::Deserialize;
use worker::{D1Database, D1PreparedStatement};

use super::{
    access_tokens, all, audit, changed, first, insert as insert_row, seconds, statement, Guard,
};
use crate::context::Fresh;
use crate::http::internal;

/// A credential as the admin API reads it (never its hash or salt).
#[derive(Debug, Clone, Deserialize)]
pub struct CredentialRow {
    /// `cred_…`.
    pub id: String,
    /// `service_key` or `jwt`.
    pub kind: String,
    /// `active` or `inactive`.
    pub status: String,
    /// Prefix and last four characters.
    pub masked: String,
    /// Created at (unix seconds).
    pub created_at: f64,
}

impl CredentialRow {
    /// What the rules need; `None` for a row this code cannot read (never written by it).
    pub fn state(&self) -> Option<CredentialState> {
        Some(CredentialState {
            id: self.id.clone(),
            kind: Kind::parse(&self.kind)?,
            status: Status::parse(&self.status)?,
        })
    }

    /// The admin API's view, with `secret` only when it was just issued.
    pub fn view(&self, secret: Option<String>) -> wire::Credential {
        wire::Credential {
            id: self.id.clone(),
            kind: self.kind.clone(),
            status: self.status.clone(),
            masked: self.masked.clone(),
            created_at: self.created_at as u64,
            secret,
        }
    }
}

/// A credential to insert.
#[derive(Debug, Clone)]
pub struct NewCredential {
    /// `cred_…`.
    pub id: String,
    /// Its kind.
    pub kind: Kind,
    /// The key's hash, or the JWT secret's salt.
    pub secret_ref: String,
    /// Prefix and last four characters.
    pub masked: String,
    /// Created at (unix seconds).
    pub created_at: u64,
}

impl NewCredential {
    /// The row it becomes (active).
    pub fn row(&self) -> CredentialRow {
        CredentialRow {
            id: self.id.clone(),
            kind: self.kind.as_str().to_owned(),
            status: Status::Active.as_str().to_owned(),
            masked: self.masked.clone(),
            created_at: self.created_at as f64,
        }
    }
}

/// One write to a service's credentials.
#[derive(Debug, Clone)]
pub enum Write {
    /// Add an active credential.
    Insert(NewCredential),
    /// Set a credential's status.
    SetStatus(String, Status),
    /// Replace a credential's secret.
    SetSecret {
        /// The credential.
        id: String,
        /// The new hash or salt.
        secret_ref: String,
        /// The new masked form.
        masked: String,
    },
    /// Remove a credential.
    Delete(String),
}

impl Write {
    /// The credential written.
    pub fn credential_id(&self) -> &str {
        match self {
            Self::Insert(c) => &c.id,
            Self::SetStatus(id, _) | Self::SetSecret { id, .. } | Self::Delete(id) => id,
        }
    }

    /// The credential's row once this write has landed on `rows` (`None` once deleted).
    pub fn resulting_row(&self, rows: &[CredentialRow]) -> Option<CredentialRow> {
        let current = || rows.iter().find(|r| r.id == self.credential_id()).cloned();
        match self {
            Self::Insert(c) => Some(c.row()),
            Self::SetStatus(_, status) => current().map(|r| CredentialRow {
                status: status.as_str().to_owned(),
                ..r
            }),
            Self::SetSecret { masked, .. } => current().map(|r| CredentialRow {
                masked: masked.clone(),
                ..r
            }),
            Self::Delete(_) => None,
        }
    }
}

/// The service's credentials, oldest first.
pub async fn list(
    db: &D1Database,
    account: &Account,
    service_id: &str,
) -> Result<Vec<CredentialRow>, ApiError> {
    all(
        db,
        "SELECT id, kind, status, masked, created_at FROM credentials
         WHERE account = ?1 AND service_id = ?2 ORDER BY created_at, id",
        &[account.as_str().into(), service_id.into()],
    )
    .await
}

/// The statement inserting `c` (active); under `guard`, only while it holds.
pub fn insert(
    db: &D1Database,
    account: &Account,
    service_id: &str,
    c: &NewCredential,
    guard: Option<&Guard>,
) -> Result<D1PreparedStatement, ApiError> {
    insert_row(
        db,
        "credentials (id, service_id, account, kind, status, secret_ref, masked, created_at)",
        &[
            c.id.as_str().into(),
            service_id.into(),
            account.as_str().into(),
            c.kind.as_str().into(),
            Status::Active.as_str().into(),
            c.secret_ref.as_str().into(),
            c.masked.as_str().into(),
            seconds(c.created_at),
        ],
        guard,
    )
}

/// While service `service_id` is still at `version`.
fn at_version(service_id: &str, version: u64) -> Guard {
    Guard {
        condition: |n| {
            format!(
                "(SELECT version FROM services WHERE id = ?{n}) = ?{}",
                n + 1
            )
        },
        args: vec![service_id.into(), seconds(version)],
    }
}

/// Writes `write` and its audit entry if, and only if, service `service_id` is still at
/// `version`; bumps the version. Returns whether it was written.
pub async fn apply(
    db: &D1Database,
    account: &Account,
    service_id: &str,
    version: u64,
    write: &Write,
    entry: &audit::Entry<'_>,
) -> Result<bool, ApiError> {
    // Every statement re-checks the version inside the one transaction, so either all of them
    // see the version read by the caller and take effect, or none does.
    let at_version = at_version(service_id, version);
    let change = match write {
        Write::Insert(c) => insert(db, account, service_id, c, Some(&at_version))?,
        Write::SetStatus(id, status) => at_version.restrict(
            db,
            "UPDATE credentials SET status = ?1 WHERE id = ?2 AND service_id = ?3",
            &[
                status.as_str().into(),
                id.as_str().into(),
                service_id.into(),
            ],
        )?,
        Write::SetSecret {
            id,
            secret_ref,
            masked,
        } => at_version.restrict(
            db,
            "UPDATE credentials SET secret_ref = ?1, masked = ?2 WHERE id = ?3 AND service_id = ?4",
            &[
                secret_ref.as_str().into(),
                masked.as_str().into(),
                id.as_str().into(),
                service_id.into(),
            ],
        )?,
        Write::Delete(id) => at_version.restrict(
            db,
            "DELETE FROM credentials WHERE id = ?1 AND service_id = ?2",
            &[id.as_str().into(), service_id.into()],
        )?,
    };
    let bump = statement(
        db,
        "UPDATE services SET version = version + 1 WHERE id = ?1 AND version = ?2",
        &[service_id.into(), seconds(version)],
    )?;
    let mut batch = vec![change, audit::insert(db, entry, Some(&at_version))?];
    // A key that stops being usable takes the access tokens it bought with it.
    if matches!(
        write,
        Write::SetStatus(_, Status::Inactive) | Write::SetSecret { .. } | Write::Delete(_)
    ) {
        batch.push(access_tokens::revoke_by_credential(
            db,
            write.credential_id(),
            entry.at,
            &at_version,
        )?);
    }
    batch.push(bump);
    let results = db.batch(batch).await.map_err(internal)?;
    let bumped = changed(results.last())?;
    if bumped == 1 {
        forget_service(service_id);
    }
    Ok(bumped == 1)
}

thread_local! {
    /// Active service keys this isolate read recently, by `<account>:<hash>`.
    static LIVE_KEYS: RefCell<LiveCache<KeyRow>> = RefCell::new(LiveCache::default());
    /// Services' active JWT credentials read recently, by `<account>:<service>`.
    static LIVE_JWTS: RefCell<LiveCache<Vec<JwtRow>>> = RefCell::new(LiveCache::default());
}

/// Forgets everything remembered of `service_id`'s credentials and the tokens they bought.
fn forget_service(service_id: &str) {
    LIVE_KEYS.with(|c| {
        c.borrow_mut()
            .forget_where(|_, k| k.service_id == service_id)
    });
    let suffix = format!(":{service_id}");
    LIVE_JWTS.with(|c| c.borrow_mut().forget_where(|k, _| k.ends_with(&suffix)));
    access_tokens::forget_service(service_id);
}

/// A service key found by its keyed hash: its service, its status and the service's scopes.
#[derive(Debug, Clone, Deserialize)]
pub struct KeyRow {
    /// The service it belongs to.
    pub service_id: String,
    /// `cred_…`.
    pub id: String,
    /// `active` or `inactive`.
    pub status: String,
    /// The service's scopes.
    pub scopes: String,
}

/// The service key a presented key is, by its keyed hash.
pub async fn by_service_key_hash(
    db: &D1Database,
    account: &Account,
    hash: &str,
    fresh: Fresh,
) -> Result<Option<KeyRow>, ApiError> {
    let key = format!("{account}:{hash}");
    if let Some(known) = LIVE_KEYS.with(|c| c.borrow_mut().get(&key, fresh.now)) {
        return Ok(Some(known));
    }
    let row: Option<KeyRow> = first(
        db,
        "SELECT c.service_id, c.id, c.status, s.scopes FROM credentials c
           JOIN services s ON s.id = c.service_id
         WHERE c.secret_ref = ?1 AND c.kind = 'service_key' AND c.account = ?2",
        &[hash.into(), account.as_str().into()],
    )
    .await?;
    if let Some(active) = row.as_ref().filter(|r| r.status == Status::Active.as_str()) {
        LIVE_KEYS.with(|c| {
            let mut c = c.borrow_mut();
            c.remember(key, active.clone(), fresh.now, fresh.delay, u64::MAX);
        });
    }
    Ok(row)
}

/// An active JWT credential: its id, its salt and the service's scopes.
#[derive(Debug, Clone, Deserialize)]
pub struct JwtRow {
    /// `cred_…`.
    pub id: String,
    /// The salt its secret is derived with.
    pub secret_ref: String,
    /// The service's scopes.
    pub scopes: String,
}

/// The active JWT credentials of a service.
pub async fn active_jwt_salts(
    db: &D1Database,
    account: &Account,
    service_id: &str,
    fresh: Fresh,
) -> Result<Vec<JwtRow>, ApiError> {
    let key = format!("{account}:{service_id}");
    if let Some(known) = LIVE_JWTS.with(|c| c.borrow_mut().get(&key, fresh.now)) {
        return Ok(known);
    }
    let rows: Vec<JwtRow> = all(
        db,
        "SELECT c.id, c.secret_ref, s.scopes FROM credentials c
           JOIN services s ON s.id = c.service_id
         WHERE c.account = ?1 AND c.service_id = ?2 AND c.kind = 'jwt' AND c.status = 'active'",
        &[account.as_str().into(), service_id.into()],
    )
    .await?;
    if !rows.is_empty() {
        LIVE_JWTS.with(|c| {
            let mut c = c.borrow_mut();
            c.remember(key, rows.clone(), fresh.now, fresh.delay, u64::MAX);
        });
    }
    Ok(rows)
}
