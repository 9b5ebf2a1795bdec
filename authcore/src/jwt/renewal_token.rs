//! TEMP (the lead's server renewal replaces this): the renewal token of a cookie-less widget.
//! Bound to one session, it lives as long as the session and is refused everywhere but
//! `POST /apis/admin/session/renew` (its `aud` is no other kind's).

use serde::{Deserialize, Serialize};

use super::{issue, verify, Envelope, Expected, IssuedClaims, SigningKey, TokenError};
use crate::ApiError;

/// The `aud` of renewal tokens.
pub const AUDIENCE: &str = "deskgate-renewal";

/// The claims of a renewal token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenewalClaims {
    /// `https://<account>.<BASE_DOMAIN>`.
    pub iss: String,
    /// Always [`AUDIENCE`].
    pub aud: String,
    /// The account.
    pub acc: String,
    /// The session it renews.
    pub sid: String,
    /// Issued at (unix seconds).
    pub iat: u64,
    /// The session's end (unix seconds).
    pub exp: u64,
}

impl IssuedClaims for RenewalClaims {
    const AUDIENCE: &'static str = AUDIENCE;

    fn max_lifetime(&self) -> u64 {
        // As long as the session; the session's own end is checked where it is looked up.
        u64::MAX
    }

    fn envelope(&self) -> Envelope<'_> {
        Envelope {
            iss: &self.iss,
            aud: &self.aud,
            acc: &self.acc,
            iat: self.iat,
            exp: self.exp,
        }
    }
}

/// Signs renewal claims.
pub fn sign_renewal(claims: &RenewalClaims, key: &SigningKey) -> Result<String, ApiError> {
    issue(claims, key)
}

/// Verifies a renewal token completely.
pub fn verify_renewal(
    token: &str,
    key: &SigningKey,
    expected: &Expected,
    now: u64,
) -> Result<RenewalClaims, TokenError> {
    verify(token, key, expected, now)
}
