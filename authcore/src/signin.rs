//! The API-key sign-in request (SPEC §1.4): what a valid body looks like and how each kind of bad
//! body is refused. Nothing here can make a session anything but role `agent`.

use serde::Deserialize;

use crate::{ApiError, Platform};

/// Largest body accepted, in bytes (SPEC §1.4: over 8 KiB is `413`).
pub const MAX_BODY_BYTES: usize = 8 * 1024;
/// Largest field accepted, in bytes (SPEC §1.4: over 256 bytes is `400`).
pub const MAX_FIELD_BYTES: usize = 256;
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

/// Whether a `Content-Type` header value is JSON (`application/json`, any parameters).
pub fn is_json_content_type(content_type: Option<&str>) -> bool {
    content_type
        .and_then(|v| v.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"))
}

/// Checks a declared `Content-Length` against `max` before the body is read.
pub fn check_declared_length(content_length: Option<&str>, max: usize) -> Result<(), ApiError> {
    match content_length.map(|v| v.trim().parse::<u64>()) {
        Some(Ok(n)) if n > max as u64 => Err(ApiError::PayloadTooLarge),
        Some(Err(_)) => Err(ApiError::InvalidRequest(
            "the Content-Length header is not a number".into(),
        )),
        _ => Ok(()),
    }
}

/// Parses and validates a sign-in body already known to be JSON and at most [`MAX_BODY_BYTES`].
pub fn parse_sign_in(body: &[u8]) -> Result<SignInRequest, ApiError> {
    if body.len() > MAX_BODY_BYTES {
        return Err(ApiError::PayloadTooLarge);
    }
    let raw: RawSignIn = serde_json::from_slice(body).map_err(|_| {
        ApiError::InvalidRequest(
            "the body must be a JSON object with string fields api_key, agent_id, agent_name and platform"
                .into(),
        )
    })?;
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

/// A field that must be present, non-empty, at most [`MAX_FIELD_BYTES`] and free of control
/// characters (which have no business in an id or a name, and break logs and headers).
pub fn required_field(name: &str, value: Option<String>) -> Result<String, ApiError> {
    let value = value.unwrap_or_default();
    if value.trim().is_empty() {
        return Err(ApiError::InvalidRequest(format!(
            "the field {name} is missing or empty"
        )));
    }
    if value.len() > MAX_FIELD_BYTES {
        return Err(ApiError::InvalidRequest(format!(
            "the field {name} is longer than {MAX_FIELD_BYTES} bytes"
        )));
    }
    if value.chars().any(char::is_control) {
        return Err(ApiError::InvalidRequest(format!(
            "the field {name} contains control characters"
        )));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn a_field_of_exactly_256_bytes_is_accepted() {
        let name = "é".repeat(MAX_FIELD_BYTES / 2);
        assert!(required_field("agent_name", Some(name)).is_ok());
    }

    #[test]
    fn oversized_bodies_are_refused_before_and_after_reading() {
        assert_eq!(
            check_declared_length(Some("8193"), MAX_BODY_BYTES),
            Err(ApiError::PayloadTooLarge)
        );
        assert_eq!(check_declared_length(Some("8192"), MAX_BODY_BYTES), Ok(()));
        assert_eq!(check_declared_length(None, MAX_BODY_BYTES), Ok(()));
        assert!(matches!(
            check_declared_length(Some("lots"), MAX_BODY_BYTES),
            Err(ApiError::InvalidRequest(_))
        ));
        let big = vec![b' '; MAX_BODY_BYTES + 1];
        assert_eq!(parse_sign_in(&big), Err(ApiError::PayloadTooLarge));
    }

    #[test]
    fn only_json_content_types_are_json() {
        for ok in [
            "application/json",
            "application/json; charset=utf-8",
            "Application/JSON",
        ] {
            assert!(is_json_content_type(Some(ok)), "{ok}");
        }
        for bad in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "application/jsonx",
            "",
        ] {
            assert!(!is_json_content_type(Some(bad)), "{bad}");
        }
        assert!(!is_json_content_type(None));
    }
}
