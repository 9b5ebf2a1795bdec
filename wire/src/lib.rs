//! The JSON shapes of deskgate's HTTP API (SPEC §1), as the worker writes and reads them.
//!
//! Only serde lives here. The widget does not use it: it reads the few fields it needs with
//! `js_sys` (`widget/src/shapes.rs`), which keeps serde out of the browser bundle.

use serde::{Deserialize, Serialize};

/// The agent or owner a session belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// The agent id given by the desktop (the JWT's `sub`).
    pub id: String,
    /// The display name given by the desktop.
    pub name: String,
    /// `agent` for every API-key session; `owner` for the account owner.
    pub role: String,
    /// The account the session belongs to (the host's first label).
    pub account: String,
    /// The desktop platform (`liveengage`, `genesys`), or `console` for the owner.
    pub platform: String,
}

/// Body of a successful sign-in (`POST /apis/admin/session/api-key/`, `…/password/`) and of
/// `POST /apis/admin/session/renew`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedIn {
    /// Who is signed in.
    pub user: User,
    /// How the session was made: `["api_key"]`, `["launch"]` or `["password"]` (SPEC §6).
    pub amr: Vec<String>,
    /// When the server-side session ends (unix seconds).
    pub expires_at: u64,
    /// The session JWT (also set as the `__Host-deskgate_jwt` cookie by a sign-in).
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// When `access_token` expires (unix seconds): renew before then.
    pub access_token_expires_at: u64,
    /// The session's renewal token (SPEC §1.8), on a sign-in only: for a widget without cookies
    /// to renew `access_token` at `POST /apis/admin/session/renew`, held in memory only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renewal_token: Option<String>,
}

/// Body of `GET /apis/admin/session/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    /// Who is signed in.
    pub user: User,
    /// How the session was made.
    pub amr: Vec<String>,
    /// When the server-side session ends (unix seconds).
    pub expires_at: u64,
}

/// Every error body: `{"error", "error_description"}` with RFC 6749 §5.2 codes where they apply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// A machine-readable code such as `invalid_api_key`.
    pub error: String,
    /// One sentence for a human.
    pub error_description: String,
}

/// The body the widget posts to sign in with the account's API key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeySignIn {
    /// The account's integration API key, as found in the widget's URL.
    pub api_key: String,
    /// The agent id given by the desktop.
    pub agent_id: String,
    /// The agent's display name given by the desktop.
    pub agent_name: String,
    /// The desktop platform the widget runs in.
    pub platform: String,
}

/// Body of `POST /apis/admin/session/password/`: the account owner signs in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordSignIn {
    /// Always `owner`.
    pub username: String,
    /// The account's `<account>_admin_password`.
    pub password: String,
}

/// A service of the account (SPEC §4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Service {
    /// `svc_…`; also its OAuth2 `client_id`.
    pub id: String,
    /// A name for humans.
    pub name: String,
    /// The OAuth2 scopes it may ask for, space-separated.
    pub scopes: String,
}

/// Body of `GET /apis/admin/services`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceList {
    /// The account's services, oldest first.
    pub services: Vec<Service>,
}

/// A service key or JWT credential, as the admin API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credential {
    /// `cred_…`.
    pub id: String,
    /// `service_key` or `jwt`.
    pub kind: String,
    /// `active` or `inactive`.
    pub status: String,
    /// The secret's prefix and last four characters.
    pub masked: String,
    /// Created at (unix seconds).
    pub created_at: u64,
    /// The secret itself: only in the response that created or regenerated it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// Body of `POST /apis/admin/services` (`201`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedService {
    /// `svc_…`.
    pub id: String,
    /// A name for humans.
    pub name: String,
    /// The OAuth2 scopes it may ask for, space-separated.
    pub scopes: String,
    /// One active credential of each kind, with their secrets (shown this once).
    pub credentials: Vec<Credential>,
}

/// Body of `GET /apis/admin/services/<id>/credentials`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialList {
    /// The service's credentials, oldest first, secrets masked.
    pub credentials: Vec<Credential>,
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// When (unix seconds).
    pub at: u64,
    /// Who.
    pub actor: String,
    /// What: `service.create`, `credential.create`, `credential.discard`, …
    pub action: String,
    /// Which service or credential.
    pub target: String,
    /// From which address.
    pub ip: String,
    /// What else there is to say: a sign-in's method and platform, say (never a secret).
    pub detail: String,
}

/// Body of `GET /apis/admin/audit`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditLog {
    /// Newest first.
    pub entries: Vec<AuditEntry>,
}

/// Body of `GET /v1/whoami`: whoever authenticated the request, by whichever method.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Whoami {
    /// `session`, `access_token`, `service_key` or `caller_jwt`.
    pub kind: String,
    /// The agent or owner id, or the service id.
    pub id: String,
    /// The account.
    pub account: String,
    /// `agent`, `owner` or `service`.
    pub role: String,
    /// The user's display name (sessions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The desktop platform (sessions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    /// The credential that authenticated the call (service keys and caller JWTs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_id: Option<String>,
    /// The scopes a service is limited to (every service principal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Set on a testing access token (seed 003).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub testing: Option<bool>,
    /// How a session was made (sessions): `["api_key"]`, `["launch"]` or `["password"]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amr: Option<Vec<String>>,
}

/// The body of a successful token request (RFC 6749 §5.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenResponse {
    /// The access token.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until it expires.
    pub expires_in: u64,
    /// The scopes granted, space-separated.
    pub scope: String,
    /// Set on a testing token minted from the admin API (seed 003): never for use in code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub testing: Option<bool>,
    /// A testing token's id (its `jti`), to revoke it by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The service key a testing token ends with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_id: Option<String>,
}

/// A live testing token, as `GET /apis/admin/services/<id>/testing-tokens` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestingToken {
    /// Its id (`jti`).
    pub id: String,
    /// The service key it ends with.
    pub credential_id: String,
    /// Issued at (unix seconds).
    pub issued_at: u64,
    /// Expires at (unix seconds).
    pub expires_at: u64,
}

/// Body of `GET /apis/admin/services/<id>/testing-tokens`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestingTokenList {
    /// Newest first.
    pub tokens: Vec<TestingToken>,
}

/// An integration token for one app (SPEC §3, seed 002).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntegrationToken {
    /// The token, for the app's backend to check with `GET /v1/users/me`.
    pub token: String,
    /// When it expires (unix seconds).
    pub expires_at: u64,
}

/// Body of `GET /v1/users/me` (seed 002's shape, for deskgate's agents).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserMe {
    /// The agent id.
    pub id: String,
    /// The agent's display name.
    pub name: String,
    /// The account.
    pub account: String,
    /// The desktop platform.
    pub platform: String,
    /// The agent's role.
    pub role: String,
    /// The app the token was issued for (`appId`, as seed 002's consumers read it).
    #[serde(rename = "appId")]
    pub app_id: String,
    /// When the token expires (unix seconds).
    pub expires_at: u64,
}

/// A public key as `GET /.well-known/jwks.json` publishes it (RFC 7517, RFC 8037 for Ed25519).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicJwk {
    /// Always `OKP`.
    pub kty: String,
    /// Always `Ed25519`.
    pub crv: String,
    /// The public key, base64url.
    pub x: String,
    /// Its name in identity-token headers: the RFC 7638 thumbprint.
    pub kid: String,
    /// Always `EdDSA`.
    pub alg: String,
    /// Always `sig`.
    #[serde(rename = "use")]
    pub use_: String,
}

/// Body of `GET /.well-known/jwks.json` (RFC 7517 §5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwks {
    /// The current key first, then the previous one while it is still configured.
    pub keys: Vec<PublicJwk>,
}

/// Body of `POST /oauth/introspect` (RFC 7662 §2.2): `{"active":false}` alone, or the token's
/// members when it is active.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Introspection {
    /// Whether the token is active for the asking client.
    pub active: bool,
    /// Its scopes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// The client it was issued to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// Always `Bearer`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_type: Option<String>,
    /// Expires at (unix seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<u64>,
    /// Issued at (unix seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<u64>,
    /// The service it acts for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    /// Its audience.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<String>,
    /// Its issuer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    /// Its id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
    /// Whether it is a testing token (seed 003).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub testing: Option<bool>,
}

/// Body of `POST /v1/customer-ids`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpaqueId {
    /// `cust_…`: stable, unique, no PII, irreversible without `CREDENTIALS_KEY`.
    pub opaque_id: String,
}

/// An empty JSON object, `{}` (RFC 7009's revocation answer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Empty {}

/// A live session, as `GET /apis/admin/sessions` lists it (SPEC §8): who, how they signed in,
/// from where, until when. Never a token or a hash of one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionSummary {
    /// The session id (a JWT's `sid`).
    pub id: String,
    /// The agent id (or `owner`).
    pub subject: String,
    /// The display name.
    pub name: String,
    /// `agent` or `owner`.
    pub role: String,
    /// The platform (`console` for the owner's).
    pub platform: String,
    /// How the session was made, as its JWT's `amr` says: `["api_key"]`, `["launch"]`, `["password"]`.
    pub amr: Vec<String>,
    /// Created at (unix seconds).
    pub created_at: u64,
    /// Ends at (unix seconds).
    pub expires_at: u64,
    /// The address it was made from (`unknown` without one).
    pub ip: String,
    /// `true` on the session the listing request was made with (which the revoke-all keeps).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current: Option<bool>,
}

/// Body of `GET /apis/admin/sessions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionList {
    /// Newest first.
    pub sessions: Vec<SessionSummary>,
}

/// Body of `POST /apis/admin/sessions/revoke`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revoked {
    /// How many live sessions were ended.
    pub revoked: u64,
}
