//! The `signin_failures` table behind the sign-in throttle: one fixed window per (account,
//! bucket), where a bucket is a client's address (an IPv6 client's /64) or
//! [`ACCOUNT_BUCKET`] for the whole account. An attempt is counted in both with one atomic
//! upsert each, which returns the new count: the throttle decides on what came back, so
//! concurrent attempts can never all read the same old count.

use authcore::throttle::{FailureWindow, ThrottlePolicy, ACCOUNT_BUCKET};
use authcore::{Account, ApiError};
use serde::Deserialize;
use worker::{D1Database, D1PreparedStatement, D1Result};

use super::{delete_up_to, seconds, statement, Guard};
use crate::http::internal;

/// The windows one attempt was counted in.
#[derive(Debug, Clone, Copy)]
pub struct Counted {
    /// The client's window, this attempt included.
    pub client: FailureWindow,
    /// The account's window, this attempt included; `None` when the client's window was
    /// already over its limit, so the attempt was not counted for the account: one client
    /// locked out of its own window cannot go on to lock every client out of the account.
    pub account: Option<FailureWindow>,
}

#[derive(Deserialize)]
struct Row {
    started_at: f64,
    failures: f64,
}

/// Counts one attempt for `client`, and for the whole account unless the client has already
/// used up `client_max`, starting a new window where the old one has closed; returns the
/// windows as they now are. One round trip: the two statements of [`count_statements`].
pub async fn count_attempt(
    db: &D1Database,
    account: &Account,
    client: &str,
    now: u64,
    policy: &ThrottlePolicy,
) -> Result<Counted, ApiError> {
    let results = db
        .batch(count_statements(db, account, client, now, policy)?.into())
        .await
        .map_err(internal)?;
    counted(&results)
}

/// The two upserts that count one attempt, each returning its window: the client's, then the
/// account's, which reads what the first wrote. They begin a batch; [`counted`] reads what they
/// returned from its results.
pub fn count_statements(
    db: &D1Database,
    account: &Account,
    client: &str,
    now: u64,
    policy: &ThrottlePolicy,
) -> Result<[D1PreparedStatement; 2], ApiError> {
    const UPSERT: &str = "ON CONFLICT (account, client) DO UPDATE SET
           failures   = CASE WHEN started_at + ?4 <= ?3 THEN 1  ELSE failures + 1 END,
           started_at = CASE WHEN started_at + ?4 <= ?3 THEN ?3 ELSE started_at END
         RETURNING started_at, failures";
    let args = [
        account.as_str().into(),
        client.into(),
        seconds(now),
        seconds(policy.window_seconds),
        policy.max_failures.into(),
        ACCOUNT_BUCKET.into(),
    ];
    let for_client = statement(
        db,
        &format!(
            "INSERT INTO signin_failures (account, client, started_at, failures)
             VALUES (?1, ?2, ?3, 1) {UPSERT}"
        ),
        args.get(..4).unwrap_or_default(),
    )?;
    let for_account = statement(
        db,
        &format!(
            "INSERT INTO signin_failures (account, client, started_at, failures)
             SELECT ?1, ?6, ?3, 1
             WHERE (SELECT failures FROM signin_failures WHERE account = ?1 AND client = ?2) <= ?5
             {UPSERT}"
        ),
        &args,
    )?;
    Ok([for_client, for_account])
}

/// The windows the [`count_statements`] at the start of a batch returned.
pub fn counted(results: &[D1Result]) -> Result<Counted, ApiError> {
    let window = |result: Option<&D1Result>| -> Result<Option<FailureWindow>, ApiError> {
        let result =
            result.ok_or_else(|| internal("a batch returned fewer results than statements"))?;
        Ok(result
            .results::<Row>()
            .map_err(internal)?
            .into_iter()
            .next()
            .map(|r| FailureWindow {
                started_at: r.started_at as u64,
                failures: r.failures as u32,
            }))
    };
    let client = window(results.first())?
        .ok_or_else(|| internal("the throttle's upsert returned no row"))?;
    let account = window(results.get(1))?;
    Ok(Counted { client, account })
}

/// Whether a sign-in's writes, batched after [`count_statements`], may take effect: the
/// credential was `right` and both windows are within their limits. The second half is
/// [`ThrottlePolicy::admit`] in SQL, on windows just counted, which are open by construction (a
/// closed one restarts at `now`, and a window lasts at least a second): the client's window
/// within `max_failures`, and then the account's, counted too, within `account_max_failures`.
pub fn admitted(account: &Account, client: &str, policy: &ThrottlePolicy, right: bool) -> Guard {
    Guard {
        condition: |n| {
            format!(
                "(SELECT failures FROM signin_failures WHERE account = ?{n} AND client = ?{}) <= ?{}
                 AND (SELECT failures FROM signin_failures WHERE account = ?{n} AND client = ?{})
                   <= ?{} AND ?{} = 1",
                n + 1,
                n + 2,
                n + 3,
                n + 4,
                n + 5
            )
        },
        args: vec![
            account.as_str().into(),
            client.into(),
            policy.max_failures.into(),
            ACCOUNT_BUCKET.into(),
            policy.account_max_failures.into(),
            u32::from(right).into(),
        ],
    }
}

/// The statement that gives an attempt's count back in both its windows, in the batch that
/// counted it (so in the windows it was counted in), where [`admitted`]: a refused attempt
/// keeps its count.
pub fn give_back_admitted(
    db: &D1Database,
    account: &Account,
    client: &str,
    admitted: &Guard,
) -> Result<D1PreparedStatement, ApiError> {
    admitted.restrict(
        db,
        "UPDATE signin_failures SET failures = MAX(failures - 1, 0)
         WHERE account = ?1 AND client IN (?2, ?3)",
        &[
            account.as_str().into(),
            client.into(),
            ACCOUNT_BUCKET.into(),
        ],
    )
}

/// The statements that give a right attempt's count back, in the windows it was counted in
/// (a window that has since restarted keeps its count). Batched with the attempt's own write.
pub fn give_back(
    db: &D1Database,
    account: &Account,
    client: &str,
    counted: &Counted,
) -> Result<Vec<D1PreparedStatement>, ApiError> {
    [
        Some((client, counted.client)),
        counted.account.map(|w| (ACCOUNT_BUCKET, w)),
    ]
    .into_iter()
    .flatten()
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

/// Deletes up to `limit` windows that started at or before `cutoff`, that is, closed ones (the
/// next attempt would start a new window anyway): the scheduled cleanup (SPEC §8).
pub async fn delete_closed(db: &D1Database, cutoff: u64, limit: u32) -> Result<usize, ApiError> {
    delete_up_to(db, "signin_failures", "started_at", cutoff, limit).await
}
