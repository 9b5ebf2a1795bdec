//! Integration tokens (SPEC §3, seed 002): a 30-minute token the widget asks for on behalf of
//! the signed-in agent and one app, which the app's backend checks with `GET /v1/users/me`.
//! It names its session, so signing out ends it too.

use serde::{Deserialize, Serialize};

use super::{
    issue, verify, Envelope, Expected, IssuedClaims, SigningKey, TokenError, VerifyingKeys,
};
use crate::session::SessionRecord;
use crate::ApiError;

/// The `aud` of integration tokens.
pub const AUDIENCE: &str = "deskgate-integration";
/// How long an integration token lives, in seconds (seed 002: 30 minutes).
pub const TTL_SECONDS: u64 = 30 * 60;
/// The longest app id accepted, in bytes.
pub const MAX_APP_ID_BYTES: usize = 128;

/// The claims of an integration token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntegrationClaims {
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
    /// The agent's role.
    pub role: String,
    /// The desktop platform.
    pub plat: String,
    /// The session it was issued from.
    pub sid: String,
    /// The app the token is for.
    pub app_id: String,
    /// This token's id.
    pub jti: String,
    /// Issued at (unix seconds).
    pub iat: u64,
    /// Expires at (unix seconds).
    pub exp: u64,
}

impl IntegrationClaims {
    /// Claims for `app_id` on behalf of `session`; never outliving the session.
    pub fn new(session: &SessionRecord, issuer: &str, app_id: &str, jti: String, now: u64) -> Self {
        Self {
            iss: issuer.to_owned(),
            aud: AUDIENCE.to_owned(),
            sub: session.subject.clone(),
            name: session.name.clone(),
            acc: session.account.clone(),
            role: session.role.clone(),
            plat: session.platform.clone(),
            sid: session.id.clone(),
            app_id: app_id.to_owned(),
            jti,
            iat: now,
            exp: now
                + TTL_SECONDS
                    .min(session.expires_at.saturating_sub(now))
                    .max(1),
        }
    }
}

/// The app id of `POST /apis/admin/session/integration-token` `{"app_id"}`:
/// `[A-Za-z0-9._:-]`, 1 to [`MAX_APP_ID_BYTES`] bytes.
pub fn parse_integration_token_request(body: &[u8]) -> Result<String, ApiError> {
    #[derive(Deserialize)]
    struct Raw {
        app_id: Option<String>,
    }
    let raw: Raw = crate::input::json_object(body, "app_id")?;
    let id = raw.app_id.unwrap_or_default();
    let ok = !id.is_empty()
        && id.len() <= MAX_APP_ID_BYTES
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'));
    if ok {
        Ok(id)
    } else {
        Err(ApiError::InvalidRequest(format!(
            "the field app_id must be 1 to {MAX_APP_ID_BYTES} letters, digits or . _ : -"
        )))
    }
}

impl IssuedClaims for IntegrationClaims {
    const AUDIENCE: &'static str = AUDIENCE;

    fn max_lifetime(&self) -> u64 {
        TTL_SECONDS
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

/// Signs integration claims.
pub fn sign_integration(claims: &IntegrationClaims, key: &SigningKey) -> Result<String, ApiError> {
    issue(claims, key)
}

/// Verifies an integration token; the caller still checks that its session lives.
pub fn verify_integration(
    token: &str,
    keys: &impl VerifyingKeys,
    expected: &Expected,
    now: u64,
) -> Result<IntegrationClaims, TokenError> {
    verify(token, keys, expected, now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jwt::test_fixtures::{expected, key, session, ISSUER, NOW};
    use crate::jwt::{sign, TYP_JWT};

    #[test]
    fn an_integration_token_lives_30_minutes_and_names_agent_app_and_session() {
        let claims = IntegrationClaims::new(&session(), ISSUER, "crm.app", "j".into(), NOW);
        assert_eq!(claims.exp - claims.iat, 1800);
        let token = sign_integration(&claims, &key()).unwrap();
        let got = verify_integration(&token, &key(), &expected(), NOW + 1799).unwrap();
        assert_eq!(
            (got.sub.as_str(), got.app_id.as_str(), got.sid.as_str()),
            ("7", "crm.app", "sid")
        );
        assert_eq!(
            verify_integration(&token, &key(), &expected(), NOW + 1830),
            Err(TokenError::Expired)
        );
    }

    #[test]
    fn an_integration_token_never_outlives_its_session() {
        let short = SessionRecord {
            expires_at: NOW + 60,
            ..session()
        };
        let claims = IntegrationClaims::new(&short, ISSUER, "a", "j".into(), NOW);
        assert_eq!(claims.exp, NOW + 60);
    }

    #[test]
    fn app_ids_are_short_and_plain() {
        let body = |id: &str| serde_json::json!({ "app_id": id }).to_string();
        for ok in ["crm", "com.example.crm:v2", &"a".repeat(128)] {
            let got = parse_integration_token_request(body(ok).as_bytes());
            assert_eq!(got.as_deref(), Ok(ok));
        }
        for bad in ["", "a b", "<script>", &"a".repeat(129), "é"] {
            assert!(
                parse_integration_token_request(body(bad).as_bytes()).is_err(),
                "{bad}"
            );
        }
        for bad in [
            "{}",
            "[]",
            "null",
            r#"{"app_id":7}"#,
            r#"{"app_id":"a","app_id":"b"}"#,
        ] {
            assert!(
                matches!(
                    parse_integration_token_request(bad.as_bytes()),
                    Err(ApiError::InvalidRequest(_))
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_session_jwt_is_not_an_integration_token() {
        let claims = IntegrationClaims::new(&session(), ISSUER, "crm", "j".into(), NOW);
        let mut json = serde_json::to_value(&claims).unwrap();
        json["aud"] = "deskgate".into();
        let forged = sign(&json, &key(), TYP_JWT).unwrap();
        assert_eq!(
            verify_integration(&forged, &key(), &expected(), NOW),
            Err(TokenError::WrongAudience)
        );
    }
}
