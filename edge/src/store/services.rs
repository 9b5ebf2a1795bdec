//! The `services` table: an account's services, each with a version that every credential
//! change bumps (the optimistic lock of [`super::credentials::apply`]).

use authcore::admin::NewService;
use authcore::{Account, ApiError};
use serde::Deserialize;
use worker::D1Database;

use super::credentials::{self, NewCredential};
use super::{all, audit, first, seconds, statement};
use crate::http::internal;

/// A service as stored.
#[derive(Debug, Clone, Deserialize)]
pub struct ServiceRow {
    /// `svc_…`.
    pub id: String,
    /// A name for humans.
    pub name: String,
    /// The OAuth2 scopes it may ask for, space-separated.
    pub scopes: String,
    /// Bumped by every credential change.
    pub version: f64,
}

impl ServiceRow {
    /// The admin API's view.
    pub fn view(self) -> wire::Service {
        wire::Service {
            id: self.id,
            name: self.name,
            scopes: self.scopes,
        }
    }

    /// The version as the guard of the next change.
    pub fn version(&self) -> u64 {
        self.version as u64
    }
}

/// Creates a service with its first credentials and the audit entry, in one transaction.
pub async fn create(
    db: &D1Database,
    account: &Account,
    id: &str,
    service: &NewService,
    first: &[NewCredential],
    entry: &audit::Entry<'_>,
    now: u64,
) -> Result<(), ApiError> {
    let mut batch = vec![statement(
        db,
        "INSERT INTO services (id, account, name, scopes, version, created_at)
             VALUES (?1, ?2, ?3, ?4, 0, ?5)",
        &[
            id.into(),
            account.as_str().into(),
            service.name.as_str().into(),
            service.scopes.as_str().into(),
            seconds(now),
        ],
    )?];
    for credential in first {
        batch.push(credentials::insert(db, account, id, credential, None)?);
    }
    batch.push(audit::insert(db, entry, None)?);
    db.batch(batch).await.map_err(internal)?;
    Ok(())
}

/// The account's services, oldest first.
pub async fn list(db: &D1Database, account: &Account) -> Result<Vec<ServiceRow>, ApiError> {
    all(
        db,
        "SELECT id, name, scopes, version FROM services WHERE account = ?1 ORDER BY created_at, id",
        &[account.as_str().into()],
    )
    .await
}

/// The service `id` of `account`, if it exists.
pub async fn get(
    db: &D1Database,
    account: &Account,
    id: &str,
) -> Result<Option<ServiceRow>, ApiError> {
    first(
        db,
        "SELECT id, name, scopes, version FROM services WHERE account = ?1 AND id = ?2",
        &[account.as_str().into(), id.into()],
    )
    .await
}
