//! Durable state in D1: sessions, sign-in failure windows, used launch tokens, services and their
//! credentials, and the audit log. Every query binds its values; none is built from input text.

pub mod access_tokens;
pub mod audit;
pub mod credentials;
pub mod launch_jtis;
pub mod services;
pub mod sessions;
pub mod signin_failures;

use authcore::ApiError;
use serde::de::DeserializeOwned;
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, Env};

use crate::http::internal;

/// The D1 binding `DB`.
pub fn db(env: &Env) -> Result<D1Database, ApiError> {
    env.d1("DB").map_err(crate::http::internal)
}

/// A unix-seconds value as a D1 argument (a JS number, not a BigInt).
fn seconds(n: u64) -> JsValue {
    JsValue::from_f64(n as f64)
}

/// `sql` with `args` bound to `?1`, `?2`, …: the one way a statement is made.
fn statement(
    db: &D1Database,
    sql: &str,
    args: &[JsValue],
) -> Result<D1PreparedStatement, ApiError> {
    db.prepare(sql).bind(args).map_err(internal)
}

/// A condition a write takes effect under, checked by the database inside the write's own
/// statement, so inside its batch's transaction: [`Guard::condition`] makes its SQL binding
/// `?first`, `?first + 1`, … to `args`.
pub struct Guard {
    condition: fn(usize) -> String,
    args: Vec<JsValue>,
}

impl Guard {
    /// Its condition, binding its arguments from `?first` on.
    fn sql(&self, first: usize) -> String {
        (self.condition)(first)
    }

    /// The write `sql` under the guard: `sql` binds `args` as `?1`, `?2`, … and ends in its
    /// `WHERE` clause, to which the guard's condition is added, so it changes nothing unless the
    /// guard holds.
    fn restrict(
        &self,
        db: &D1Database,
        sql: &str,
        args: &[JsValue],
    ) -> Result<D1PreparedStatement, ApiError> {
        statement(
            db,
            &format!("{sql} AND {}", self.sql(args.len() + 1)),
            &[args, &self.args].concat(),
        )
    }
}

/// `INSERT INTO {into} VALUES (?1, …, ?n)` of `values`; under a guard,
/// `INSERT INTO {into} SELECT ?1, …, ?n WHERE {guard}`, which inserts nothing unless it holds.
fn insert(
    db: &D1Database,
    into: &str,
    values: &[JsValue],
    guard: Option<&Guard>,
) -> Result<D1PreparedStatement, ApiError> {
    let placeholders = (1..=values.len())
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ");
    match guard {
        None => statement(
            db,
            &format!("INSERT INTO {into} VALUES ({placeholders})"),
            values,
        ),
        Some(guard) => statement(
            db,
            &format!(
                "INSERT INTO {into} SELECT {placeholders} WHERE {}",
                guard.sql(values.len() + 1)
            ),
            &[values, &guard.args].concat(),
        ),
    }
}

/// The rows the write of a batch's `result` changed.
pub(crate) fn changed(result: Option<&worker::D1Result>) -> Result<usize, ApiError> {
    let result =
        result.ok_or_else(|| internal("a batch returned fewer results than statements"))?;
    Ok(result
        .meta()
        .map_err(internal)?
        .and_then(|m| m.changes)
        .unwrap_or(0))
}

/// Deletes up to `limit` rows of `table` whose `column` (unix seconds) is at or before `cutoff`:
/// one bounded step of the scheduled cleanup (SPEC §8). How many went.
async fn delete_up_to(
    db: &D1Database,
    table: &'static str,
    column: &'static str,
    cutoff: u64,
    limit: u32,
) -> Result<usize, ApiError> {
    changes(
        db,
        &format!(
            "DELETE FROM {table} WHERE rowid IN
               (SELECT rowid FROM {table} WHERE {column} <= ?1 LIMIT ?2)"
        ),
        &[seconds(cutoff), limit.into()],
    )
    .await
}

/// Runs a write.
async fn run(db: &D1Database, sql: &str, args: &[JsValue]) -> Result<(), ApiError> {
    statement(db, sql, args)?.run().await.map_err(internal)?;
    Ok(())
}

/// Runs a write; how many rows it changed.
async fn changes(db: &D1Database, sql: &str, args: &[JsValue]) -> Result<usize, ApiError> {
    let result = statement(db, sql, args)?.run().await.map_err(internal)?;
    changed(Some(&result))
}

/// The first row `sql` selects, if any.
async fn first<T: DeserializeOwned>(
    db: &D1Database,
    sql: &str,
    args: &[JsValue],
) -> Result<Option<T>, ApiError> {
    statement(db, sql, args)?
        .first(None)
        .await
        .map_err(internal)
}

/// Every row `sql` selects.
async fn all<T: DeserializeOwned>(
    db: &D1Database,
    sql: &str,
    args: &[JsValue],
) -> Result<Vec<T>, ApiError> {
    statement(db, sql, args)?
        .all()
        .await
        .map_err(internal)?
        .results()
        .map_err(internal)
}
