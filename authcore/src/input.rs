//! Checks every endpoint applies to its input before looking at it: the media type, the
//! declared length, and text fields (present, short, printable).

use crate::ApiError;

/// Largest body any endpoint accepts, in bytes (SPEC §1.4: over 8 KiB is `413`).
pub const MAX_BODY_BYTES: usize = 8 * 1024;
/// Largest text field accepted, in bytes (SPEC §1.4: over 256 bytes is `400`).
pub const MAX_FIELD_BYTES: usize = 256;

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

/// A JSON body that must be an object, as `T`. Anything else is `400`, naming the `fields` the
/// object must have: not JSON, a member of the wrong type, or an array (serde would read a struct
/// from one, `["owner","pw"]` as a password sign-in).
pub fn json_object<T: serde::de::DeserializeOwned>(
    body: &[u8],
    fields: &str,
) -> Result<T, ApiError> {
    let invalid =
        || ApiError::InvalidRequest(format!("the body must be a JSON object with {fields}"));
    if body.trim_ascii_start().first() != Some(&b'{') {
        return Err(invalid());
    }
    serde_json::from_slice(body).map_err(|_| invalid())
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

    #[test]
    fn a_body_is_an_object_or_refused_with_the_fields_it_needs() {
        #[derive(serde::Deserialize, Debug, PartialEq)]
        struct Pair {
            username: String,
            password: String,
        }
        let want = Pair {
            username: "owner".into(),
            password: "pw".into(),
        };
        let fields = "username and password";
        assert_eq!(
            json_object::<Pair>(br#" {"username":"owner","password":"pw"}"#, fields),
            Ok(want)
        );
        let refused = Err(ApiError::InvalidRequest(
            "the body must be a JSON object with username and password".into(),
        ));
        // serde alone would read this array as the struct.
        for body in [&br#"["owner","pw"]"#[..], b"", b"null", b"\"x\"", b"{"] {
            assert_eq!(json_object::<Pair>(body, fields), refused, "{body:?}");
        }
    }

    #[test]
    fn a_field_of_exactly_256_bytes_is_accepted() {
        let name = "é".repeat(MAX_FIELD_BYTES / 2);
        assert!(required_field("agent_name", Some(name)).is_ok());
    }

    #[test]
    fn declared_lengths_over_the_limit_are_refused_before_reading() {
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
