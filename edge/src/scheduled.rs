//! The scheduled cleanup (SPEC §8), run by the cron trigger of `wrangler.toml`: deletes what
//! has expired from every table that grows with use, at most
//! [`MAX_ROWS_PER_TABLE`](authcore::cleanup::MAX_ROWS_PER_TABLE) rows of each per run.
//!
//! What counts as expired is `authcore::cleanup`'s rule; this module only reads the time and
//! the settings and runs one bounded delete per table. Each table is cleaned on its own, so a
//! failure in one is logged and leaves the others to be cleaned. A run over tables with nothing
//! expired deletes nothing, so runs may overlap or repeat. One JSON line says what went.

use authcore::cleanup::{Cutoffs, MAX_ROWS_PER_TABLE};
use authcore::ApiError;
use serde::Serialize;
use worker::{D1Database, Env};

use crate::config::retention_policy;
use crate::store::{access_tokens, audit, db, launch_jtis, sessions, signin_failures};

/// Rows deleted per table in one run (`null` where that table's delete failed).
#[derive(Debug, Default, Serialize)]
struct Deleted {
    sessions: Option<usize>,
    access_tokens: Option<usize>,
    signin_failures: Option<usize>,
    launch_jtis: Option<usize>,
    audit_log: Option<usize>,
}

/// One cleanup run at the current time, for the trigger `cron` fired at `scheduled_time`
/// (milliseconds; both are logged, so a run can be told from the next).
pub async fn clean_up(env: &Env, cron: &str, scheduled_time: f64) {
    let now = crate::runtime::now();
    let cutoffs = retention_policy(env).cutoffs(now);
    let deleted = match db(env) {
        Ok(db) => delete_expired(&db, &cutoffs).await,
        Err(_) => Deleted::default(),
    };
    #[derive(Serialize)]
    struct Line<'a> {
        level: &'static str,
        event: &'static str,
        cron: &'a str,
        scheduled_time: f64,
        at: u64,
        limit_per_table: u32,
        deleted: &'a Deleted,
    }
    let failed = [
        deleted.sessions,
        deleted.access_tokens,
        deleted.signin_failures,
        deleted.launch_jtis,
        deleted.audit_log,
    ]
    .iter()
    .any(Option::is_none);
    let line = Line {
        level: if failed { "error" } else { "info" },
        event: "cleanup",
        cron,
        scheduled_time,
        at: now,
        limit_per_table: MAX_ROWS_PER_TABLE,
        deleted: &deleted,
    };
    match serde_json::to_string(&line) {
        Ok(json) if failed => worker::console_error!("{json}"),
        Ok(json) => worker::console_log!("{json}"),
        Err(e) => worker::console_error!("cleanup: the summary could not be written: {e}"),
    }
}

async fn delete_expired(db: &D1Database, c: &Cutoffs) -> Deleted {
    let limit = MAX_ROWS_PER_TABLE;
    Deleted {
        sessions: done(sessions::delete_ended(db, c.sessions_ended_by, limit).await),
        access_tokens: done(
            access_tokens::delete_expired(db, c.access_tokens_expired_by, limit).await,
        ),
        signin_failures: done(
            signin_failures::delete_closed(db, c.failure_windows_started_by, limit).await,
        ),
        launch_jtis: done(launch_jtis::delete_expired(db, c.launch_jtis_expired_by, limit).await),
        audit_log: done(audit::delete_older_than(db, c.audit_entries_at_or_before, limit).await),
    }
}

/// A table's count, or `None` when its delete failed (the cause was logged by `http::internal`).
fn done(result: Result<usize, ApiError>) -> Option<usize> {
    result.ok()
}
