//! Configuration from wrangler vars and Worker secrets. Missing configuration fails closed: no
//! base domain means no account, no key means no sign-in, a short signing key means no tokens.

use authcore::cleanup::RetentionPolicy;
use authcore::credential::secrets::CredentialsKey;
use authcore::jwt::{KeyRing, SigningKey};
use authcore::origin::OriginList;
use authcore::secret::Secret;
use authcore::session::{
    DEFAULT_JWT_TTL_SECONDS, DEFAULT_SESSION_TTL_SECONDS, MAX_SESSION_TTL_SECONDS,
};
use authcore::throttle::ThrottlePolicy;
use authcore::{Account, ApiError, Platform};
use worker::Env;

/// The deployment-wide settings, read once per request.
#[derive(Debug, Clone)]
pub struct Config {
    /// Accounts are `<account>.<base_domain>`.
    pub base_domain: String,
    /// How long a session lives, in seconds.
    pub session_ttl: u64,
    /// How long a session JWT lives, in seconds (capped at 3600 by the rules).
    pub jwt_ttl: u64,
    /// The sign-in failure throttle.
    pub throttle: ThrottlePolicy,
    /// The desktop origins allowed per platform.
    desktops: [(Platform, OriginList); Platform::ALL.len()],
}

impl Config {
    /// Reads the vars; without `BASE_DOMAIN` every request is refused.
    pub fn from_env(env: &Env) -> Result<Self, ApiError> {
        let base_domain = var(env, "BASE_DOMAIN")
            .filter(|d| !d.trim().is_empty())
            .ok_or_else(|| {
                worker::console_error!("BASE_DOMAIN is not set: refusing every request");
                ApiError::Misconfigured
            })?;
        let defaults = ThrottlePolicy::default();
        Ok(Self {
            base_domain,
            session_ttl: number(env, "SESSION_TTL_SECONDS")
                .unwrap_or(DEFAULT_SESSION_TTL_SECONDS)
                .clamp(1, MAX_SESSION_TTL_SECONDS),
            jwt_ttl: number(env, "JWT_TTL_SECONDS")
                .unwrap_or(DEFAULT_JWT_TTL_SECONDS)
                .clamp(1, authcore::jwt::session_token::MAX_LIFETIME_SECONDS),
            throttle: ThrottlePolicy {
                max_failures: count(env, "SIGNIN_MAX_FAILURES").unwrap_or(defaults.max_failures),
                account_max_failures: count(env, "SIGNIN_ACCOUNT_MAX_FAILURES")
                    .unwrap_or(defaults.account_max_failures),
                window_seconds: number(env, "SIGNIN_FAILURE_WINDOW_SECONDS")
                    .unwrap_or(defaults.window_seconds),
            },
            desktops: Platform::ALL.map(|platform| {
                let list = var(env, platform.desktop_origins_var()).unwrap_or_default();
                (platform, OriginList::parse(&list))
            }),
        })
    }

    /// The desktop origins allowed for one platform: its widget page's CSP `frame-ancestors`,
    /// and the origins its sign-in accepts besides the account's own.
    pub fn desktop_origins(&self, platform: Platform) -> &OriginList {
        // Every platform has its entry; the empty list (nothing allowed) is only a fallback.
        self.desktops
            .iter()
            .find(|(p, _)| *p == platform)
            .map_or(OriginList::none(), |(_, list)| list)
    }
}

/// The account's widget API key; `None` means the account does not exist.
pub fn integration_api_key(env: &Env, account: &Account) -> Option<Secret> {
    secret(env, &account.integration_api_key_secret())
}

/// The account's signing key, or the deployment's `JWT_SIGNING_KEY`; refused when shorter than
/// 32 bytes. Every token is signed with it.
pub fn signing_key(env: &Env, account: &Account) -> Result<SigningKey, ApiError> {
    let (key, _) = signing_secrets(env, account);
    let key = key.ok_or_else(|| {
        worker::console_error!("account {account} has no JWT signing key: refusing to sign");
        ApiError::Misconfigured
    })?;
    SigningKey::new(key).inspect_err(|_| {
        worker::console_error!(
            "account {account}'s JWT signing key is under 32 bytes: refusing to sign"
        );
    })
}

/// The keys that verify the account's own tokens (SPEC §8): the signing key, and during a
/// rotation the previous key of the same source — `<account>_jwt_signing_key_previous` beside
/// the account's own key, `JWT_SIGNING_KEY_PREVIOUS` beside the fallback. (The fallback's
/// previous key never verifies for an account that has a key of its own: it never signed for
/// it.) A previous key under 32 bytes is ignored, so what it signed is refused.
pub fn verifying_keys(env: &Env, account: &Account) -> Result<KeyRing, ApiError> {
    let current = signing_key(env, account)?;
    let (_, previous) = signing_secrets(env, account);
    let previous = previous.and_then(|p| {
        SigningKey::new(p)
            .inspect_err(|_| {
                worker::console_error!(
                    "account {account}'s previous JWT signing key is under 32 bytes: ignored"
                );
            })
            .ok()
    });
    Ok(KeyRing::new(current, previous))
}

/// The current and previous signing secrets of the source the account's key comes from.
fn signing_secrets(env: &Env, account: &Account) -> (Option<Secret>, Option<Secret>) {
    match secret(env, &account.jwt_signing_key_secret()) {
        Some(own) => (
            Some(own),
            secret(env, &account.jwt_signing_key_previous_secret()),
        ),
        None => (
            secret(env, "JWT_SIGNING_KEY"),
            secret(env, "JWT_SIGNING_KEY_PREVIOUS"),
        ),
    }
}

/// The account's previous widget API key, accepted for sign-in while a rotation is in progress
/// (SPEC §8); nothing without a current key.
pub fn integration_api_key_previous(env: &Env, account: &Account) -> Option<Secret> {
    secret(env, &account.integration_api_key_previous_secret())
}

/// What the scheduled cleanup keeps (`SIGNIN_FAILURE_WINDOW_SECONDS`, `AUDIT_RETENTION_DAYS`).
/// It needs no account, so it reads no `BASE_DOMAIN`.
pub fn retention_policy(env: &Env) -> RetentionPolicy {
    RetentionPolicy::new(
        number(env, "SIGNIN_FAILURE_WINDOW_SECONDS")
            .unwrap_or(ThrottlePolicy::default().window_seconds),
        number(env, "AUDIT_RETENTION_DAYS"),
    )
}

/// The account owner's password (`<account>_admin_password`); `None` means nobody can sign in
/// to the admin API of this account.
pub fn admin_password(env: &Env, account: &Account) -> Option<Secret> {
    secret(env, &account.admin_password_secret())
}

/// The deployment's `CREDENTIALS_KEY`; without it (or with one under 32 bytes) no service
/// credential is issued or accepted.
pub fn credentials_key(env: &Env) -> Result<CredentialsKey, ApiError> {
    let key = secret(env, "CREDENTIALS_KEY").ok_or_else(|| {
        worker::console_error!("CREDENTIALS_KEY is not set: refusing service credentials");
        ApiError::Misconfigured
    })?;
    CredentialsKey::new(key).inspect_err(|_| {
        worker::console_error!("CREDENTIALS_KEY is under 32 bytes: refusing service credentials");
    })
}

/// Where the gateway forwards `/api/<path>` (`UPSTREAM_URL`, ending in `/` is not needed).
/// Missing or not an http(s) URL: the gateway refuses every request.
pub fn upstream_url(env: &Env) -> Result<String, ApiError> {
    let raw = var(env, "UPSTREAM_URL").unwrap_or_default();
    authcore::url_parts::http_base_url(&raw)
        .map(str::to_owned)
        .ok_or_else(|| {
            worker::console_error!(
                "UPSTREAM_URL is missing or not an http(s) URL: the gateway is closed"
            );
            ApiError::Misconfigured
        })
}

fn secret(env: &Env, name: &str) -> Option<Secret> {
    env.secret(name)
        .ok()
        .map(|s| s.to_string())
        .filter(|s| !s.is_empty())
        .map(Secret::new)
}

fn var(env: &Env, name: &str) -> Option<String> {
    env.var(name).ok().map(|v| v.to_string())
}

fn number(env: &Env, name: &str) -> Option<u64> {
    var(env, name).and_then(|v| v.trim().parse().ok())
}

fn count(env: &Env, name: &str) -> Option<u32> {
    number(env, name).and_then(|n| u32::try_from(n).ok())
}
