//! The sign-in failure throttle (SPEC §1.4 `429`).
//!
//! Every attempt to prove a credential (an API key, the owner's password, a launch token) is
//! counted **before** it is judged, in two fixed windows: one for the client (an IPv4 address,
//! or an IPv6 client's /64, which one subscriber usually holds whole) and one for the whole
//! account, across clients. The count comes back from one atomic increment, and the attempt is
//! judged only when both counts are within their limits: so a burst of parallel guesses gets
//! exactly the limit judged, never more. A right credential gives its count back. An attempt a
//! client makes past its own limit is not counted for the account, so each client adds at most
//! its own limit to the account's window: locking an account takes many clients, not one.
//!
//! While a window is full every attempt is refused, right credentials too, so a guesser learns
//! nothing from the answer. The price of the account-wide ceiling is that a distributed guesser
//! can lock an account's sign-in for the rest of a window; the ceiling is set well above what
//! an account's desktops ever fail legitimately.

use std::net::{Ipv4Addr, Ipv6Addr};

use crate::ApiError;

/// How many attempts the windows allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// Failed attempts allowed per client per window; the next attempt is refused.
    pub max_failures: u32,
    /// Failed attempts allowed per account per window, across every client.
    pub account_max_failures: u32,
    /// Window length in seconds, counted from the window's first attempt.
    pub window_seconds: u64,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        Self {
            max_failures: 10,
            account_max_failures: 100,
            window_seconds: 600,
        }
    }
}

/// The bucket of the account-wide window: no client address looks like it.
pub const ACCOUNT_BUCKET: &str = "*";

/// One window as the atomic increment returned it, this attempt included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureWindow {
    /// Unix seconds of the window's first attempt.
    pub started_at: u64,
    /// Attempts counted in it, this one included (right ones are given back).
    pub failures: u32,
}

impl ThrottlePolicy {
    /// Whether the attempt just counted may be judged: both windows within their limits.
    /// Otherwise `429` with the seconds until the fuller window closes.
    pub fn admit(
        &self,
        client: FailureWindow,
        account: Option<FailureWindow>,
        now: u64,
    ) -> Result<(), ApiError> {
        let over = |w: FailureWindow, max: u32| {
            let closes_at = w.started_at.saturating_add(self.window_seconds);
            (w.failures > max && now < closes_at).then(|| (closes_at - now).max(1))
        };
        let retry_after = [
            over(client, self.max_failures),
            account.and_then(|a| over(a, self.account_max_failures)),
        ]
        .into_iter()
        .flatten()
        .max();
        match retry_after {
            Some(retry_after) => Err(ApiError::TooManyAttempts { retry_after }),
            None => Ok(()),
        }
    }
}

/// The throttle's bucket for a client address: an IPv4 address as is, an IPv6 address as its
/// /64 (`2001:db8:1:2::/64`), since one subscriber is handed a whole /64 and could otherwise
/// rotate through 2^64 buckets. An IPv4-mapped IPv6 address is its IPv4 address. Anything that
/// is not an address (a missing header, locally) is one shared bucket.
pub fn client_bucket(address: &str) -> String {
    let address = address.trim();
    if let Ok(v4) = address.parse::<Ipv4Addr>() {
        return v4.to_string();
    }
    match address.parse::<Ipv6Addr>() {
        Ok(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let [a, b, c, d, ..] = v6.segments();
                let prefix = Ipv6Addr::new(a, b, c, d, 0, 0, 0, 0);
                format!("{prefix}/64")
            }
        },
        Err(_) => "unknown".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: ThrottlePolicy = ThrottlePolicy {
        max_failures: 3,
        account_max_failures: 5,
        window_seconds: 60,
    };

    fn w(started_at: u64, failures: u32) -> FailureWindow {
        FailureWindow {
            started_at,
            failures,
        }
    }

    #[test]
    fn an_attempt_is_judged_only_while_both_windows_are_within_their_limits() {
        let cases = [
            (w(1000, 1), w(1000, 1), 1000, None),
            (w(1000, 3), w(1000, 3), 1010, None),
            (w(1000, 4), w(1000, 4), 1010, Some(50)),
            (w(1000, 2), w(990, 6), 1010, Some(40)),
            (w(1000, 40), w(1000, 4), 1059, Some(1)),
            (w(1000, 4), w(1000, 9), 1060, None),
        ];
        for (client, account, now, want) in cases {
            let got = P
                .admit(client, Some(account), now)
                .err()
                .and_then(|e| e.retry_after());
            assert_eq!(got, want, "{client:?} {account:?} at {now}");
        }
    }

    #[test]
    fn the_limit_is_exact_whatever_the_burst() {
        // Sixty parallel attempts see the counts 1..=60 from the atomic increment: exactly
        // `max_failures` of them are judged.
        let judged = (1..=60)
            .filter(|n| P.admit(w(1000, *n), Some(w(1000, 1)), 1000).is_ok())
            .count();
        assert_eq!(judged, P.max_failures as usize);
    }

    #[test]
    fn a_client_over_its_own_limit_is_refused_without_an_account_count() {
        let got = P
            .admit(w(1000, 4), None, 1010)
            .err()
            .and_then(|e| e.retry_after());
        assert_eq!(got, Some(50));
    }

    #[test]
    fn ipv6_clients_share_their_64_and_ipv4_stays_whole() {
        let cases = [
            ("192.0.2.7", "192.0.2.7"),
            (" 192.0.2.7 ", "192.0.2.7"),
            ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
            ("2001:db8:1:2:ffff::1", "2001:db8:1:2::/64"),
            ("2001:DB8:1:2::9", "2001:db8:1:2::/64"),
            ("::ffff:192.0.2.7", "192.0.2.7"),
            ("", "unknown"),
            ("not-an-ip", "unknown"),
            ("*", "unknown"),
        ];
        for (address, bucket) in cases {
            assert_eq!(client_bucket(address), bucket, "{address:?}");
        }
        assert_ne!(
            client_bucket("2001:db8:1:2::1"),
            client_bucket("2001:db8:1:3::1")
        );
    }
}
