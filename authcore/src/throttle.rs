//! The sign-in failure throttle (SPEC §1.4 `429`): after `max_failures` wrong keys from one
//! client for one account inside a fixed window, every attempt is refused until it closes —
//! right keys too, so a guesser learns nothing from the answer.

use crate::ApiError;

/// How many failures a window allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// Failures allowed per window; the next attempt is refused.
    pub max_failures: u32,
    /// Window length in seconds, counted from the window's first failure.
    pub window_seconds: u64,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        Self {
            max_failures: 10,
            window_seconds: 600,
        }
    }
}

/// The failures recorded for one (account, client).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureWindow {
    /// Unix seconds of the window's first failure.
    pub started_at: u64,
    /// Failures since then.
    pub failures: u32,
}

impl ThrottlePolicy {
    /// Whether an attempt may proceed now, given the recorded window.
    pub fn check(&self, window: Option<FailureWindow>, now: u64) -> Result<(), ApiError> {
        let Some(w) = window else { return Ok(()) };
        let closes_at = w.started_at.saturating_add(self.window_seconds);
        if now < closes_at && w.failures >= self.max_failures {
            return Err(ApiError::TooManyAttempts {
                retry_after: (closes_at - now).max(1),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: ThrottlePolicy = ThrottlePolicy {
        max_failures: 3,
        window_seconds: 60,
    };

    #[test]
    fn attempts_are_refused_only_while_a_full_window_is_open() {
        let w = |started_at, failures| {
            Some(FailureWindow {
                started_at,
                failures,
            })
        };
        let cases = [
            (None, 1000, None),
            (w(1000, 2), 1010, None),
            (w(1000, 3), 1010, Some(50)),
            (w(1000, 9), 1059, Some(1)),
            (w(1000, 3), 1060, None),
            (w(1000, 3), 999, Some(61)),
        ];
        for (window, now, want) in cases {
            let got = P.check(window, now).err().and_then(|e| e.retry_after());
            assert_eq!(got, want, "{window:?} at {now}");
        }
    }
}
