//! The session JWT (SPEC "Session JWT"): what it claims, how it is signed, and everything that
//! makes a verifier refuse it.

use serde::{Deserialize, Serialize};

use super::{
    issue, verify, Envelope, Expected, IssuedClaims, SigningKey, TokenError, VerifyingKeys,
};
use crate::ApiError;

/// The `aud` of every session JWT.
pub const AUDIENCE: &str = "deskgate";
/// The longest a session JWT may live, in seconds.
pub const MAX_LIFETIME_SECONDS: u64 = 3600;

/// The claims of a session JWT.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionClaims {
    /// `https://<account>.<BASE_DOMAIN>`.
    pub iss: String,
    /// Always [`AUDIENCE`].
    pub aud: String,
    /// The agent id.
    pub sub: String,
    /// The agent's display name.
    pub name: String,
    /// The account.
    pub acc: String,
    /// `agent` or `owner`.
    pub role: String,
    /// The platform.
    pub plat: String,
    /// The server-side session this token belongs to; revoking it revokes the token.
    pub sid: String,
    /// How the session was made: `["api_key"]`, `["launch"]` or `["password"]` (SPEC §6).
    pub amr: Vec<String>,
    /// This token's unique id.
    pub jti: String,
    /// Issued at (unix seconds).
    pub iat: u64,
    /// Expires at (unix seconds).
    pub exp: u64,
}

impl IssuedClaims for SessionClaims {
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

/// Signs session claims; refuses claims that the verifier would refuse.
pub fn sign_session(claims: &SessionClaims, key: &SigningKey) -> Result<String, ApiError> {
    issue(claims, key)
}

/// Verifies a session JWT completely: header policy, signature, issuer, audience, account, times.
pub fn verify_session(
    token: &str,
    keys: &impl VerifyingKeys,
    expected: &Expected,
    now: u64,
) -> Result<SessionClaims, TokenError> {
    verify(token, keys, expected, now)
}

#[cfg(test)]
mod tests {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    use hmac::{Hmac, Mac};
    use sha2::Sha256;

    use super::*;
    use crate::jwt::test_fixtures::{expected, key, ISSUER, KEY, NOW};
    use crate::jwt::{verify_signature, TYP_JWT};

    fn claims() -> SessionClaims {
        SessionClaims {
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            sub: "1".into(),
            name: "Test".into(),
            acc: "acme".into(),
            role: "agent".into(),
            plat: "liveengage".into(),
            sid: "s1".into(),
            amr: vec!["api_key".into()],
            jti: "j1".into(),
            iat: NOW,
            exp: NOW + 3600,
        }
    }

    /// Builds a token by hand, so tests can forge what `sign` would never produce.
    fn forge(header: &str, payload: &str, key: &[u8]) -> String {
        let h = URL_SAFE_NO_PAD.encode(header);
        let p = URL_SAFE_NO_PAD.encode(payload);
        let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
        mac.update(format!("{h}.{p}").as_bytes());
        let s = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        format!("{h}.{p}.{s}")
    }

    fn header_with(extra: &str) -> String {
        format!(
            r#"{{"alg":"HS256","typ":"JWT","kid":"{}"{extra}}}"#,
            key().kid()
        )
    }

    fn payload() -> String {
        serde_json::to_string(&claims()).unwrap()
    }

    #[test]
    fn a_signed_token_verifies_and_round_trips_its_claims() {
        let token = sign_session(&claims(), &key()).unwrap();
        assert_eq!(
            verify_session(&token, &key(), &expected(), NOW),
            Ok(claims())
        );
    }

    #[test]
    fn signing_matches_a_known_answer_vector() {
        // The same header and payload signed by hand with RFC 7515's HMAC-SHA256 recipe: the
        // crate must produce exactly these bytes.
        let token = sign_session(&claims(), &key()).unwrap();
        let header = format!(r#"{{"typ":"JWT","alg":"HS256","kid":"{}"}}"#, key().kid());
        assert_eq!(token, forge(&header, &payload(), KEY.as_bytes()));
    }

    #[test]
    fn a_token_signed_with_another_header_order_verifies() {
        // Other libraries order header members differently (PyJWT: alg, kid, typ); the
        // verifier must not care, because the signature covers the bytes as sent.
        let kid = key().kid().to_owned();
        let header = format!(r#"{{"alg":"HS256","kid":"{kid}","typ":"JWT"}}"#);
        let token = forge(&header, &payload(), KEY.as_bytes());
        assert!(verify_session(&token, &key(), &expected(), NOW + 10).is_ok());
    }

    #[test]
    fn the_rfc_7515_appendix_a1_token_has_a_valid_hs256_signature() {
        // RFC 7515 Appendix A.1: the published HS256 example, verified with the published key.
        let token = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let key = URL_SAFE_NO_PAD
            .decode("AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow")
            .unwrap();
        let claims: serde_json::Value = verify_signature(token, &key, TYP_JWT).unwrap();
        assert_eq!(claims["iss"], "joe");
        let tampered = token.replace(".dBjftJeZ", ".eBjftJeZ");
        assert_eq!(
            verify_signature::<serde_json::Value>(&tampered, &key, TYP_JWT),
            Err(TokenError::BadSignature)
        );
    }

    #[test]
    fn tokens_are_refused_for_every_reason_the_spec_lists() {
        let good = payload();
        let k = KEY.as_bytes();
        let with = |f: &dyn Fn(&mut SessionClaims)| {
            let mut c = claims();
            f(&mut c);
            serde_json::to_string(&c).unwrap()
        };
        let none = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
            URL_SAFE_NO_PAD.encode(&good)
        );
        let cases: Vec<(&str, String, TokenError)> = vec![
            ("alg none, unsigned", none, TokenError::UnsupportedAlgorithm),
            (
                "alg none, signed",
                forge(r#"{"alg":"none"}"#, &good, k),
                TokenError::UnsupportedAlgorithm,
            ),
            (
                "alg HS384",
                forge(r#"{"alg":"HS384"}"#, &good, k),
                TokenError::UnsupportedAlgorithm,
            ),
            (
                "alg RS256",
                forge(r#"{"alg":"RS256"}"#, &good, k),
                TokenError::UnsupportedAlgorithm,
            ),
            (
                "alg hs256",
                forge(r#"{"alg":"hs256"}"#, &good, k),
                TokenError::UnsupportedAlgorithm,
            ),
            (
                "crit",
                forge(&header_with(r#","crit":["exp"]"#), &good, k),
                TokenError::RefusedHeader,
            ),
            (
                "crit null",
                forge(&header_with(r#","crit":null"#), &good, k),
                TokenError::RefusedHeader,
            ),
            (
                "alg given twice",
                forge(&header_with(r#","alg":"none""#), &good, k),
                TokenError::Malformed,
            ),
            (
                "jku",
                forge(&header_with(r#","jku":"https://evil/k""#), &good, k),
                TokenError::RefusedHeader,
            ),
            (
                "jwk",
                forge(&header_with(r#","jwk":{"kty":"oct","k":"AA"}"#), &good, k),
                TokenError::RefusedHeader,
            ),
            (
                "x5u",
                forge(&header_with(r#","x5u":"https://evil/c""#), &good, k),
                TokenError::RefusedHeader,
            ),
            (
                "x5c",
                forge(&header_with(r#","x5c":["AA"]"#), &good, k),
                TokenError::RefusedHeader,
            ),
            (
                "no kid",
                forge(r#"{"alg":"HS256"}"#, &good, k),
                TokenError::UnknownKey,
            ),
            (
                "other kid",
                forge(
                    r#"{"alg":"HS256","kid":"hs256-0000000000000000"}"#,
                    &good,
                    k,
                ),
                TokenError::UnknownKey,
            ),
            (
                "typ JOSE+JSON",
                forge(
                    &format!(
                        r#"{{"alg":"HS256","typ":"JOSE+JSON","kid":"{}"}}"#,
                        key().kid()
                    ),
                    &good,
                    k,
                ),
                TokenError::WrongType,
            ),
            (
                "other key",
                forge(
                    &header_with(""),
                    &good,
                    b"another-signing-key-of-32-bytes!!!!",
                ),
                TokenError::BadSignature,
            ),
            (
                "other account",
                forge(&header_with(""), &with(&|c| c.acc = "globex".into()), k),
                TokenError::WrongAudience,
            ),
            (
                "other issuer",
                forge(
                    &header_with(""),
                    &with(&|c| c.iss = "https://globex.deskgate.example".into()),
                    k,
                ),
                TokenError::WrongAudience,
            ),
            (
                "other audience",
                forge(&header_with(""), &with(&|c| c.aud = "other".into()), k),
                TokenError::WrongAudience,
            ),
            (
                "expired",
                forge(
                    &header_with(""),
                    &with(&|c| {
                        c.iat = NOW - 3000;
                        c.exp = NOW - 31;
                    }),
                    k,
                ),
                TokenError::Expired,
            ),
            (
                "issued in the future",
                forge(
                    &header_with(""),
                    &with(&|c| {
                        c.iat = NOW + 60;
                        c.exp = NOW + 600;
                    }),
                    k,
                ),
                TokenError::IssuedInFuture,
            ),
            (
                "lives too long",
                forge(&header_with(""), &with(&|c| c.exp = NOW + 3601), k),
                TokenError::LifetimeNotAllowed,
            ),
            (
                "missing claim",
                forge(
                    &header_with(""),
                    r#"{"iss":"https://acme.deskgate.example"}"#,
                    k,
                ),
                TokenError::Malformed,
            ),
            ("two parts", "a.b".into(), TokenError::Malformed),
            (
                "four parts",
                format!("{}.x", forge(&header_with(""), &with(&|_| {}), k)),
                TokenError::Malformed,
            ),
            ("garbage", "!!!.???.***".into(), TokenError::Malformed),
            (
                "huge",
                format!("{}.{}.x", "a".repeat(4096), "b"),
                TokenError::Malformed,
            ),
        ];
        for (what, token, want) in cases {
            assert_eq!(
                verify_session(&token, &key(), &expected(), NOW),
                Err(want),
                "{what}"
            );
        }
    }

    #[test]
    fn a_token_with_a_tampered_payload_is_refused() {
        let token = sign_session(&claims(), &key()).unwrap();
        let mut parts: Vec<&str> = token.split('.').collect();
        let mut c = claims();
        c.role = "owner".into();
        let forged = URL_SAFE_NO_PAD.encode(serde_json::to_string(&c).unwrap());
        parts[1] = &forged;
        assert_eq!(
            verify_session(&parts.join("."), &key(), &expected(), NOW),
            Err(TokenError::BadSignature)
        );
    }

    #[test]
    fn claims_that_would_be_refused_are_never_signed() {
        let mut c = claims();
        c.exp = c.iat + 3601;
        assert_eq!(sign_session(&c, &key()), Err(ApiError::Internal));
    }
}
