//! Signing keys that rotate without signing anyone out (SPEC §8).
//!
//! An account signs with one key, its current one, and verifies with the key a token's `kid`
//! names: the current key or, during a rotation, the previous one. The choice is exact, by
//! `kid`: a token naming neither key is refused as [`TokenError::UnknownKey`](super::TokenError)
//! without a signature check, and a token is never tried against each key in turn. Removing
//! the previous key from configuration ends every token it signed.
//!
//! The rotation, as the README's runbook has it: configure the new key as current and the old
//! one as previous; wait until nothing signed with the old key can still be live (the longest
//! token lifetime, which for renewal tokens is the session's); remove the previous key.

use super::SigningKey;

/// Where a verifier looks up the key a token's `kid` names.
pub trait VerifyingKeys {
    /// The key named `kid`, if this set has it: compared exactly, never by trying each key.
    fn by_kid(&self, kid: &str) -> Option<&SigningKey>;
}

/// One key is a set of one: what a verifier with no rotation in progress holds.
impl VerifyingKeys for SigningKey {
    fn by_kid(&self, kid: &str) -> Option<&SigningKey> {
        (self.kid() == kid).then_some(self)
    }
}

/// An account's signing keys: the current one, which signs everything, and the previous one,
/// which still verifies what it signed until it is removed.
#[derive(Debug, Clone)]
pub struct KeyRing {
    current: SigningKey,
    previous: Option<SigningKey>,
}

impl KeyRing {
    /// The keys of an account. A previous key that is the current key again (the same `kid`)
    /// adds nothing and is dropped.
    pub fn new(current: SigningKey, previous: Option<SigningKey>) -> Self {
        let previous = previous.filter(|p| p.kid() != current.kid());
        Self { current, previous }
    }

    /// The key every new token is signed with.
    pub fn current(&self) -> &SigningKey {
        &self.current
    }

    /// The previous key, while a rotation is in progress.
    pub fn previous(&self) -> Option<&SigningKey> {
        self.previous.as_ref()
    }
}

impl VerifyingKeys for KeyRing {
    fn by_kid(&self, kid: &str) -> Option<&SigningKey> {
        std::iter::once(&self.current)
            .chain(self.previous.as_ref())
            .find(|k| k.kid() == kid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jwt::session_token::{sign_session, verify_session, SessionClaims, AUDIENCE};
    use crate::jwt::test_fixtures::{expected, ISSUER, NOW};
    use crate::jwt::TokenError;
    use crate::secret::Secret;

    fn key(fill: char) -> SigningKey {
        SigningKey::new(Secret::new(fill.to_string().repeat(32))).unwrap()
    }

    fn token(with: &SigningKey) -> String {
        let claims = SessionClaims {
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            sub: "1".into(),
            name: "Ada".into(),
            acc: "acme".into(),
            role: "agent".into(),
            plat: "liveengage".into(),
            sid: "s".into(),
            amr: vec!["api_key".into()],
            jti: "j".into(),
            iat: NOW,
            exp: NOW + 600,
        };
        sign_session(&claims, with).unwrap()
    }

    #[test]
    fn each_step_of_a_rotation_verifies_exactly_what_it_should() {
        let (old, new) = (key('o'), key('n'));
        let (by_old, by_new) = (token(&old), token(&new));
        let before = KeyRing::new(old.clone(), None);
        let during = KeyRing::new(new.clone(), Some(old.clone()));
        let after = KeyRing::new(new.clone(), None);
        let verifies = |t: &str, ring: &KeyRing| verify_session(t, ring, &expected(), NOW).is_ok();

        assert!(verifies(&by_old, &before) && !verifies(&by_new, &before));
        assert!(verifies(&by_old, &during) && verifies(&by_new, &during));
        assert!(!verifies(&by_old, &after) && verifies(&by_new, &after));
        assert_eq!(
            verify_session(&by_old, &after, &expected(), NOW),
            Err(TokenError::UnknownKey)
        );
        // New tokens are signed with the new key as soon as it is current.
        assert_eq!(during.current().kid(), new.kid());
    }

    #[test]
    fn a_key_is_chosen_by_its_kid_and_never_by_trying_each() {
        let (old, new) = (key('o'), key('n'));
        let ring = KeyRing::new(new.clone(), Some(old.clone()));
        assert_eq!(ring.by_kid(old.kid()).map(SigningKey::kid), Some(old.kid()));
        assert_eq!(ring.by_kid(new.kid()).map(SigningKey::kid), Some(new.kid()));
        assert!(ring.by_kid("hs256-0000000000000000").is_none());
        assert!(ring.by_kid("").is_none());
        // A token signed with the old key but naming the new key's kid fails its signature
        // check under the new key: the old key is not tried after it.
        let by_old = token(&old);
        let header = format!(r#"{{"typ":"JWT","alg":"HS256","kid":"{}"}}"#, new.kid());
        use base64::Engine;
        let relabelled = format!(
            "{}.{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(header),
            by_old.split_once('.').unwrap().1
        );
        assert_eq!(
            verify_session(&relabelled, &ring, &expected(), NOW),
            Err(TokenError::BadSignature)
        );
    }

    #[test]
    fn a_previous_key_equal_to_the_current_one_is_dropped() {
        let ring = KeyRing::new(key('k'), Some(key('k')));
        assert!(ring.previous().is_none());
        assert!(verify_session(&token(&key('k')), &ring, &expected(), NOW).is_ok());
    }

    #[test]
    fn a_single_key_verifies_only_tokens_naming_it() {
        let (a, b) = (key('a'), key('b'));
        assert!(verify_session(&token(&a), &a, &expected(), NOW).is_ok());
        assert_eq!(
            verify_session(&token(&b), &a, &expected(), NOW),
            Err(TokenError::UnknownKey)
        );
    }
}
