//! The identity the gateway hands the upstream (SPEC §5): a one-minute JWT in
//! `X-Deskgate-Identity`, signed with the account's key, naming whoever authenticated the
//! request. The upstream trusts it instead of any credential, all of which are stripped.

use serde::{Deserialize, Serialize};

use super::{issue, Envelope, IssuedClaims, SigningKey};
use crate::ApiError;

/// The `aud` of identity tokens.
pub const AUDIENCE: &str = "deskgate-upstream";
/// How long an identity token lives, in seconds: one request's worth.
pub const TTL_SECONDS: u64 = 60;

/// The claims of an identity token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityClaims {
    /// `https://<account>.<BASE_DOMAIN>`.
    pub iss: String,
    /// Always [`AUDIENCE`].
    pub aud: String,
    /// The agent, owner or service id.
    pub sub: String,
    /// How the caller authenticated: `session`, `service_key`, `caller_jwt` or `access_token`.
    pub kind: String,
    /// The account.
    pub acc: String,
    /// `agent`, `owner` or `service`.
    pub role: String,
    /// The scopes a service is limited to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// How a session was made (sessions only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amr: Option<Vec<String>>,
    /// This token's id.
    pub jti: String,
    /// Issued at (unix seconds).
    pub iat: u64,
    /// Expires at (unix seconds).
    pub exp: u64,
}

impl IssuedClaims for IdentityClaims {
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

/// Signs identity claims.
pub fn sign_identity(claims: &IdentityClaims, key: &SigningKey) -> Result<String, ApiError> {
    issue(claims, key)
}
