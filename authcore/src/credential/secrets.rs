//! Credential secrets: how each kind is made, what storage keeps, and how it is shown later.
//!
//! Nothing storage keeps can be replayed:
//! - a **service key** is `dgsk_` + 256 random bits; storage keeps only its keyed hash
//!   (HMAC-SHA256 under the deployment's `CREDENTIALS_KEY`, bound to the account), which is also
//!   how a presented key is looked up;
//! - a **JWT secret** must be read back to verify the caller's signatures, so it is never stored
//!   at all: it is derived from `CREDENTIALS_KEY`, the account, the credential id and a random
//!   salt, and storage keeps the salt. Regenerating draws a new salt, so the old secret is gone.
//!
//! A stolen table is useless without `CREDENTIALS_KEY`, which lives only in Worker secrets.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::rules::Kind;
use crate::jwt::hex;
use crate::secret::Secret;
use crate::{Account, ApiError};

/// What every service key starts with, so leaked keys are easy to recognise and scan for.
pub const SERVICE_KEY_PREFIX: &str = "dgsk_";
/// Random bytes one new secret consumes.
pub const RANDOM_BYTES: usize = 32;
/// Shortest `CREDENTIALS_KEY` accepted, in bytes.
pub const MIN_CREDENTIALS_KEY_BYTES: usize = 32;

/// The deployment's `CREDENTIALS_KEY`: the key of every credential hash and derivation.
#[derive(Debug, Clone)]
pub struct CredentialsKey(Secret);

impl CredentialsKey {
    /// The key, refused when shorter than [`MIN_CREDENTIALS_KEY_BYTES`] (the worker then fails
    /// closed: no credential is issued or accepted).
    pub fn new(secret: Secret) -> Result<Self, ApiError> {
        if secret.expose().len() < MIN_CREDENTIALS_KEY_BYTES {
            return Err(ApiError::Misconfigured);
        }
        Ok(Self(secret))
    }

    fn mac(&self, parts: &[&[u8]]) -> [u8; 32] {
        // A 32+-byte key always fits HMAC; the fallback never runs.
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(self.0.expose()) else {
            return [0; 32];
        };
        for part in parts {
            // Length-prefixed, so no two different part lists hash the same bytes.
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part);
        }
        mac.finalize().into_bytes().into()
    }

    /// The stored form of a service key of `account`, hex.
    pub fn service_key_hash(&self, account: &Account, key: &str) -> String {
        hex(&self.mac(&[b"service_key", account.as_str().as_bytes(), key.as_bytes()]))
    }

    /// The HMAC key of a JWT credential: derived, never stored.
    pub fn jwt_secret(&self, account: &Account, credential_id: &str, salt: &str) -> [u8; 32] {
        self.mac(&[
            b"jwt_secret",
            account.as_str().as_bytes(),
            credential_id.as_bytes(),
            salt.as_bytes(),
        ])
    }
}

/// The internal id of `POST /v1/customer-ids` `{"customer_id"}`.
pub fn parse_customer_id_request(body: &[u8]) -> Result<String, ApiError> {
    #[derive(serde::Deserialize)]
    struct Raw {
        customer_id: Option<String>,
    }
    let raw: Raw = crate::input::json_object(body, "customer_id")?;
    crate::input::required_field("customer_id", raw.customer_id)
}

/// The prefix of opaque customer ids.
pub const CUSTOMER_ID_PREFIX: &str = "cust_";

impl CredentialsKey {
    /// The opaque id of an internal customer id (seed 001): unique and stable per account, free
    /// of PII, and not reversible without `CREDENTIALS_KEY` (HMAC-SHA256, base64url).
    pub fn opaque_customer_id(&self, account: &Account, internal_id: &str) -> String {
        let mac = self.mac(&[
            b"customer_id",
            account.as_str().as_bytes(),
            internal_id.as_bytes(),
        ]);
        format!("{CUSTOMER_ID_PREFIX}{}", URL_SAFE_NO_PAD.encode(mac))
    }
}

/// A freshly issued secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issued {
    /// The secret as handed out, once: a service key, or a JWT secret in standard base64.
    pub secret: String,
    /// What storage keeps: the service key's hash, or the JWT secret's salt.
    pub stored: String,
    /// How the secret is shown from now on.
    pub masked: String,
}

/// Issues a new secret of `kind` for credential `credential_id` from CSPRNG bytes.
pub fn issue(
    kind: Kind,
    key: &CredentialsKey,
    account: &Account,
    credential_id: &str,
    random: &[u8; RANDOM_BYTES],
) -> Issued {
    let (secret, stored) = match kind {
        Kind::ServiceKey => {
            let secret = format!("{SERVICE_KEY_PREFIX}{}", URL_SAFE_NO_PAD.encode(random));
            let stored = key.service_key_hash(account, &secret);
            (secret, stored)
        }
        Kind::Jwt => {
            let salt = hex(random);
            let secret = STANDARD.encode(key.jwt_secret(account, credential_id, &salt));
            (secret, salt)
        }
    };
    Issued {
        masked: mask(kind, &secret),
        secret,
        stored,
    }
}

/// A secret as shown after creation: its kind's prefix and its last four characters.
pub fn mask(kind: Kind, secret: &str) -> String {
    let prefix = match kind {
        Kind::ServiceKey => SERVICE_KEY_PREFIX,
        Kind::Jwt => "",
    };
    let tail: String = secret
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("{prefix}…{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> CredentialsKey {
        CredentialsKey::new(Secret::new("a-credentials-key-of-32-bytes!!!")).unwrap()
    }

    fn acme() -> Account {
        Account::parse("acme").unwrap()
    }

    #[test]
    fn a_short_credentials_key_is_refused() {
        assert!(CredentialsKey::new(Secret::new("x".repeat(31))).is_err());
    }

    #[test]
    fn a_service_key_is_prefixed_random_and_stored_only_as_its_keyed_hash() {
        let issued = issue(Kind::ServiceKey, &key(), &acme(), "cred_1", &[7; 32]);
        assert!(issued.secret.starts_with("dgsk_"));
        assert_eq!(issued.secret.len(), 5 + 43);
        assert_eq!(
            issued.stored,
            key().service_key_hash(&acme(), &issued.secret)
        );
        assert_eq!(issued.stored.len(), 64);
        assert!(!issued.stored.contains(&issued.secret[5..]));
        assert_eq!(issued.masked, format!("dgsk_…{}", &issued.secret[44..]));
    }

    #[test]
    fn a_service_key_hash_depends_on_the_account_and_the_deployment_key() {
        let k = "dgsk_same";
        let globex = Account::parse("globex").unwrap();
        let other = CredentialsKey::new(Secret::new("another-credentials-key-32-bytes")).unwrap();
        let h = key().service_key_hash(&acme(), k);
        assert_ne!(h, key().service_key_hash(&globex, k));
        assert_ne!(h, other.service_key_hash(&acme(), k));
        assert_eq!(h, key().service_key_hash(&acme(), k));
    }

    #[test]
    fn a_jwt_secret_is_base64_of_32_bytes_derived_from_its_salt() {
        let issued = issue(Kind::Jwt, &key(), &acme(), "cred_2", &[9; 32]);
        let bytes = STANDARD.decode(&issued.secret).unwrap();
        assert_eq!(bytes, key().jwt_secret(&acme(), "cred_2", &issued.stored));
        assert_eq!(issued.stored, "09".repeat(32));
        let regenerated = issue(Kind::Jwt, &key(), &acme(), "cred_2", &[10; 32]);
        assert_ne!(regenerated.secret, issued.secret);
        assert_eq!(issued.masked.chars().count(), 5);
    }

    #[test]
    fn opaque_customer_ids_are_stable_distinct_and_carry_nothing_of_the_input() {
        let a = key().opaque_customer_id(&acme(), "customer-2209-118");
        assert_eq!(a, key().opaque_customer_id(&acme(), "customer-2209-118"));
        assert_ne!(a, key().opaque_customer_id(&acme(), "customer-2209-119"));
        assert_ne!(
            a,
            key().opaque_customer_id(&Account::parse("globex").unwrap(), "customer-2209-118")
        );
        assert!(a.starts_with("cust_") && a.len() == 5 + 43);
        assert!(!a.contains("2209"));
    }

    #[test]
    fn the_hmac_parts_are_length_prefixed() {
        // "ab" + "c" and "a" + "bc" must not collide.
        assert_ne!(
            key().jwt_secret(&acme(), "ab", "c"),
            key().jwt_secret(&acme(), "a", "bc")
        );
    }
}
