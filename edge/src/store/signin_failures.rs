//! The `signin_failures` table behind the sign-in throttle: one fixed window per (account,
//! bucket), where a bucket is a client's address (an IPv6 client's /64) or
//! [`ACCOUNT_BUCKET`] for the whole account. An attempt is counted in both with one atomic
//! upsert each, which returns the new count: the throttle decides on what came back, so
//! concurrent attempts can never all read the same old count.

use authcore::throttle::{FailureWindow, ACCOUNT_BUCKET};
use authcore::{Account, ApiError};
use serde::Deserialize;
use worker::{D1Database, D1PreparedStatement};

use super::{seconds, statement};
use crate::http::internal;

/// The windows one attempt was counted in.
#[derive(Debug, Clone, Copy)]
pub struct Counted {
    /// The client's window, this attempt included.
    pub client: FailureWindow,
    /// The account's window, this attempt included.
    pub account: FailureWindow,
}

#[derive(Deserialize)]
struct Row {
    started_at: f64,
    failures: f64,
}

/// Counts one attempt for `client` and for the whole account, starting a new window where the
/// old one has closed; returns both windows as they now are. One round trip.
pub async fn count_attempt(
    db: &D1Database,
    account: &Account,
    client: &str,
    now: u64,
    window_seconds: u64,
) -> Result<Counted, ApiError> {
    let upsert = |bucket: &str| {
        statement(
            db,
            "INSERT INTO signin_failures (account, client, started_at, failures)
             VALUES (?1, ?2, ?3, 1)
             ON CONFLICT (account, client) DO UPDATE SET
               failures   = CASE WHEN started_at + ?4 <= ?3 THEN 1  ELSE failures + 1 END,
               started_at = CASE WHEN started_at + ?4 <= ?3 THEN ?3 ELSE started_at END
             RETURNING started_at, failures",
            &[
                account.as_str().into(),
                bucket.into(),
                seconds(now),
                seconds(window_seconds),
            ],
        )
    };
    let results = db
        .batch(vec![upsert(client)?, upsert(ACCOUNT_BUCKET)?])
        .await
        .map_err(internal)?;
    let mut windows = results.iter().map(|r| {
        r.results::<Row>()
            .ok()
            .and_then(|rows| rows.into_iter().next())
            .map(|r| FailureWindow {
                started_at: r.started_at as u64,
                failures: r.failures as u32,
            })
    });
    match (windows.next().flatten(), windows.next().flatten()) {
        (Some(client), Some(account)) => Ok(Counted { client, account }),
        _ => Err(internal("the throttle's upsert returned no row")),
    }
}

/// The statements that give a right attempt's count back, in the windows it was counted in
/// (a window that has since restarted keeps its count). Batched with the attempt's own write.
pub fn give_back(
    db: &D1Database,
    account: &Account,
    client: &str,
    counted: &Counted,
) -> Result<Vec<D1PreparedStatement>, ApiError> {
    [(client, counted.client), (ACCOUNT_BUCKET, counted.account)]
        .into_iter()
        .map(|(bucket, window)| {
            statement(
                db,
                "UPDATE signin_failures SET failures = MAX(failures - 1, 0)
             WHERE account = ?1 AND client = ?2 AND started_at = ?3",
                &[
                    account.as_str().into(),
                    bucket.into(),
                    seconds(window.started_at),
                ],
            )
        })
        .collect()
}
