//! OAuth2 access tokens (SPEC §2): JWTs in the shape of RFC 9068 (`typ` `at+jwt`), issued by
//! the client-credentials grant and the Basic login for one hour, or minted by the owner as a
//! 24-hour testing token (seed 003). Every token is also recorded server-side, so it can be
//! revoked (RFC 7009) and introspected (RFC 7662); the JWT alone never suffices.

use serde::{Deserialize, Serialize};

use super::{
    issue, verify, Envelope, Expected, IssuedClaims, SigningKey, TokenError, VerifyingKeys,
};
use crate::ApiError;

/// The `typ` header of access tokens (RFC 9068 §2.1).
pub const ACCESS_TYP: &str = "at+jwt";
/// The `aud` of access tokens: deskgate's own API and gateway.
pub const AUDIENCE: &str = "deskgate-api";
/// How long a client-credentials token lives, in seconds.
pub const TTL_SECONDS: u64 = 3600;
/// How long a testing token lives, in seconds (seed 003: 24 hours).
pub const TESTING_TTL_SECONDS: u64 = 24 * 3600;

/// The claims of an access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    /// `https://<account>.<BASE_DOMAIN>`.
    pub iss: String,
    /// Always [`AUDIENCE`].
    pub aud: String,
    /// The service the token acts for.
    pub sub: String,
    /// The OAuth2 client: the same service id (RFC 9068 §2.2).
    pub client_id: String,
    /// The account.
    pub acc: String,
    /// Space-separated scopes granted.
    pub scope: String,
    /// This token's id, the key of its server-side record.
    pub jti: String,
    /// Issued at (unix seconds).
    pub iat: u64,
    /// Expires at (unix seconds).
    pub exp: u64,
    /// A testing token minted by the owner for API tools, never for code (seed 003).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub testing: bool,
}

impl IssuedClaims for AccessClaims {
    const TYP: &'static str = ACCESS_TYP;
    const AUDIENCE: &'static str = AUDIENCE;

    fn max_lifetime(&self) -> u64 {
        if self.testing {
            TESTING_TTL_SECONDS
        } else {
            TTL_SECONDS
        }
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

    /// RFC 9068 §2.2: for a client-credentials token the subject is the client.
    fn is_consistent(&self) -> bool {
        self.client_id == self.sub
    }
}

/// Signs access-token claims; refuses claims the verifier would refuse.
pub fn sign_access(claims: &AccessClaims, key: &SigningKey) -> Result<String, ApiError> {
    issue(claims, key)
}

/// Verifies an access token's header, signature, issuer, audience, account and times. The
/// caller still checks its server-side record (revocation).
pub fn verify_access(
    token: &str,
    keys: &impl VerifyingKeys,
    expected: &Expected,
    now: u64,
) -> Result<AccessClaims, TokenError> {
    verify(token, keys, expected, now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jwt::session_token::{sign_session, SessionClaims};
    use crate::jwt::test_fixtures::{expected, key, ISSUER, NOW};
    use crate::Account;

    fn claims() -> AccessClaims {
        AccessClaims {
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            sub: "svc_1".into(),
            client_id: "svc_1".into(),
            acc: "acme".into(),
            scope: "api.read api.write".into(),
            jti: "j".into(),
            iat: NOW,
            exp: NOW + TTL_SECONDS,
            testing: false,
        }
    }

    #[test]
    fn an_access_token_round_trips_and_says_at_jwt() {
        let token = sign_access(&claims(), &key()).unwrap();
        assert_eq!(
            verify_access(&token, &key(), &expected(), NOW + 5),
            Ok(claims())
        );
        let header = token.split('.').next().unwrap();
        assert!(String::from_utf8(
            base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, header)
                .unwrap()
        )
        .unwrap()
        .contains(r#""typ":"at+jwt""#));
    }

    #[test]
    fn a_testing_token_may_live_a_day_and_no_other_token_may() {
        let day = AccessClaims {
            exp: NOW + TESTING_TTL_SECONDS,
            testing: true,
            ..claims()
        };
        let token = sign_access(&day, &key()).unwrap();
        assert!(verify_access(&token, &key(), &expected(), NOW + 80_000).is_ok());
        let not_testing = AccessClaims {
            testing: false,
            ..day
        };
        assert_eq!(sign_access(&not_testing, &key()), Err(ApiError::Internal));
    }

    #[test]
    fn a_session_jwt_is_not_an_access_token_and_the_reverse() {
        let session = SessionClaims {
            iss: ISSUER.into(),
            aud: "deskgate".into(),
            sub: "1".into(),
            name: "A".into(),
            acc: "acme".into(),
            role: "agent".into(),
            plat: "genesys".into(),
            sid: "s".into(),
            amr: vec!["api_key".into()],
            jti: "j".into(),
            iat: NOW,
            exp: NOW + 60,
        };
        let session_token = sign_session(&session, &key()).unwrap();
        assert_eq!(
            verify_access(&session_token, &key(), &expected(), NOW),
            Err(TokenError::WrongType)
        );
        let access = sign_access(&claims(), &key()).unwrap();
        let got = crate::jwt::session_token::verify_session(&access, &key(), &expected(), NOW);
        assert_eq!(got, Err(TokenError::WrongType));
    }

    #[test]
    fn expired_and_foreign_access_tokens_are_refused() {
        let token = sign_access(&claims(), &key()).unwrap();
        assert_eq!(
            verify_access(&token, &key(), &expected(), NOW + TTL_SECONDS + 30),
            Err(TokenError::Expired)
        );
        let globex = Expected {
            account: Account::parse("globex").unwrap(),
            issuer: "https://globex.deskgate.example".into(),
        };
        assert_eq!(
            verify_access(&token, &key(), &globex, NOW),
            Err(TokenError::WrongAudience)
        );
    }
}
