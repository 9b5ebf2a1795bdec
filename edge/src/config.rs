//! Configuration from wrangler vars and Worker secrets. Missing configuration fails closed: no
//! base domain means no account, no key means no sign-in, a short signing key means no tokens.

use std::any::Any;
use std::cell::{OnceCell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use authcore::cleanup::RetentionPolicy;
use authcore::credential::secrets::CredentialsKey;
use authcore::jwt::identity_token::IdentityKey;
use authcore::jwt::{KeyRing, SigningKey};
use authcore::launch::{LaunchKeys, LaunchPolicy};
use authcore::origin::OriginList;
use authcore::revocation;
use authcore::secret::Secret;
use authcore::session::{
    DEFAULT_JWT_TTL_SECONDS, DEFAULT_SESSION_TTL_SECONDS, MAX_SESSION_TTL_SECONDS,
};
use authcore::throttle::ThrottlePolicy;
use authcore::{Account, ApiError, Platform};
use worker::Env;

/// The deployment-wide settings, read once per isolate (vars cannot change under a running
/// isolate: a new deployment or `wrangler dev` reload is a new isolate).
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
    /// `REVOCATION_DELAY_SECONDS`: how long a verifier may believe a live session, token, key
    /// or credential without asking storage again (SPEC §8; 0 = always ask; `LiveCache` believes
    /// nothing longer than `revocation::MAX_DELAY_SECONDS` whatever it says).
    pub revocation_delay: u64,
    /// The desktop origins allowed per platform.
    desktops: [(Platform, OriginList); Platform::ALL.len()],
    /// Where the gateway forwards `/api/<path>` (`UPSTREAM_URL`); `None` when it is missing or
    /// not an http(s) URL.
    upstream: Option<String>,
}

thread_local! {
    /// The isolate's configuration, read by its first request.
    static CURRENT: OnceCell<Result<Rc<Config>, ApiError>> = const { OnceCell::new() };
}

impl Config {
    /// The isolate's configuration: read from the vars by the first request, then kept.
    pub fn current(env: &Env) -> Result<Rc<Self>, ApiError> {
        CURRENT.with(|c| c.get_or_init(|| Self::from_env(env).map(Rc::new)).clone())
    }

    /// Reads the vars; without `BASE_DOMAIN` every request is refused.
    fn from_env(env: &Env) -> Result<Self, ApiError> {
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
                window_seconds: failure_window_seconds(env),
            },
            revocation_delay: number(env, "REVOCATION_DELAY_SECONDS")
                .unwrap_or(revocation::DEFAULT_DELAY_SECONDS),
            desktops: Platform::ALL.map(|platform| {
                let list = var(env, platform.desktop_origins_var()).unwrap_or_default();
                (platform, OriginList::parse(&list))
            }),
            upstream: var(env, "UPSTREAM_URL")
                .and_then(|raw| authcore::url_parts::http_base_url(&raw).map(str::to_owned)),
        })
    }

    /// Where the gateway forwards `/api/<path>` (`UPSTREAM_URL`, ending in `/` is not needed).
    /// Missing or not an http(s) URL: the gateway refuses every request.
    pub fn upstream_url(&self) -> Result<&str, ApiError> {
        self.upstream.as_deref().ok_or_else(|| {
            worker::console_error!(
                "UPSTREAM_URL is missing or not an http(s) URL: the gateway is closed"
            );
            ApiError::Misconfigured
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

thread_local! {
    /// What the isolate derived from its secrets, by name (see [`once`]).
    static DERIVED: RefCell<HashMap<String, Rc<dyn Any>>> = RefCell::new(HashMap::new());
}

/// Most names [`DERIVED`] holds: an unknown account's host can be made up at will, and each
/// would add its own entry.
const DERIVED_CAPACITY: usize = 1024;

/// `derive()`, once per isolate for each `name`: secrets cannot change under a running isolate
/// (a new secret is a new deployment), and deriving costs on every request otherwise (a signing
/// key's `kid` is a SHA-256, an identity key a JSON parse). The memory is bounded.
fn once<T: Clone + 'static>(name: String, derive: impl FnOnce() -> T) -> T {
    let known = DERIVED.with(|d| {
        d.borrow()
            .get(&name)
            .and_then(|v| v.downcast_ref::<T>().cloned())
    });
    if let Some(value) = known {
        return value;
    }
    let value = derive();
    DERIVED.with(|d| {
        let mut d = d.borrow_mut();
        if d.len() >= DERIVED_CAPACITY {
            d.clear();
        }
        d.insert(name, Rc::new(value.clone()));
    });
    value
}

/// The account's signing key, or the deployment's `JWT_SIGNING_KEY`; refused when shorter than
/// 32 bytes. Every token is signed with it.
pub fn signing_key(env: &Env, account: &Account) -> Result<SigningKey, ApiError> {
    once(format!("signing:{account}"), || {
        derive_signing_key(env, account)
    })
}

fn derive_signing_key(env: &Env, account: &Account) -> Result<SigningKey, ApiError> {
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
    once(format!("verifying:{account}"), || {
        derive_verifying_keys(env, account)
    })
}

fn derive_verifying_keys(env: &Env, account: &Account) -> Result<KeyRing, ApiError> {
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
        failure_window_seconds(env),
        number(env, "AUDIT_RETENTION_DAYS"),
    )
}

/// `SIGNIN_FAILURE_WINDOW_SECONDS`, for the throttle and the cleanup alike. A window of no
/// seconds would switch the throttle off: it lasts at least one.
fn failure_window_seconds(env: &Env) -> u64 {
    number(env, "SIGNIN_FAILURE_WINDOW_SECONDS")
        .unwrap_or(ThrottlePolicy::default().window_seconds)
        .max(1)
}

/// The account owner's password (`<account>_admin_password`); `None` means nobody can sign in
/// to the admin API of this account.
pub fn admin_password(env: &Env, account: &Account) -> Option<Secret> {
    secret(env, &account.admin_password_secret())
}

/// The deployment's `CREDENTIALS_KEY`; without it (or with one under 32 bytes) no service
/// credential is issued or accepted.
pub fn credentials_key(env: &Env) -> Result<CredentialsKey, ApiError> {
    once("credentials".to_owned(), || derive_credentials_key(env))
}

fn derive_credentials_key(env: &Env) -> Result<CredentialsKey, ApiError> {
    let key = secret(env, "CREDENTIALS_KEY").ok_or_else(|| {
        worker::console_error!("CREDENTIALS_KEY is not set: refusing service credentials");
        ApiError::Misconfigured
    })?;
    CredentialsKey::new(key).inspect_err(|_| {
        worker::console_error!("CREDENTIALS_KEY is under 32 bytes: refusing service credentials");
    })
}

/// The account's launch keys and policy (SPEC §6), or `None` when it has no launch configured:
/// no issuer, or no usable key. Problems with the keys are logged (never the keys) and the keys
/// left out, so launches fail closed.
pub fn launch(
    env: &Env,
    account: &Account,
    base_domain: &str,
) -> Option<(LaunchKeys, LaunchPolicy)> {
    once(format!("launch:{account}"), || {
        derive_launch(env, account, base_domain)
    })
}

fn derive_launch(
    env: &Env,
    account: &Account,
    base_domain: &str,
) -> Option<(LaunchKeys, LaunchPolicy)> {
    let [secret_name, jwks_name, issuer_name] = account.launch_secret_names();
    let jwks = secret(env, &jwks_name);
    let (keys, problems) = LaunchKeys::from_config(
        secret(env, &secret_name),
        jwks.as_ref()
            .and_then(|j| std::str::from_utf8(j.expose()).ok()),
    );
    for problem in problems {
        worker::console_error!("account {account}: {problem}");
    }
    let issuer = secret(env, &issuer_name);
    if issuer.is_none() && !keys.is_empty() {
        worker::console_error!(
            "account {account} has launch keys but no {issuer_name}: refusing launches"
        );
    }
    let issuer = String::from_utf8(issuer?.expose().to_vec()).ok()?;
    (!keys.is_empty()).then(|| {
        let policy = LaunchPolicy {
            issuer,
            audience: account.issuer(base_domain),
        };
        (keys, policy)
    })
}

/// deskgate's identity-signing keys (SPEC §7): `IDENTITY_SIGNING_KEY`, which signs, and
/// `IDENTITY_SIGNING_KEY_PREVIOUS`, still published while upstreams move to the new one.
/// Without a usable current key the gateway refuses to forward.
pub fn identity_keys(env: &Env) -> Result<(IdentityKey, Option<IdentityKey>), ApiError> {
    once("identity".to_owned(), || derive_identity_keys(env))
}

fn derive_identity_keys(env: &Env) -> Result<(IdentityKey, Option<IdentityKey>), ApiError> {
    let read = |name: &str| {
        secret(env, name).map(|s| {
            IdentityKey::parse(&s).inspect_err(|_| {
                worker::console_error!("{name} is not an Ed25519 private JWK: it is not used");
            })
        })
    };
    let current = read("IDENTITY_SIGNING_KEY").unwrap_or_else(|| {
        worker::console_error!("IDENTITY_SIGNING_KEY is not set: the gateway is closed");
        Err(ApiError::Misconfigured)
    })?;
    let previous = read("IDENTITY_SIGNING_KEY_PREVIOUS").and_then(Result::ok);
    Ok((current, previous))
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
