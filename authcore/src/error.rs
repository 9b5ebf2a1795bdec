//! The one error type of the HTTP boundary: every refusal the API makes, with its status, its
//! machine-readable code (RFC 6749 §5.2 / RFC 6750 §3.1 names where they apply) and a sentence
//! for a human. `edge` renders it in one place; no variant carries a secret.

use thiserror::Error;

use crate::credential::rules::RuleError;

/// Why a request is refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ApiError {
    /// When the host is not `<account>.<BASE_DOMAIN>`: never fall back to a default account.
    #[error("this host does not belong to any deskgate account")]
    UnknownHost,
    /// When the path names a desktop platform deskgate does not support.
    #[error("this desktop platform is not supported")]
    UnknownPlatform,
    /// When no route matches the path.
    #[error("there is nothing at this path")]
    NotFound,
    /// When the path exists but not for this method.
    #[error("this method is not allowed on this path")]
    MethodNotAllowed,
    /// When the body, a field or a parameter is malformed; the text says which.
    #[error("{0}")]
    InvalidRequest(String),
    /// When the body is over the endpoint's limit.
    #[error("the request body is too large")]
    PayloadTooLarge,
    /// When the body is not `application/json`.
    #[error("the request body must be application/json")]
    UnsupportedMediaType,
    /// When the API key is wrong, the account is unknown, or the account has no key: one answer
    /// for all three, so a caller cannot tell which accounts exist.
    #[error("the API key was refused")]
    InvalidApiKey,
    /// When a launch token is refused, for whatever reason (SPEC §6): one answer for all, so a
    /// caller learns nothing about the account's keys.
    #[error("the launch link was refused")]
    InvalidLaunch,
    /// When a browser request comes from an origin that is neither the account's nor an allowed
    /// desktop's (CSRF and login-CSRF defence).
    #[error("requests from this origin are not allowed")]
    OriginNotAllowed,
    /// When one client has failed too often for one account; retry after this many seconds.
    #[error("too many failed attempts; try again later")]
    TooManyAttempts {
        /// Seconds until the failure window closes.
        retry_after: u64,
    },
    /// When no credential was presented (RFC 6750 §3.1: no error code in the challenge).
    #[error("authentication is required")]
    Unauthenticated,
    /// When a presented token or session is expired, revoked, malformed or not ours.
    #[error("the access token or session is invalid, expired or revoked")]
    InvalidToken,
    /// When the account's configuration is missing or unusable (a short signing key, say):
    /// the worker fails closed rather than sign with it.
    #[error("this account is not configured correctly")]
    Misconfigured,
    /// When a signed-in user may not use this endpoint (an agent on the admin API).
    #[error("this endpoint is for the account owner")]
    Forbidden,
    /// When the owner's username or password is wrong, or the account has no admin password.
    #[error("the username or password is wrong")]
    InvalidCredentials,
    /// When the password re-entered to confirm a delete is wrong.
    #[error("the password is wrong")]
    InvalidPassword,
    /// When a change would break a credential rule (SPEC §4); the code names the rule.
    #[error("{0}")]
    RuleBroken(RuleError),
    /// When an OAuth2 client's credentials are missing, unknown or wrong (RFC 6749 §5.2).
    #[error("client authentication failed")]
    InvalidClient,
    /// When the grant type is not `client_credentials` (RFC 6749 §5.2).
    #[error("only the client_credentials grant is supported")]
    UnsupportedGrantType,
    /// When the scope asked for is malformed, unknown or beyond the client's (RFC 6749 §5.2).
    #[error("the requested scope is invalid, unknown or not allowed for this client")]
    InvalidScope,
    /// When a valid token lacks the scope a request needs (RFC 6750 §3.1); names that scope.
    #[error("the access token does not grant the scope this request needs")]
    InsufficientScope(&'static str),
    /// When the gateway's upstream could not be reached or failed.
    #[error("the upstream service could not be reached")]
    BadGateway,
    /// When concurrent changes to one service kept colliding; the client may retry.
    #[error("the service was changed concurrently; try again")]
    ConcurrentModification,
    /// When storage or the runtime failed; details go to the log, never to the client.
    #[error("the server could not complete the request")]
    Internal,
}

impl From<RuleError> for ApiError {
    fn from(e: RuleError) -> Self {
        match e {
            RuleError::UnknownCredential => ApiError::NotFound,
            rule => ApiError::RuleBroken(rule),
        }
    }
}

impl ApiError {
    /// The HTTP status code.
    pub fn status(&self) -> u16 {
        match self {
            Self::UnknownHost | Self::UnknownPlatform | Self::NotFound => 404,
            Self::MethodNotAllowed => 405,
            Self::InvalidRequest(_) => 400,
            Self::PayloadTooLarge => 413,
            Self::UnsupportedMediaType => 415,
            Self::InvalidApiKey
            | Self::InvalidLaunch
            | Self::Unauthenticated
            | Self::InvalidToken => 401,
            Self::OriginNotAllowed | Self::Forbidden | Self::InvalidPassword => 403,
            Self::InvalidCredentials | Self::InvalidClient => 401,
            Self::UnsupportedGrantType | Self::InvalidScope => 400,
            Self::InsufficientScope(_) => 403,
            Self::BadGateway => 502,
            Self::RuleBroken(_) | Self::ConcurrentModification => 409,
            Self::TooManyAttempts { .. } => 429,
            Self::Misconfigured | Self::Internal => 500,
        }
    }

    /// The `error` code of the JSON body.
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnknownHost => "unknown_host",
            Self::UnknownPlatform => "unknown_platform",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::InvalidRequest(_) => "invalid_request",
            Self::PayloadTooLarge => "payload_too_large",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::InvalidApiKey => "invalid_api_key",
            Self::InvalidLaunch => "invalid_launch",
            Self::OriginNotAllowed => "origin_not_allowed",
            Self::TooManyAttempts { .. } => "too_many_attempts",
            Self::Unauthenticated => "unauthenticated",
            Self::InvalidToken => "invalid_token",
            Self::Forbidden => "forbidden",
            Self::InvalidCredentials => "invalid_credentials",
            Self::InvalidPassword => "invalid_password",
            Self::RuleBroken(rule) => rule.code(),
            Self::ConcurrentModification => "concurrent_modification",
            Self::InvalidClient => "invalid_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::InvalidScope => "invalid_scope",
            Self::InsufficientScope(_) => "insufficient_scope",
            Self::BadGateway => "bad_gateway",
            Self::Misconfigured | Self::Internal => "server_error",
        }
    }

    /// The `WWW-Authenticate` challenge a 401 (or an `insufficient_scope` 403) carries
    /// (RFC 6750 §3, RFC 6749 §5.2 for `invalid_client`). RFC 9110 §15.5.2 wants one on every
    /// 401: the sign-in endpoints, which take their credential in a JSON body, name schemes of
    /// their own (no browser answers them with a login prompt, as it would `Basic`).
    pub fn www_authenticate(&self) -> Option<String> {
        match self {
            Self::InvalidApiKey => Some(r#"ApiKey realm="deskgate""#.into()),
            Self::InvalidCredentials => Some(r#"Password realm="deskgate""#.into()),
            Self::InvalidLaunch => Some(r#"Launch realm="deskgate""#.into()),
            Self::Unauthenticated => Some(r#"Bearer realm="deskgate""#.into()),
            Self::InvalidToken => Some(r#"Bearer realm="deskgate", error="invalid_token""#.into()),
            Self::InsufficientScope(scope) => Some(format!(
                r#"Bearer realm="deskgate", error="insufficient_scope", scope="{scope}""#
            )),
            Self::InvalidClient => Some(r#"Basic realm="deskgate""#.into()),
            _ => None,
        }
    }

    /// The `Retry-After` seconds a 429 carries.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Self::TooManyAttempts { retry_after } => Some(*retry_after),
            _ => None,
        }
    }

    /// The JSON body: `{"error","error_description"}`.
    pub fn body(&self) -> wire::ErrorBody {
        wire::ErrorBody {
            error: self.code().to_owned(),
            error_description: self.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_credential_is_a_404_and_every_other_rule_a_409_with_its_name() {
        assert_eq!(ApiError::from(RuleError::UnknownCredential).status(), 404);
        let e = ApiError::from(RuleError::LastActiveCredential);
        assert_eq!((e.status(), e.code()), (409, "last_active_credential"));
    }

    fn every_error() -> Vec<ApiError> {
        vec![
            ApiError::UnknownHost,
            ApiError::UnknownPlatform,
            ApiError::NotFound,
            ApiError::MethodNotAllowed,
            ApiError::InvalidRequest("x".into()),
            ApiError::PayloadTooLarge,
            ApiError::UnsupportedMediaType,
            ApiError::InvalidApiKey,
            ApiError::InvalidLaunch,
            ApiError::OriginNotAllowed,
            ApiError::TooManyAttempts { retry_after: 1 },
            ApiError::Unauthenticated,
            ApiError::InvalidToken,
            ApiError::Forbidden,
            ApiError::InvalidCredentials,
            ApiError::InvalidPassword,
            ApiError::RuleBroken(RuleError::LastActiveCredential),
            ApiError::ConcurrentModification,
            ApiError::InvalidClient,
            ApiError::UnsupportedGrantType,
            ApiError::InvalidScope,
            ApiError::InsufficientScope("api.read"),
            ApiError::BadGateway,
            ApiError::Misconfigured,
            ApiError::Internal,
        ]
    }

    #[test]
    fn every_error_has_a_4xx_or_5xx_status_and_a_snake_case_code() {
        for e in every_error() {
            assert!((400..600).contains(&e.status()), "{e:?}");
            assert!(e.code().chars().all(|c| c.is_ascii_lowercase() || c == '_'));
            assert!(!e.to_string().is_empty());
        }
    }

    #[test]
    fn challenges_follow_rfc_6750_and_rfc_6749() {
        assert_eq!(
            ApiError::Unauthenticated.www_authenticate().as_deref(),
            Some(r#"Bearer realm="deskgate""#)
        );
        assert_eq!(
            ApiError::InvalidClient.www_authenticate().as_deref(),
            Some(r#"Basic realm="deskgate""#)
        );
        assert_eq!(
            ApiError::InsufficientScope("api.write")
                .www_authenticate()
                .as_deref(),
            Some(r#"Bearer realm="deskgate", error="insufficient_scope", scope="api.write""#)
        );
        assert!(ApiError::InvalidToken
            .www_authenticate()
            .is_some_and(|h| h.contains(r#"error="invalid_token""#)));
        assert_eq!(ApiError::OriginNotAllowed.www_authenticate(), None);
    }

    #[test]
    fn every_401_says_how_to_authenticate() {
        for e in every_error().into_iter().filter(|e| e.status() == 401) {
            assert!(e.www_authenticate().is_some(), "{e:?}");
        }
    }
}
