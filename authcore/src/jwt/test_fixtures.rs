//! What the tests of the token kinds share: one signing key, the account they expect, the time
//! they run at and a live agent session.

use super::{Expected, SigningKey};
use crate::secret::Secret;
use crate::session::{SessionRecord, SignInMethod};
use crate::Account;

/// The signing key's secret.
pub const KEY: &str = "an-example-signing-key-of-32-bytes!!";
/// "Now" in every test.
pub const NOW: u64 = 1_700_000_000;
/// The `iss` of account `acme`'s tokens.
pub const ISSUER: &str = "https://acme.deskgate.example";

pub fn key() -> SigningKey {
    SigningKey::new(Secret::new(KEY)).unwrap()
}

pub fn expected() -> Expected {
    Expected {
        account: Account::parse("acme").unwrap(),
        issuer: ISSUER.into(),
    }
}

/// Agent 7's API-key session, made 100 s ago and live for 8 hours.
pub fn session() -> SessionRecord {
    SessionRecord {
        id: "sid".into(),
        account: "acme".into(),
        subject: "7".into(),
        name: "Ann".into(),
        role: "agent".into(),
        platform: "genesys".into(),
        method: SignInMethod::ApiKey,
        ip: "192.0.2.1".into(),
        created_at: NOW - 100,
        expires_at: NOW + 8 * 3600,
        revoked: false,
    }
}
