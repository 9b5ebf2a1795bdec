//! The JSON shapes of deskgate's HTTP API (SPEC §1), shared by `edge` and `widget`.
//!
//! Only serde lives here, so the widget can speak the API without pulling JWT or HMAC code into
//! the browser bundle.

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

/// Body of a successful `POST /apis/admin/session/api-key/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedIn {
    /// Who is signed in.
    pub user: User,
    /// When the server-side session ends (unix seconds).
    pub expires_at: u64,
    /// The session JWT (also set as the `__Host-deskgate_jwt` cookie).
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
}

/// Body of `GET /apis/admin/session/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    /// Who is signed in.
    pub user: User,
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
