//! Server-side sessions: the identifiers a sign-in creates, what is stored, and when a stored
//! session still counts.
//!
//! The cookie carries a 256-bit random token; storage keeps only its SHA-256, so a leaked table
//! cannot be replayed as cookies. The JWT's `sid` is a separate random id, so a JWT never reveals
//! the cookie's value.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

use crate::jwt::hex;
use crate::jwt::session_token::SessionClaims;

/// How long a session lives by default: one agent shift, in seconds.
pub const DEFAULT_SESSION_TTL_SECONDS: u64 = 8 * 3600;
/// The longest session deskgate makes, whatever `SESSION_TTL_SECONDS` says: a week.
pub const MAX_SESSION_TTL_SECONDS: u64 = 7 * 24 * 3600;
/// How long a session JWT lives by default, in seconds (SPEC: at most 3600).
pub const DEFAULT_JWT_TTL_SECONDS: u64 = 3600;
/// Random bytes one sign-in consumes.
pub const RANDOM_BYTES: usize = 64;

/// The identifiers of a new session, drawn from the caller's CSPRNG bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSessionIds {
    /// The cookie value: 32 random bytes, base64url. Never stored.
    pub token: String,
    /// The public session id (`sid`): 16 random bytes, hex.
    pub id: String,
    /// The first JWT's `jti`: 16 random bytes, hex.
    pub jti: String,
}

impl NewSessionIds {
    /// Splits 64 CSPRNG bytes into a token, a session id and a jti.
    pub fn from_random(random: &[u8; RANDOM_BYTES]) -> Self {
        let (token, rest) = random.split_at(32);
        let (id, jti) = rest.split_at(16);
        Self {
            token: URL_SAFE_NO_PAD.encode(token),
            id: hex(id),
            jti: hex(jti),
        }
    }
}

/// The stored form of a session token: its SHA-256, hex. (The token is 256 random bits, so an
/// unkeyed hash is enough: there is no dictionary to try.)
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Whether `id` has the shape of a session id deskgate draws (32 lower-case hex digits): only
/// such an id is looked up or written to the audit log.
pub fn is_session_id(id: &str) -> bool {
    crate::jwt::is_token_id(id)
}

/// How a session was made (SPEC §6): the session JWT's `amr`, shown by `whoami`, the session
/// endpoint and the gateway identity, so a backend can refuse key-made sessions for sensitive
/// work. The names are deskgate's (RFC 8176 lists none for an API key or a signed launch).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInMethod {
    /// The account's shared widget API key: always role `agent`.
    ApiKey,
    /// A signed launch link (SPEC §6).
    Launch,
    /// The owner's password.
    Password,
}

impl SignInMethod {
    /// Every method.
    pub const ALL: [SignInMethod; 3] = [Self::ApiKey, Self::Launch, Self::Password];

    /// The name in `amr`, storage and the audit log.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ApiKey => "api_key",
            Self::Launch => "launch",
            Self::Password => "password",
        }
    }

    /// The method a stored name stands for.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == name)
    }

    /// The `amr` claim: a list of one.
    pub fn amr(self) -> Vec<String> {
        vec![self.as_str().to_owned()]
    }
}

/// A session as storage keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// The public session id (`sid`).
    pub id: String,
    /// The account.
    pub account: String,
    /// The agent id.
    pub subject: String,
    /// The agent's display name.
    pub name: String,
    /// `agent` or `owner`.
    pub role: String,
    /// The platform.
    pub platform: String,
    /// How it was made.
    pub method: SignInMethod,
    /// The address it was made from (for the owner's sessions panel).
    pub ip: String,
    /// Created at (unix seconds).
    pub created_at: u64,
    /// Ends at (unix seconds).
    pub expires_at: u64,
    /// Whether it was signed out.
    pub revoked: bool,
}

impl SessionRecord {
    /// Whether the session still counts for `account` at `now`.
    pub fn is_live(&self, account: &str, now: u64) -> bool {
        !self.revoked && self.account == account && now < self.expires_at
    }

    /// The user this session signs in.
    pub fn user(&self) -> wire::User {
        wire::User {
            id: self.subject.clone(),
            name: self.name.clone(),
            role: self.role.clone(),
            account: self.account.clone(),
            platform: self.platform.clone(),
        }
    }

    /// The owner's view of this session in the sessions panel; `current` marks the session the
    /// owner is using.
    pub fn summary(&self, current: bool) -> wire::SessionSummary {
        wire::SessionSummary {
            id: self.id.clone(),
            subject: self.subject.clone(),
            name: self.name.clone(),
            role: self.role.clone(),
            platform: self.platform.clone(),
            amr: self.method.amr(),
            created_at: self.created_at,
            expires_at: self.expires_at,
            ip: self.ip.clone(),
            current: current.then_some(true),
        }
    }

    /// Claims for a fresh JWT of this session: it never outlives the session.
    pub fn jwt_claims(&self, issuer: &str, jti: String, now: u64, ttl: u64) -> SessionClaims {
        SessionClaims {
            iss: issuer.to_owned(),
            aud: crate::jwt::session_token::AUDIENCE.to_owned(),
            sub: self.subject.clone(),
            name: self.name.clone(),
            acc: self.account.clone(),
            role: self.role.clone(),
            plat: self.platform.clone(),
            sid: self.id.clone(),
            amr: self.method.amr(),
            jti,
            iat: now,
            exp: now + ttl.min(self.expires_at.saturating_sub(now)).max(1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> SessionRecord {
        SessionRecord {
            id: "s".into(),
            account: "acme".into(),
            subject: "1".into(),
            name: "Ann".into(),
            role: "agent".into(),
            platform: "genesys".into(),
            method: SignInMethod::ApiKey,
            ip: "192.0.2.1".into(),
            created_at: 100,
            expires_at: 200,
            revoked: false,
        }
    }

    #[test]
    fn new_ids_use_every_random_byte_and_differ_from_each_other() {
        let mut random = [0u8; RANDOM_BYTES];
        for (i, b) in random.iter_mut().enumerate() {
            *b = i as u8;
        }
        let ids = NewSessionIds::from_random(&random);
        assert_eq!(ids.token.len(), 43);
        assert_eq!(ids.id, "202122232425262728292a2b2c2d2e2f");
        assert_eq!(ids.jti, "303132333435363738393a3b3c3d3e3f");
        assert_ne!(token_hash(&ids.token), ids.token);
        assert_eq!(token_hash(&ids.token).len(), 64);
    }

    #[test]
    fn a_session_counts_only_for_its_account_until_it_ends_or_is_revoked() {
        let r = record();
        assert!(r.is_live("acme", 199));
        assert!(!r.is_live("acme", 200));
        assert!(!r.is_live("globex", 150));
        assert!(!SessionRecord { revoked: true, ..r }.is_live("acme", 150));
    }

    #[test]
    fn the_sign_in_method_is_named_in_amr_and_reads_back() {
        for m in SignInMethod::ALL {
            assert_eq!(SignInMethod::parse(m.as_str()), Some(m));
        }
        assert_eq!(SignInMethod::parse("pwd"), None);
        let c = record().jwt_claims("https://acme.x", "j".into(), 150, 3600);
        assert_eq!(c.amr, ["api_key"]);
    }

    #[test]
    fn the_panel_shows_how_a_session_was_made_and_marks_the_callers_own() {
        let s = record().summary(false);
        assert_eq!(
            (s.amr, s.ip.as_str(), s.current),
            (vec!["api_key".to_owned()], "192.0.2.1", None)
        );
        assert_eq!(record().summary(true).current, Some(true));
        assert!(
            is_session_id(&"ab".repeat(16))
                && !is_session_id("s")
                && !is_session_id(&"AB".repeat(16))
        );
    }

    #[test]
    fn a_jwt_never_outlives_its_session() {
        let c = record().jwt_claims("https://acme.x", "j".into(), 150, 3600);
        assert_eq!((c.iat, c.exp), (150, 200));
        let c = record().jwt_claims("https://acme.x", "j".into(), 100, 60);
        assert_eq!(c.exp, 160);
        assert_eq!(
            (c.sid.as_str(), c.sub.as_str(), c.role.as_str()),
            ("s", "1", "agent")
        );
    }
}
