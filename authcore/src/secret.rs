//! Secrets as values: a redacted `Debug`, and equality only in constant time.

use std::fmt;

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// A secret string (an API key, a password, a signing key) that never prints.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret's bytes, for the one place that must use them (an HMAC key, say).
    pub fn expose(&self) -> &[u8] {
        self.0.as_bytes()
    }

    /// Whether `presented` equals this secret, in time that depends on neither value.
    ///
    /// Both sides are hashed to 32 bytes first, so neither the content nor the length of the
    /// secret leaks through timing; the digests are then compared with `subtle`.
    pub fn matches(&self, presented: &str) -> bool {
        let want = Sha256::digest(self.0.as_bytes());
        let got = Sha256::digest(presented.as_bytes());
        bool::from(want.ct_eq(&got))
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_matches_only_itself() {
        let key = Secret::new("demo-acme-key");
        assert!(key.matches("demo-acme-key"));
        for other in [
            "",
            "demo-acme-ke",
            "demo-acme-key ",
            "DEMO-ACME-KEY",
            "demo-acme-keyx",
        ] {
            assert!(!key.matches(other), "{other:?}");
        }
    }

    #[test]
    fn a_secret_never_prints() {
        let key = Secret::new("hunter2-hunter2");
        assert_eq!(format!("{key:?}"), "Secret(<redacted>)");
    }
}
