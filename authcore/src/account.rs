//! Which account a request belongs to: the first label of `<account>.<BASE_DOMAIN>` (SPEC
//! "Accounts"). A host outside `BASE_DOMAIN` has no account — there is no default account.

use std::fmt;

use crate::ApiError;

/// A valid account name: `[a-z0-9][a-z0-9-]{0,62}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Account(String);

impl Account {
    /// Parses an account name, refusing anything outside `[a-z0-9][a-z0-9-]{0,62}`.
    pub fn parse(name: &str) -> Option<Self> {
        let mut chars = name.chars();
        let first_ok = chars
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
        let rest_ok = chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        (first_ok && rest_ok && name.len() <= 63).then(|| Self(name.to_owned()))
    }

    /// The account named by a `Host` header value (port allowed) under `base_domain`.
    ///
    /// `acme.localhost:8787` under `localhost` is `acme`; `localhost`, `a.b.localhost`,
    /// `acme.example.com` and `ACME..localhost` are [`ApiError::UnknownHost`].
    pub fn from_host(host: &str, base_domain: &str) -> Result<Self, ApiError> {
        let host = strip_port(host).to_ascii_lowercase();
        let base = base_domain.trim_matches('.').to_ascii_lowercase();
        if base.is_empty() {
            return Err(ApiError::UnknownHost);
        }
        host.strip_suffix(&base)
            .and_then(|rest| rest.strip_suffix('.'))
            .and_then(Self::parse)
            .ok_or(ApiError::UnknownHost)
    }

    /// The account name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The `iss` of this account's tokens: `https://<account>.<BASE_DOMAIN>` (SPEC "Session JWT").
    pub fn issuer(&self, base_domain: &str) -> String {
        format!("https://{}.{}", self.0, base_domain.trim_matches('.'))
    }

    /// The name of the secret holding the account's widget API key (seed 000).
    pub fn integration_api_key_secret(&self) -> String {
        format!("{}_integration_api_key", self.0)
    }

    /// The name of the secret holding the account owner's password (SPEC §4 "Admin API").
    pub fn admin_password_secret(&self) -> String {
        format!("{}_admin_password", self.0)
    }

    /// The name of the secret holding the account's HS256 signing key.
    pub fn jwt_signing_key_secret(&self) -> String {
        format!("{}_jwt_signing_key", self.0)
    }

    /// The names of the secrets behind the account's signed launch links (SPEC §6): the HS256
    /// secret, the JWKS of public keys, and the issuer its tokens must name.
    pub fn launch_secret_names(&self) -> [String; 3] {
        ["launch_secret", "launch_jwks", "launch_issuer"].map(|s| format!("{}_{s}", self.0))
    }

    /// The name of the secret holding the account's previous widget API key, still accepted
    /// for sign-in while a rotation is in progress (SPEC §8).
    pub fn integration_api_key_previous_secret(&self) -> String {
        format!("{}_previous", self.integration_api_key_secret())
    }

    /// The name of the secret holding the account's previous signing key, which still verifies
    /// the tokens it signed while a rotation is in progress (SPEC §8).
    pub fn jwt_signing_key_previous_secret(&self) -> String {
        format!("{}_previous", self.jwt_signing_key_secret())
    }
}

impl fmt::Display for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// `host:port` → `host`; bracketed IPv6 literals are left for the caller to refuse.
fn strip_port(host: &str) -> &str {
    match host.rsplit_once(':') {
        Some((name, port)) if !name.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => {
            name
        }
        _ => host,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names_its_account_or_is_unknown() {
        let cases: &[(&str, &str, Option<&str>)] = &[
            ("acme.localhost:8787", "localhost", Some("acme")),
            ("acme.localhost", "localhost", Some("acme")),
            ("ACME.LocalHost:8787", "localhost", Some("acme")),
            (
                "vattenfall.deskgate.example",
                "deskgate.example",
                Some("vattenfall"),
            ),
            ("a-1.deskgate.example", "deskgate.example", Some("a-1")),
            ("localhost:8787", "localhost", None),
            ("127.0.0.1:8787", "localhost", None),
            ("a.b.localhost", "localhost", None),
            (".localhost", "localhost", None),
            ("-acme.localhost", "localhost", None),
            ("acme_x.localhost", "localhost", None),
            ("acme.evil-localhost", "localhost", None),
            ("acmelocalhost", "localhost", None),
            ("acme.deskgate.example.evil.com", "deskgate.example", None),
            ("[::1]:8787", "localhost", None),
            ("acme.localhost", "", None),
        ];
        for (host, base, want) in cases {
            let got = Account::from_host(host, base).ok();
            assert_eq!(
                got.as_ref().map(Account::as_str),
                *want,
                "{host} under {base}"
            );
        }
    }

    #[test]
    fn account_names_are_at_most_63_characters() {
        assert!(Account::parse(&"a".repeat(63)).is_some());
        assert!(Account::parse(&"a".repeat(64)).is_none());
        assert!(Account::parse("").is_none());
    }

    #[test]
    fn secrets_and_issuer_are_named_after_the_account() {
        let acme = Account::parse("acme").into_iter().next();
        let acme = acme.as_ref();
        assert_eq!(
            acme.map(Account::integration_api_key_secret).as_deref(),
            Some("acme_integration_api_key")
        );
        assert_eq!(
            acme.map(Account::jwt_signing_key_secret).as_deref(),
            Some("acme_jwt_signing_key")
        );
        assert_eq!(
            acme.map(Account::integration_api_key_previous_secret)
                .as_deref(),
            Some("acme_integration_api_key_previous")
        );
        assert_eq!(
            acme.map(Account::jwt_signing_key_previous_secret)
                .as_deref(),
            Some("acme_jwt_signing_key_previous")
        );
        assert_eq!(
            acme.map(|a| a.issuer("deskgate.example")).as_deref(),
            Some("https://acme.deskgate.example")
        );
    }
}
