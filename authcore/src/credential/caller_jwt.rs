//! JWTs signed by a service's caller with one of its JWT credentials (SPEC §4, seed 004).
//!
//! The caller signs HS256 with the base64-decoded credential secret; `iss` is the service id,
//! `iat` is required, `exp` and `nbf` optional (RFC 7519 NumericDates, fractions allowed), and
//! `aud`, which deskgate does not require, may take any shape RFC 7519 allows. A token is refused
//! when older than 60 minutes, whatever its `exp` says, and before its `nbf`. The service is read from `iss` before the signature is checked
//! ([`crate::jwt::unverified_route`]), only to find which keys to try; nothing in the token is trusted until one of them verifies it.

use serde::Deserialize;

use crate::jwt::{
    check_not_before, numeric_date, verify_signature, TokenError, LEEWAY_SECONDS, TYP_JWT,
};

/// The oldest a caller JWT may be, in seconds after its `iat`.
pub const MAX_AGE_SECONDS: u64 = 3600;

/// The claims deskgate reads from a caller JWT.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CallerClaims {
    /// The service id.
    pub iss: String,
    /// Issued at (unix seconds).
    #[serde(with = "numeric_date")]
    pub iat: u64,
    /// Expires at (unix seconds), when the caller set one.
    #[serde(default, with = "numeric_date::option")]
    pub exp: Option<u64>,
    /// Not valid before (unix seconds), when the caller set one.
    #[serde(default, with = "numeric_date::option")]
    pub nbf: Option<u64>,
}

/// Verifies a caller JWT against the service's active JWT secrets (each tried in turn) and the
/// time rules.
pub fn verify_caller_jwt(
    token: &str,
    service_id: &str,
    keys: &[[u8; 32]],
    now: u64,
) -> Result<CallerClaims, TokenError> {
    let mut claims = None;
    for key in keys {
        match verify_signature::<CallerClaims>(token, key, TYP_JWT) {
            Ok(c) => {
                claims = Some(c);
                break;
            }
            Err(TokenError::BadSignature) => continue,
            Err(e) => return Err(e),
        }
    }
    let claims = claims.ok_or(TokenError::BadSignature)?;
    if claims.iss != service_id {
        return Err(TokenError::WrongAudience);
    }
    if claims.iat > now.saturating_add(LEEWAY_SECONDS) {
        return Err(TokenError::IssuedInFuture);
    }
    check_not_before(claims.nbf, now)?;
    if now.saturating_sub(claims.iat) > MAX_AGE_SECONDS + LEEWAY_SECONDS {
        return Err(TokenError::TooOld);
    }
    if let Some(exp) = claims.exp {
        if exp <= claims.iat {
            return Err(TokenError::LifetimeNotAllowed);
        }
        if now >= exp.saturating_add(LEEWAY_SECONDS) {
            return Err(TokenError::Expired);
        }
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    use base64::Engine;
    use hmac::{Hmac, Mac};
    use sha2::Sha256;

    use super::*;

    const NOW: u64 = 1_700_000_000;
    const SECRET_B64: &str = "c2VjcmV0LWJ5dGVzLWZvci1hLWp3dC1jcmVkZW50aWFsIQ==";

    fn key() -> [u8; 32] {
        let mut k = [0; 32];
        k.copy_from_slice(&STANDARD.decode(SECRET_B64).unwrap()[..32]);
        k
    }

    fn sign(header: &str, payload: &str, key: &[u8]) -> String {
        let h = URL_SAFE_NO_PAD.encode(header);
        let p = URL_SAFE_NO_PAD.encode(payload);
        let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
        mac.update(format!("{h}.{p}").as_bytes());
        format!(
            "{h}.{p}.{}",
            URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
        )
    }

    const HS256: &str = r#"{"alg":"HS256","typ":"JWT"}"#;

    fn claims(iat: u64, exp: Option<u64>) -> String {
        match exp {
            Some(exp) => format!(r#"{{"iss":"svc_1","iat":{iat},"exp":{exp}}}"#),
            None => format!(r#"{{"iss":"svc_1","iat":{iat}}}"#),
        }
    }

    #[test]
    fn a_token_signed_with_the_decoded_secret_is_accepted_with_or_without_exp() {
        for exp in [None, Some(NOW + 600)] {
            let token = sign(HS256, &claims(NOW - 10, exp), &key());
            assert_eq!(
                crate::jwt::unverified_route(&token).map(|r| r.0),
                Ok("svc_1".into())
            );
            let got = verify_caller_jwt(&token, "svc_1", &[key()], NOW);
            assert_eq!(got.map(|c| c.iss), Ok("svc_1".into()));
        }
    }

    #[test]
    fn rfc_7519_shapes_are_accepted_fractional_times_and_an_audience_array() {
        let cases = [
            format!(r#"{{"iss":"svc_1","iat":{}.75}}"#, NOW - 10),
            format!(
                r#"{{"iss":"svc_1","iat":{},"exp":{}.5}}"#,
                NOW - 10,
                NOW + 60
            ),
            format!(r#"{{"iss":"svc_1","iat":{},"aud":["a","b"]}}"#, NOW),
            format!(r#"{{"iss":"svc_1","iat":{},"aud":"x"}}"#, NOW),
            format!(r#"{{"iss":"svc_1","iat":{},"nbf":{}}}"#, NOW, NOW - 5),
        ];
        for payload in cases {
            let token = sign(HS256, &payload, &key());
            assert_eq!(
                crate::jwt::unverified_route(&token).map(|r| r.0),
                Ok("svc_1".into()),
                "{payload}"
            );
            assert!(
                verify_caller_jwt(&token, "svc_1", &[key()], NOW).is_ok(),
                "{payload}"
            );
        }
    }

    #[test]
    fn either_of_two_active_secrets_verifies() {
        let token = sign(HS256, &claims(NOW, None), &key());
        assert!(verify_caller_jwt(&token, "svc_1", &[[1; 32], key()], NOW).is_ok());
    }

    #[test]
    fn caller_tokens_are_refused_for_every_reason_the_spec_lists() {
        let k = key();
        let none = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#),
            URL_SAFE_NO_PAD.encode(claims(NOW, None))
        );
        let cases: Vec<(&str, String, TokenError)> = vec![
            (
                "expired",
                sign(HS256, &claims(NOW - 100, Some(NOW - 31)), &k),
                TokenError::Expired,
            ),
            (
                "older than 60 minutes",
                sign(HS256, &claims(NOW - 3631, None), &k),
                TokenError::TooOld,
            ),
            (
                "older than 60 minutes despite a later exp",
                sign(HS256, &claims(NOW - 3700, Some(NOW + 600)), &k),
                TokenError::TooOld,
            ),
            (
                "issued in the future",
                sign(HS256, &claims(NOW + 31, None), &k),
                TokenError::IssuedInFuture,
            ),
            (
                "exp before iat",
                sign(HS256, &claims(NOW, Some(NOW - 1)), &k),
                TokenError::LifetimeNotAllowed,
            ),
            (
                "another service",
                sign(HS256, r#"{"iss":"svc_2","iat":1700000000}"#, &k),
                TokenError::WrongAudience,
            ),
            ("alg none", none, TokenError::UnsupportedAlgorithm),
            (
                "alg HS512",
                sign(r#"{"alg":"HS512"}"#, &claims(NOW, None), &k),
                TokenError::UnsupportedAlgorithm,
            ),
            (
                "bad signature",
                sign(HS256, &claims(NOW, None), &[2; 32]),
                TokenError::BadSignature,
            ),
            (
                "secret not base64-decoded",
                sign(HS256, &claims(NOW, None), SECRET_B64.as_bytes()),
                TokenError::BadSignature,
            ),
            (
                "no iat",
                sign(HS256, r#"{"iss":"svc_1"}"#, &k),
                TokenError::Malformed,
            ),
            (
                "negative iat",
                sign(HS256, r#"{"iss":"svc_1","iat":-5}"#, &k),
                TokenError::Malformed,
            ),
            (
                "iat a string",
                sign(HS256, r#"{"iss":"svc_1","iat":"1700000000"}"#, &k),
                TokenError::Malformed,
            ),
            (
                "not valid before a future nbf",
                sign(
                    HS256,
                    &format!(r#"{{"iss":"svc_1","iat":{NOW},"nbf":{}}}"#, NOW + 31),
                    &k,
                ),
                TokenError::NotYetValid,
            ),
            (
                "jku header",
                sign(
                    r#"{"alg":"HS256","jku":"https://evil"}"#,
                    &claims(NOW, None),
                    &k,
                ),
                TokenError::RefusedHeader,
            ),
        ];
        for (what, token, want) in cases {
            assert_eq!(
                verify_caller_jwt(&token, "svc_1", &[k], NOW),
                Err(want),
                "{what}"
            );
        }
    }

    #[test]
    fn no_active_secret_means_no_token_verifies() {
        let token = sign(HS256, &claims(NOW, None), &key());
        assert_eq!(
            verify_caller_jwt(&token, "svc_1", &[], NOW),
            Err(TokenError::BadSignature)
        );
    }
}
