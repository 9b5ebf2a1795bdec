//! `application/x-www-form-urlencoded` request bodies, as RFC 6749 reads them: a parameter sent
//! twice is an error (§3.1, §3.2), and one sent empty counts as not sent (§3.1).

use crate::ApiError;

/// The parameters of a form body.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Form(Vec<(String, String)>);

/// Whether a `Content-Type` is `application/x-www-form-urlencoded` (any parameters).
pub fn is_form_content_type(content_type: Option<&str>) -> bool {
    content_type
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| {
            m.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

impl Form {
    /// Parses a form body; a repeated parameter is `400 invalid_request`.
    pub fn parse(body: &[u8]) -> Result<Self, ApiError> {
        let mut params: Vec<(String, String)> = Vec::new();
        for (name, value) in form_urlencoded::parse(body) {
            if params.iter().any(|(n, _)| *n == name) {
                return Err(ApiError::InvalidRequest(format!(
                    "the parameter {name} is sent more than once"
                )));
            }
            params.push((name.into_owned(), value.into_owned()));
        }
        Ok(Self(params))
    }

    /// A parameter's value; an empty one counts as absent.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_decoded_and_empty_ones_are_absent() {
        let f = Form::parse(b"grant_type=client_credentials&scope=api.read+api.write&x=&y=%2F")
            .unwrap();
        assert_eq!(f.get("grant_type"), Some("client_credentials"));
        assert_eq!(f.get("scope"), Some("api.read api.write"));
        assert_eq!(f.get("x"), None);
        assert_eq!(f.get("y"), Some("/"));
        assert_eq!(f.get("z"), None);
    }

    #[test]
    fn a_repeated_parameter_is_an_invalid_request() {
        for body in [
            &b"grant_type=a&grant_type=a"[..],
            b"scope=a&x=1&scope=b",
            b"a=&a=",
        ] {
            assert!(matches!(
                Form::parse(body),
                Err(ApiError::InvalidRequest(_))
            ));
        }
    }

    #[test]
    fn only_form_content_types_are_forms() {
        assert!(is_form_content_type(Some(
            "application/x-www-form-urlencoded; charset=UTF-8"
        )));
        assert!(!is_form_content_type(Some("application/json")));
        assert!(!is_form_content_type(None));
    }
}
