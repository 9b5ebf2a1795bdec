//! OAuth2 for servers (SPEC §2, seeds 001 and 003): the client-credentials grant (RFC 6749
//! §4.4), client authentication, scopes, and the token-endpoint request. Access tokens
//! themselves are [`crate::jwt::access_token`].

pub mod client_auth;
pub mod form;
pub mod scope;

use client_auth::ClientCredentials;
use form::Form;

use crate::ApiError;

/// The only grant deskgate serves.
pub const CLIENT_CREDENTIALS: &str = "client_credentials";

/// A token request that passed every check but the client's secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRequest {
    /// The client's presented credentials.
    pub client: ClientCredentials,
    /// The scope asked for, if any (checked for syntax later, against the service).
    pub scope: Option<String>,
}

/// Reads `POST /oauth/token` (RFC 6749 §4.4.2): a form body (else `invalid_request`), no
/// parameter twice, `grant_type=client_credentials` (another is `unsupported_grant_type`), and
/// the client's credentials by exactly one method.
pub fn token_request(
    content_type: Option<&str>,
    body: &[u8],
    authorization: Option<&str>,
) -> Result<TokenRequest, ApiError> {
    let form = read_form(content_type, body)?;
    match form.get("grant_type") {
        None => {
            return Err(ApiError::InvalidRequest(
                "the parameter grant_type is missing".into(),
            ))
        }
        Some(CLIENT_CREDENTIALS) => {}
        Some(_) => return Err(ApiError::UnsupportedGrantType),
    }
    Ok(TokenRequest {
        client: client_auth::client_credentials(authorization, &form)?,
        scope: form.get("scope").map(str::to_owned),
    })
}

/// Reads a client-authenticated form request (RFC 7662 introspection, RFC 7009 revocation):
/// the client's credentials and the `token` parameter.
pub fn token_operation(
    content_type: Option<&str>,
    body: &[u8],
    authorization: Option<&str>,
) -> Result<(ClientCredentials, String), ApiError> {
    let form = read_form(content_type, body)?;
    let client = client_auth::client_credentials(authorization, &form)?;
    let token = form
        .get("token")
        .ok_or_else(|| ApiError::InvalidRequest("the parameter token is missing".into()))?;
    Ok((client, token.to_owned()))
}

fn read_form(content_type: Option<&str>, body: &[u8]) -> Result<Form, ApiError> {
    if !form::is_form_content_type(content_type) {
        return Err(ApiError::InvalidRequest(
            "the body must be application/x-www-form-urlencoded".into(),
        ));
    }
    Form::parse(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FORM: Option<&str> = Some("application/x-www-form-urlencoded");

    #[test]
    fn a_client_credentials_request_with_form_authentication_parses() {
        let got = token_request(
            FORM,
            b"grant_type=client_credentials&client_id=svc&client_secret=k&scope=api.read",
            None,
        )
        .unwrap();
        assert_eq!(got.client.client_id, "svc");
        assert_eq!(got.scope.as_deref(), Some("api.read"));
    }

    #[test]
    fn token_requests_are_refused_with_the_rfc_6749_error_for_each_fault() {
        let basic = Some("Basic c3ZjOms=");
        // (content type, body, Authorization, the error code)
        type Case<'a> = (Option<&'a str>, &'a [u8], Option<&'a str>, &'a str);
        let cases: [Case; 7] = [
            (Some("application/json"), b"{}", basic, "invalid_request"),
            (
                FORM,
                b"client_id=svc&client_secret=k",
                None,
                "invalid_request",
            ),
            (
                FORM,
                b"grant_type=password&username=a&password=b",
                basic,
                "unsupported_grant_type",
            ),
            (
                FORM,
                b"grant_type=authorization_code&code=x",
                basic,
                "unsupported_grant_type",
            ),
            (
                FORM,
                b"grant_type=client_credentials&grant_type=client_credentials",
                basic,
                "invalid_request",
            ),
            (
                FORM,
                b"grant_type=client_credentials",
                None,
                "invalid_client",
            ),
            (
                FORM,
                b"grant_type=client_credentials&client_secret=k",
                basic,
                "invalid_request",
            ),
        ];
        for (ct, body, auth, code) in cases {
            let got = token_request(ct, body, auth).err().map(|e| e.code());
            assert_eq!(got, Some(code), "{}", String::from_utf8_lossy(body));
        }
    }

    #[test]
    fn introspection_and_revocation_need_a_token_parameter() {
        let basic = Some("Basic c3ZjOms=");
        assert_eq!(
            token_operation(FORM, b"token=abc", basic).map(|(_, t)| t),
            Ok("abc".into())
        );
        assert!(matches!(
            token_operation(FORM, b"token_type_hint=access_token", basic),
            Err(ApiError::InvalidRequest(_))
        ));
    }
}
