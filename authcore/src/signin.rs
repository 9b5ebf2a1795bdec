//! The API-key sign-in request (SPEC §1.4): what a valid body looks like and how each kind of bad
//! body is refused. Nothing here can make a session anything but role `agent`.

use serde::Deserialize;

use crate::input::{required_field, MAX_BODY_BYTES};
use crate::secret::Secret;
use crate::{ApiError, Platform};

/// The only role an API-key session can have (seed 000: the key is shared by every agent, so it
/// must never grant more than an agent's rights).
pub const API_KEY_ROLE: &str = "agent";

/// A sign-in request that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInRequest {
    /// The key as presented; compare it only with [`crate::secret::Secret::matches`].
    pub api_key: String,
    /// The agent id given by the desktop.
    pub agent_id: String,
    /// The agent's display name.
    pub agent_name: String,
    /// The desktop the widget runs in.
    pub platform: Platform,
}

#[derive(Deserialize)]
struct RawSignIn {
    #[serde(alias = "apikey")]
    api_key: Option<String>,
    agent_id: Option<String>,
    agent_name: Option<String>,
    platform: Option<String>,
}

/// Parses and validates a sign-in body already known to be JSON and at most [`MAX_BODY_BYTES`].
pub fn parse_sign_in(body: &[u8]) -> Result<SignInRequest, ApiError> {
    if body.len() > MAX_BODY_BYTES {
        return Err(ApiError::PayloadTooLarge);
    }
    let raw: RawSignIn = crate::input::json_object(
        body,
        "string fields api_key, agent_id, agent_name and platform",
    )?;
    let api_key = required_field("api_key", raw.api_key)?;
    let agent_id = required_field("agent_id", raw.agent_id)?;
    let agent_name = required_field("agent_name", raw.agent_name)?;
    let platform = required_field("platform", raw.platform)?;
    let platform = Platform::parse(&platform).map_err(|_| {
        ApiError::InvalidRequest("the field platform must be liveengage or genesys".into())
    })?;
    Ok(SignInRequest {
        api_key,
        agent_id,
        agent_name,
        platform,
    })
}

/// Which of the account's widget keys a sign-in presented (SPEC §8: the previous key is still
/// accepted during a rotation, and its sign-ins are marked so the owner sees when it is unused).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WidgetKey {
    /// `<account>_integration_api_key`.
    Current,
    /// `<account>_integration_api_key_previous`.
    Previous,
}

impl WidgetKey {
    /// What a sign-in's audit detail adds about the key: only the previous key is marked.
    pub fn audit_note(self) -> Option<&'static str> {
        match self {
            Self::Current => None,
            Self::Previous => Some("key=previous"),
        }
    }
}

/// Judges a presented widget key against the account's current key and, during a rotation, its
/// previous one. Both are compared in constant time, always, before either verdict is used, so
/// the time taken says nothing about which matched. Without a current key the account does not
/// exist, and a previous key alone admits nobody.
pub fn check_api_key(
    current: Option<&Secret>,
    previous: Option<&Secret>,
    presented: &str,
) -> Result<WidgetKey, ApiError> {
    let Some(current) = current else {
        return Err(ApiError::InvalidApiKey);
    };
    let is_current = current.matches(presented);
    let is_previous = previous.is_some_and(|p| p.matches(presented));
    match (is_current, is_previous) {
        (true, _) => Ok(WidgetKey::Current),
        (false, true) => Ok(WidgetKey::Previous),
        (false, false) => Err(ApiError::InvalidApiKey),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::MAX_FIELD_BYTES;

    #[test]
    fn the_previous_widget_key_is_accepted_and_marked_until_it_is_removed() {
        let (new, old) = (Secret::new("new-key"), Secret::new("old-key"));
        let during = |k| check_api_key(Some(&new), Some(&old), k);
        assert_eq!(during("new-key"), Ok(WidgetKey::Current));
        assert_eq!(during("old-key"), Ok(WidgetKey::Previous));
        assert_eq!(during("other"), Err(ApiError::InvalidApiKey));
        assert_eq!(
            check_api_key(Some(&new), None, "old-key"),
            Err(ApiError::InvalidApiKey)
        );
        assert_eq!(WidgetKey::Previous.audit_note(), Some("key=previous"));
        assert_eq!(WidgetKey::Current.audit_note(), None);
    }

    #[test]
    fn a_previous_key_alone_makes_no_account() {
        let old = Secret::new("old-key");
        assert_eq!(
            check_api_key(None, Some(&old), "old-key"),
            Err(ApiError::InvalidApiKey)
        );
    }

    fn invalid(body: &str) -> bool {
        matches!(
            parse_sign_in(body.as_bytes()),
            Err(ApiError::InvalidRequest(_))
        )
    }

    #[test]
    fn a_complete_body_parses_and_apikey_is_an_alias_of_api_key() {
        for key_field in ["api_key", "apikey"] {
            let body = format!(
                r#"{{"{key_field}":"k","agent_id":"7","agent_name":"Ann","platform":"genesys"}}"#
            );
            let req = parse_sign_in(body.as_bytes());
            assert_eq!(
                req,
                Ok(SignInRequest {
                    api_key: "k".into(),
                    agent_id: "7".into(),
                    agent_name: "Ann".into(),
                    platform: Platform::Genesys,
                })
            );
        }
    }

    #[test]
    fn a_role_in_the_body_is_ignored_not_honoured() {
        let body = r#"{"api_key":"k","agent_id":"7","agent_name":"Ann","platform":"liveengage","role":"owner"}"#;
        assert!(parse_sign_in(body.as_bytes()).is_ok());
        assert_eq!(API_KEY_ROLE, "agent");
    }

    #[test]
    fn bad_bodies_are_invalid_requests() {
        let long = "x".repeat(MAX_FIELD_BYTES + 1);
        let cases = [
            "".to_string(),
            "not json".into(),
            "[]".into(),
            "null".into(),
            r#"{"agent_id":"7","agent_name":"Ann","platform":"liveengage"}"#.into(),
            r#"{"api_key":"","agent_id":"7","agent_name":"Ann","platform":"liveengage"}"#.into(),
            r#"{"api_key":"k","agent_id":"  ","agent_name":"Ann","platform":"liveengage"}"#.into(),
            r#"{"api_key":"k","agent_id":7,"agent_name":"Ann","platform":"liveengage"}"#.into(),
            r#"{"api_key":"k","agent_id":"7","agent_name":null,"platform":"liveengage"}"#.into(),
            r#"{"api_key":"k","agent_id":"7","agent_name":"Ann","platform":"salesforce"}"#.into(),
            r#"{"api_key":"k","apikey":"k","agent_id":"7","agent_name":"Ann","platform":"genesys"}"#.into(),
            r#"{"api_key":"k","agent_id":"7\n8","agent_name":"Ann","platform":"genesys"}"#.into(),
            format!(r#"{{"api_key":"k","agent_id":"7","agent_name":"{long}","platform":"genesys"}}"#),
        ];
        for body in &cases {
            assert!(invalid(body), "{body}");
        }
    }

    #[test]
    fn a_body_over_8_kib_is_refused_even_when_undeclared() {
        let big = vec![b' '; MAX_BODY_BYTES + 1];
        assert_eq!(parse_sign_in(&big), Err(ApiError::PayloadTooLarge));
    }
}
