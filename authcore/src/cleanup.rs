//! What the scheduled cleanup may delete (SPEC §8): the rule of when a stored row has expired,
//! for every table that grows with use. Time is an argument, as everywhere in this crate.
//!
//! A row goes only once nothing could still accept what it stands for, so deleting it never
//! changes an answer: a session once it has ended (revoked or not; an ended session is refused
//! whether its row is there or not), an access token and a used launch `jti` once the verifier's
//! clock-skew leeway past their expiry has run out too, a sign-in failure window once it has
//! closed (the throttle starts a new one then anyway), and an audit entry once it is older than
//! the retention. Each run deletes at most [`MAX_ROWS_PER_TABLE`] rows of each table, so one run
//! stays within a Worker's limits however far behind it is; the next run goes on where it
//! stopped, and a run with nothing expired deletes nothing.

use crate::jwt::LEEWAY_SECONDS;

/// The most rows one run deletes from one table.
pub const MAX_ROWS_PER_TABLE: u32 = 500;
/// How long audit entries are kept by default, in days (SPEC §8 `AUDIT_RETENTION_DAYS`).
pub const DEFAULT_AUDIT_RETENTION_DAYS: u64 = 400;
/// The shortest audit retention accepted, in days: a typo must not empty the log every run.
pub const MIN_AUDIT_RETENTION_DAYS: u64 = 1;
/// The longest audit retention accepted, in days (a century: "keep everything").
pub const MAX_AUDIT_RETENTION_DAYS: u64 = 36_500;

const DAY_SECONDS: u64 = 24 * 3600;

/// The settings the rules depend on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionPolicy {
    /// The sign-in throttle's window, in seconds (`SIGNIN_FAILURE_WINDOW_SECONDS`).
    pub failure_window_seconds: u64,
    /// How long audit entries are kept, in days, within
    /// [`MIN_AUDIT_RETENTION_DAYS`]..=[`MAX_AUDIT_RETENTION_DAYS`].
    pub audit_retention_days: u64,
}

impl RetentionPolicy {
    /// A policy with the audit retention held to its bounds (`None`: the default).
    pub fn new(failure_window_seconds: u64, audit_retention_days: Option<u64>) -> Self {
        Self {
            failure_window_seconds,
            audit_retention_days: audit_retention_days
                .unwrap_or(DEFAULT_AUDIT_RETENTION_DAYS)
                .clamp(MIN_AUDIT_RETENTION_DAYS, MAX_AUDIT_RETENTION_DAYS),
        }
    }

    /// The cutoffs at `now`: a row whose column is at or before its table's cutoff has expired.
    pub fn cutoffs(&self, now: u64) -> Cutoffs {
        Cutoffs {
            sessions_ended_by: now,
            access_tokens_expired_by: now.saturating_sub(LEEWAY_SECONDS),
            failure_windows_started_by: now.saturating_sub(self.failure_window_seconds),
            launch_jtis_expired_by: now.saturating_sub(LEEWAY_SECONDS),
            audit_entries_at_or_before: now
                .saturating_sub(self.audit_retention_days.saturating_mul(DAY_SECONDS)),
        }
    }
}

/// For each table, the latest value of its time column that has expired (`column <= cutoff`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cutoffs {
    /// `sessions.expires_at`: a session is live only while `now < expires_at`.
    pub sessions_ended_by: u64,
    /// `access_tokens.expires_at`: the JWT is accepted up to [`LEEWAY_SECONDS`] past it.
    pub access_tokens_expired_by: u64,
    /// `signin_failures.started_at`: a window is closed once `started_at + window <= now`.
    pub failure_windows_started_by: u64,
    /// `launch_jtis.expires_at`: a second use is refused until then, with the same leeway.
    pub launch_jtis_expired_by: u64,
    /// `audit_log.at`: older than the retention.
    pub audit_entries_at_or_before: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jwt::check_times;
    use crate::session::{SessionRecord, SignInMethod};
    use crate::throttle::{FailureWindow, ThrottlePolicy};

    const NOW: u64 = 1_700_000_000;

    fn policy() -> RetentionPolicy {
        RetentionPolicy::new(600, None)
    }

    #[test]
    fn a_session_row_goes_exactly_when_the_session_stops_counting() {
        let session = |expires_at| SessionRecord {
            id: "s".into(),
            account: "acme".into(),
            subject: "1".into(),
            name: "Ann".into(),
            role: "agent".into(),
            platform: "genesys".into(),
            method: SignInMethod::ApiKey,
            ip: "unknown".into(),
            created_at: NOW - 100,
            expires_at,
            revoked: false,
        };
        let cutoff = policy().cutoffs(NOW).sessions_ended_by;
        for expires_at in [NOW - 1, NOW, NOW + 1] {
            let deleted = expires_at <= cutoff;
            assert_eq!(
                deleted,
                !session(expires_at).is_live("acme", NOW),
                "{expires_at}"
            );
        }
    }

    #[test]
    fn an_access_token_row_outlives_its_jwt_by_the_verifiers_leeway() {
        // The row must be there as long as the JWT's times still pass, or a live token would be
        // refused for want of its row.
        let cutoff = policy().cutoffs(NOW).access_tokens_expired_by;
        for exp in [NOW - 60, NOW - 31, NOW - 30, NOW - 29, NOW] {
            let jwt_passes = check_times(exp - 3600, exp, NOW, 3600).is_ok();
            let deleted = exp <= cutoff;
            assert_eq!(deleted, !jwt_passes, "exp {exp}");
        }
    }

    #[test]
    fn a_failure_window_goes_once_the_throttle_would_start_a_new_one() {
        let throttle = ThrottlePolicy {
            max_failures: 1,
            account_max_failures: 1,
            window_seconds: 600,
        };
        let cutoff = policy().cutoffs(NOW).failure_windows_started_by;
        for started_at in [NOW - 601, NOW - 600, NOW - 599] {
            let full = FailureWindow {
                started_at,
                failures: 5,
            };
            let still_refuses = throttle.admit(full, None, NOW).is_err();
            assert_eq!(started_at <= cutoff, !still_refuses, "{started_at}");
        }
    }

    #[test]
    fn audit_entries_are_kept_for_the_retention_and_not_a_second_more() {
        let c = RetentionPolicy::new(600, Some(30)).cutoffs(NOW);
        assert_eq!(c.audit_entries_at_or_before, NOW - 30 * 86_400);
        assert_eq!(
            policy().cutoffs(NOW).audit_entries_at_or_before,
            NOW - 400 * 86_400
        );
    }

    #[test]
    fn the_audit_retention_is_held_to_its_bounds() {
        assert_eq!(RetentionPolicy::new(600, Some(0)).audit_retention_days, 1);
        assert_eq!(
            RetentionPolicy::new(600, Some(u64::MAX)).audit_retention_days,
            MAX_AUDIT_RETENTION_DAYS
        );
        assert_eq!(RetentionPolicy::new(600, None).audit_retention_days, 400);
        // Far past the epoch's reach the cutoff is 0: nothing is old enough to go.
        let c = RetentionPolicy::new(600, Some(MAX_AUDIT_RETENTION_DAYS)).cutoffs(NOW);
        assert_eq!(c.audit_entries_at_or_before, 0);
    }

    #[test]
    fn launch_jtis_stay_as_long_as_a_replay_could_pass_the_clock_check() {
        let c = policy().cutoffs(NOW);
        assert_eq!(c.launch_jtis_expired_by, NOW - LEEWAY_SECONDS);
        assert_eq!(
            RetentionPolicy::new(600, None)
                .cutoffs(5)
                .launch_jtis_expired_by,
            0
        );
    }
}
