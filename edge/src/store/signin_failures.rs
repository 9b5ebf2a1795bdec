//! The `signin_failures` table behind the sign-in throttle: one fixed window per
//! (account, client), counted with a single atomic upsert so concurrent failures all count.

use authcore::throttle::FailureWindow;
use authcore::{Account, ApiError};
use serde::Deserialize;
use worker::D1Database;

use super::{first, run, seconds};

#[derive(Deserialize)]
struct Row {
    started_at: f64,
    failures: f64,
}

/// The current window for (account, client), if any failure was recorded.
pub async fn window(
    db: &D1Database,
    account: &Account,
    client: &str,
) -> Result<Option<FailureWindow>, ApiError> {
    let row: Option<Row> = first(
        db,
        "SELECT started_at, failures FROM signin_failures WHERE account = ?1 AND client = ?2",
        &[account.as_str().into(), client.into()],
    )
    .await?;
    Ok(row.map(|r| FailureWindow {
        started_at: r.started_at as u64,
        failures: r.failures as u32,
    }))
}

/// Counts one failure, starting a new window when the old one has closed.
pub async fn record(
    db: &D1Database,
    account: &Account,
    client: &str,
    now: u64,
    window_seconds: u64,
) -> Result<(), ApiError> {
    run(
        db,
        "INSERT INTO signin_failures (account, client, started_at, failures) VALUES (?1, ?2, ?3, 1)
         ON CONFLICT (account, client) DO UPDATE SET
           failures   = CASE WHEN started_at + ?4 <= ?3 THEN 1  ELSE failures + 1 END,
           started_at = CASE WHEN started_at + ?4 <= ?3 THEN ?3 ELSE started_at END",
        &[
            account.as_str().into(),
            client.into(),
            seconds(now),
            seconds(window_seconds),
        ],
    )
    .await?;
    Ok(())
}
