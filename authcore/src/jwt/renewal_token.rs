//! The renewal token (SPEC §1.8): what a widget without cookies holds, in memory only, to get a
//! fresh session JWT before the one it has expires, for as long as the server-side session lives.
//!
//! It is a JWT of its own kind (`typ` `renew+jwt`, `aud` `deskgate-renewal`), so it passes for no
//! other token, and `POST /apis/admin/session/renew` is the only endpoint that takes it. It names
//! the session and nothing else: every use is checked against the stored session, so signing
//! out or revoking the session ends it too, and it never outlives the session. Storage keeps
//! nothing of it.

use serde::{Deserialize, Serialize};

use super::{
    issue, verify, Envelope, Expected, IssuedClaims, SigningKey, TokenError, VerifyingKeys,
};
use crate::session::SessionRecord;
use crate::ApiError;

/// The `typ` header of renewal tokens.
pub const RENEWAL_TYP: &str = "renew+jwt";
/// The `aud` of renewal tokens.
pub const AUDIENCE: &str = "deskgate-renewal";
/// The longest a renewal token may live, in seconds: the longest session deskgate makes.
pub const MAX_LIFETIME_SECONDS: u64 = crate::session::MAX_SESSION_TTL_SECONDS;

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

impl RenewalClaims {
    /// The renewal token of `session`, ending when it ends.
    pub fn new(session: &SessionRecord, issuer: &str, now: u64) -> Self {
        Self {
            iss: issuer.to_owned(),
            aud: AUDIENCE.to_owned(),
            acc: session.account.clone(),
            sid: session.id.clone(),
            iat: now,
            exp: session.expires_at.max(now + 1),
        }
    }
}

impl IssuedClaims for RenewalClaims {
    const TYP: &'static str = RENEWAL_TYP;
    const AUDIENCE: &'static str = AUDIENCE;

    fn max_lifetime(&self) -> u64 {
        MAX_LIFETIME_SECONDS
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

/// Verifies a renewal token completely; the caller then checks its session is live.
pub fn verify_renewal(
    token: &str,
    keys: &impl VerifyingKeys,
    expected: &Expected,
    now: u64,
) -> Result<RenewalClaims, TokenError> {
    verify(token, keys, expected, now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jwt::session_token::verify_session;
    use crate::jwt::test_fixtures::{expected, key, session, ISSUER, NOW};

    #[test]
    fn a_renewal_token_names_its_session_and_ends_with_it() {
        let claims = RenewalClaims::new(&session(), ISSUER, NOW);
        let token = sign_renewal(&claims, &key()).unwrap();
        let got = verify_renewal(&token, &key(), &expected(), NOW + 8 * 3600 - 1).unwrap();
        assert_eq!((got.sid.as_str(), got.exp), ("sid", NOW + 8 * 3600));
        assert_eq!(
            verify_renewal(&token, &key(), &expected(), NOW + 8 * 3600 + 30),
            Err(TokenError::Expired)
        );
    }

    #[test]
    fn a_renewal_token_passes_for_no_session_jwt_and_no_session_jwt_for_it() {
        let renewal = sign_renewal(&RenewalClaims::new(&session(), ISSUER, NOW), &key());
        let renewal = renewal.unwrap();
        assert_eq!(
            verify_session(&renewal, &key(), &expected(), NOW),
            Err(TokenError::WrongType)
        );
        let jwt = crate::jwt::session_token::sign_session(
            &session().jwt_claims(ISSUER, "j".into(), NOW, 3600),
            &key(),
        )
        .unwrap();
        assert_eq!(
            verify_renewal(&jwt, &key(), &expected(), NOW),
            Err(TokenError::WrongType)
        );
    }
}
