//! OAuth2 client authentication (RFC 6749 §2.3.1): HTTP Basic (`client_secret_basic`) or the
//! `client_id` / `client_secret` body parameters (`client_secret_post`), never both. A service's
//! id is its `client_id`; one of its active service keys is its `client_secret` (SPEC §2, §4).

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use super::form::Form;
use crate::input::MAX_FIELD_BYTES;
use crate::ApiError;

/// How the client authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `Authorization: Basic`.
    Basic,
    /// Body parameters.
    Post,
}

/// A client's presented credentials (not yet checked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientCredentials {
    /// The service id.
    pub client_id: String,
    /// A service key, compared only through its keyed hash.
    pub client_secret: String,
    /// How they were sent.
    pub method: Method,
}

/// The credentials of an `Authorization: Basic` value, if the header uses that scheme.
///
/// RFC 6749 §2.3.1 has the id and secret form-urlencoded before they are joined with `:` and
/// base64-encoded; both are decoded here. A Basic value that is not base64, not UTF-8, or has no
/// colon is `400 invalid_request`.
pub fn basic(authorization: Option<&str>) -> Result<Option<(String, String)>, ApiError> {
    let Some(value) = authorization else {
        return Ok(None);
    };
    let Some((scheme, encoded)) = value.trim().split_once(' ') else {
        return Ok(None);
    };
    if !scheme.eq_ignore_ascii_case("Basic") {
        return Ok(None);
    }
    let malformed =
        || ApiError::InvalidRequest("the Basic authorization header is malformed".into());
    let decoded = STANDARD.decode(encoded.trim()).map_err(|_| malformed())?;
    let text = String::from_utf8(decoded).map_err(|_| malformed())?;
    let (id, secret) = text.split_once(':').ok_or_else(malformed)?;
    let unescape = |s: &str| -> String {
        form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    Ok(Some((unescape(id), unescape(secret))))
}

/// The client's credentials from the header or the body. Both at once is `invalid_request`;
/// neither (or an empty or oversized part) is `invalid_client`.
pub fn client_credentials(
    authorization: Option<&str>,
    form: &Form,
) -> Result<ClientCredentials, ApiError> {
    let from_body = (form.get("client_id"), form.get("client_secret"));
    let (client_id, client_secret, method) = match (basic(authorization)?, from_body) {
        (Some(_), (Some(_), _) | (_, Some(_))) if form.get("client_secret").is_some() => {
            return Err(ApiError::InvalidRequest(
                "the client authenticated with more than one method".into(),
            ))
        }
        (Some((id, secret)), _) => (id, secret, Method::Basic),
        (None, (Some(id), Some(secret))) => (id.to_owned(), secret.to_owned(), Method::Post),
        (None, _) => return Err(ApiError::InvalidClient),
    };
    let fits = |s: &str| !s.is_empty() && s.len() <= MAX_FIELD_BYTES;
    if !fits(&client_id) || !fits(&client_secret) {
        return Err(ApiError::InvalidClient);
    }
    Ok(ClientCredentials {
        client_id,
        client_secret,
        method,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basic_of(s: &str) -> String {
        format!("Basic {}", STANDARD.encode(s))
    }

    #[test]
    fn basic_credentials_are_decoded_as_rfc_6749_asks() {
        // Seed 003's example: demo / p@55w0rd.
        assert_eq!(
            basic(Some("Basic ZGVtbzpwQDU1dzByZA==")).unwrap(),
            Some(("demo".into(), "p@55w0rd".into()))
        );
        // Form-urlencoded parts: a colon inside the id travels as %3A.
        assert_eq!(
            basic(Some(&basic_of("a%3Ab:c%2Bd"))).unwrap(),
            Some(("a:b".into(), "c+d".into()))
        );
        assert_eq!(basic(Some("Bearer abc")).unwrap(), None);
        assert_eq!(basic(None).unwrap(), None);
    }

    #[test]
    fn malformed_basic_headers_are_invalid_requests() {
        for bad in [
            "Basic !!!notbase64",
            "Basic ZGVtbw==",
            "Basic /w==",
            "basic",
        ] {
            let got = basic(Some(bad));
            assert!(
                matches!(got, Err(ApiError::InvalidRequest(_))) || got == Ok(None),
                "{bad}: {got:?}"
            );
        }
        assert!(matches!(
            basic(Some("Basic ZGVtbw==")),
            Err(ApiError::InvalidRequest(_))
        ));
    }

    #[test]
    fn the_client_authenticates_by_exactly_one_method() {
        let post = Form::parse(b"client_id=svc&client_secret=key").unwrap();
        let none = Form::parse(b"grant_type=client_credentials").unwrap();
        let header = basic_of("svc:key");
        assert_eq!(
            client_credentials(None, &post).map(|c| c.method),
            Ok(Method::Post)
        );
        assert_eq!(
            client_credentials(Some(&header), &none).map(|c| c.method),
            Ok(Method::Basic)
        );
        assert!(matches!(
            client_credentials(Some(&header), &post),
            Err(ApiError::InvalidRequest(_))
        ));
        assert_eq!(
            client_credentials(None, &none),
            Err(ApiError::InvalidClient)
        );
        let id_only = Form::parse(b"client_id=svc").unwrap();
        assert_eq!(
            client_credentials(None, &id_only),
            Err(ApiError::InvalidClient)
        );
        assert_eq!(
            client_credentials(Some(&basic_of(":key")), &none),
            Err(ApiError::InvalidClient)
        );
    }
}
