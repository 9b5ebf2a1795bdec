//! Signed launch links (SPEC §6): the policy a launch token passes before it becomes a session.
//!
//! A desktop, connector or backend that can sign opens the widget with `#launch=<JWS>` instead of
//! the account's shared API key. The token is judged here, in steps that make the order explicit:
//!
//! 1. [`prepare`]: its shape and header. The algorithm is taken from an exact allow-list *per
//!    key*: `HS256` only with the account's `<account>_launch_secret`; `ES256`, `EdDSA` and
//!    `RS256` only with the JWKS key its `kid` names, and only the algorithm that key's type
//!    allows. So a token signed HS256 with a public key's bytes (the classic algorithm
//!    confusion) finds no key, and `none` or anything else is refused.
//! 2. The signature: HS256 here ([`Unverified::verify_hs256`]); the others by the runtime's
//!    WebCrypto, whose verdict the caller hands back ([`Unverified::accept`]). Nothing of the
//!    payload is read before.
//! 3. [`Verified::claims`]: issuer, audience, times (lifetime at most 300 s, the usual 30 s of
//!    skew), subject, name, role (never `owner`) and `jti`.
//!
//! Single use of `jti` is the storage's job: the edge records it with one atomic insert before it
//! writes the session (a sign-in that fails after it leaves the `jti` used: it fails closed).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::input::required_field;
use crate::jwt::{
    check_not_before, check_signature, check_times, numeric_date, payload_claims, JoseHeader,
    JwsParts, TokenError, LEEWAY_SECONDS, MAX_TOKEN_BYTES, TYP_JWT,
};
use crate::secret::Secret;
use crate::{ApiError, Platform};

/// The longest a launch token may live (`exp - iat`), in seconds.
pub const MAX_LIFETIME_SECONDS: u64 = 300;
/// The role of a launch that names none.
pub const DEFAULT_ROLE: &str = "agent";
/// The roles a launch may give. `owner` is not among them: the owner signs in with a password.
pub const ROLES: [&str; 3] = ["agent", "editor", "manager"];
/// Shortest `<account>_launch_secret` accepted, in bytes (RFC 7518 §3.2).
pub const MIN_SECRET_BYTES: usize = 32;

/// Why a launch token is refused. Every variant is the same `401 invalid_launch` at the HTTP
/// boundary; the detail is for tests and logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum LaunchError {
    /// When the token is not a compact JWS of JSON parts, or is too long.
    #[error("the launch token is malformed")]
    Malformed,
    /// When `alg` is not one of HS256, ES256, EdDSA, RS256 (`none` included).
    #[error("the launch token's algorithm is not allowed")]
    UnsupportedAlgorithm,
    /// When the header carries `crit`, `jku`, `jwk`, `x5u` or `x5c`, or a `typ` other than JWT.
    #[error("the launch token's header is not accepted")]
    RefusedHeader,
    /// When no configured key may verify it: no secret for HS256, no JWKS key of that `kid`,
    /// or a key whose type does not allow the token's algorithm.
    #[error("no key of this account verifies the launch token")]
    UnknownKey,
    /// When the signature does not verify.
    #[error("the launch token's signature is invalid")]
    BadSignature,
    /// When `iss` or `aud` is not the account's.
    #[error("the launch token was issued for someone else")]
    WrongAudience,
    /// When `exp` is past (beyond the leeway).
    #[error("the launch token has expired")]
    Expired,
    /// When `iat` is in the future, or `nbf` has not come (beyond the leeway).
    #[error("the launch token is not valid yet")]
    NotYetValid,
    /// When `exp - iat` is over [`MAX_LIFETIME_SECONDS`], or not positive.
    #[error("the launch token lives too long")]
    LifetimeNotAllowed,
    /// When a claim is missing, empty, too long, or of the wrong type.
    #[error("the launch token's claims are incomplete")]
    MissingClaim,
    /// When `role` is not one of [`ROLES`].
    #[error("the launch token asks for a role it may not give")]
    RoleNotAllowed,
}

impl From<LaunchError> for ApiError {
    fn from(_: LaunchError) -> Self {
        ApiError::InvalidLaunch
    }
}

/// An algorithm a launch token may be signed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LaunchAlg {
    /// HMAC-SHA256 with the account's launch secret.
    Hs256,
    /// ECDSA P-256 with SHA-256, a JWKS key of `kty` `EC`, `crv` `P-256`.
    Es256,
    /// Ed25519, a JWKS key of `kty` `OKP`, `crv` `Ed25519`.
    EdDsa,
    /// RSASSA-PKCS1-v1_5 with SHA-256, a JWKS key of `kty` `RSA`.
    Rs256,
}

impl LaunchAlg {
    /// The `alg` header value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hs256 => "HS256",
            Self::Es256 => "ES256",
            Self::EdDsa => "EdDSA",
            Self::Rs256 => "RS256",
        }
    }

    fn parse(name: &str) -> Option<Self> {
        [Self::Hs256, Self::Es256, Self::EdDsa, Self::Rs256]
            .into_iter()
            .find(|a| a.as_str() == name)
    }
}

/// A public key of the account's `<account>_launch_jwks` (RFC 7517), the members deskgate
/// reads. Private members (`d`, `p`, …) are never read, so a JWKS that carries them by mistake
/// still only verifies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwk {
    /// `EC`, `OKP` or `RSA`.
    #[serde(default)]
    pub kty: String,
    /// Its name in token headers (required: a launch key is chosen by `kid`; one without is
    /// unusable).
    #[serde(default)]
    pub kid: String,
    /// `P-256` or `Ed25519`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crv: Option<String>,
    /// The public point's x (EC, OKP).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x: Option<String>,
    /// The public point's y (EC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub y: Option<String>,
    /// The RSA modulus.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<String>,
    /// The RSA exponent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub e: Option<String>,
    /// The key's algorithm, if the JWKS names it: it must then match the key's type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    /// `sig`, if named; a key for encryption verifies nothing.
    #[serde(default, rename = "use", skip_serializing_if = "Option::is_none")]
    pub use_: Option<String>,
}

impl Jwk {
    /// The one algorithm this key verifies, or `None` for a key deskgate cannot use.
    pub fn algorithm(&self) -> Option<LaunchAlg> {
        let has = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.is_empty());
        let alg = match (self.kty.as_str(), self.crv.as_deref()) {
            ("EC", Some("P-256")) if has(&self.x) && has(&self.y) => LaunchAlg::Es256,
            ("OKP", Some("Ed25519")) if has(&self.x) => LaunchAlg::EdDsa,
            ("RSA", None) if has(&self.n) && has(&self.e) => LaunchAlg::Rs256,
            _ => return None,
        };
        let alg_ok = self.alg.as_deref().is_none_or(|a| a == alg.as_str());
        let use_ok = self.use_.as_deref().is_none_or(|u| u == "sig");
        (alg_ok && use_ok).then_some(alg)
    }

    /// The key as WebCrypto imports it: its public members only, without `alg`, `use` or `kid`
    /// (which `importKey` would check against its own, differently spelled, parameters).
    pub fn public_members(&self) -> Jwk {
        Jwk {
            kty: self.kty.clone(),
            kid: String::new(),
            crv: self.crv.clone(),
            x: self.x.clone(),
            y: self.y.clone(),
            n: self.n.clone(),
            e: self.e.clone(),
            alg: None,
            use_: None,
        }
    }
}

/// The keys an account verifies launch tokens with.
#[derive(Debug, Clone, Default)]
pub struct LaunchKeys {
    /// `<account>_launch_secret`, for HS256.
    pub secret: Option<Secret>,
    /// `<account>_launch_jwks`'s usable keys.
    pub jwks: Vec<Jwk>,
}

impl LaunchKeys {
    /// The keys from the account's secrets. A secret under [`MIN_SECRET_BYTES`] is no key; so is
    /// a JWKS that does not parse, or a key in it deskgate cannot use: each is reported in
    /// `problems` (for the log, never the client) and left out, so launches fail closed.
    pub fn from_config(secret: Option<Secret>, jwks: Option<&str>) -> (Self, Vec<&'static str>) {
        let mut problems = Vec::new();
        let secret = secret.filter(|s| {
            let long_enough = s.expose().len() >= MIN_SECRET_BYTES;
            if !long_enough {
                problems.push("the launch secret is under 32 bytes: HS256 launches are refused");
            }
            long_enough
        });
        let mut keys = Vec::new();
        if let Some(text) = jwks {
            #[derive(Deserialize)]
            struct Set {
                keys: Vec<Jwk>,
            }
            // from_slice, as every other parse in the worker: one instance of the JSON reader.
            match serde_json::from_slice::<Set>(text.as_bytes()) {
                Ok(set) => {
                    for k in set.keys {
                        if k.algorithm().is_some() && !k.kid.is_empty() {
                            keys.push(k);
                        } else {
                            problems.push("a launch JWKS key is unusable and is ignored");
                        }
                    }
                }
                Err(_) => problems.push("the launch JWKS is not a JWKS document: it is ignored"),
            }
        }
        (Self { secret, jwks: keys }, problems)
    }

    /// Whether any launch can verify at all.
    pub fn is_empty(&self) -> bool {
        self.secret.is_none() && self.jwks.is_empty()
    }
}

/// What the account expects of its launch tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaunchPolicy {
    /// `<account>_launch_issuer`.
    pub issuer: String,
    /// `https://<account>.<BASE_DOMAIN>`.
    pub audience: String,
}

/// The key a launch token is to be verified with.
#[derive(Debug, Clone, Copy)]
pub enum LaunchKey<'a> {
    /// The account's HS256 secret.
    Secret(&'a Secret),
    /// A JWKS key.
    Public(&'a Jwk),
}

/// A launch token whose shape, header and key have passed, but whose signature has not.
#[derive(Debug)]
pub struct Unverified<'a> {
    alg: LaunchAlg,
    key: LaunchKey<'a>,
    parts: JwsParts<'a>,
    signature: Vec<u8>,
}

/// Step 1: the token's shape and header, and the key its header picks.
pub fn prepare<'a>(token: &'a str, keys: &'a LaunchKeys) -> Result<Unverified<'a>, LaunchError> {
    let parts = JwsParts::split(token).map_err(|_| LaunchError::Malformed)?;
    let header = JoseHeader::read(parts.header).map_err(|_| LaunchError::Malformed)?;
    let alg = header
        .alg
        .as_deref()
        .and_then(LaunchAlg::parse)
        .ok_or(LaunchError::UnsupportedAlgorithm)?;
    header
        .check_refused()
        .and_then(|()| header.check_typ(TYP_JWT))
        .map_err(|_| LaunchError::RefusedHeader)?;
    let key = match alg {
        LaunchAlg::Hs256 => LaunchKey::Secret(keys.secret.as_ref().ok_or(LaunchError::UnknownKey)?),
        _ => {
            let kid = header.kid.as_deref().ok_or(LaunchError::UnknownKey)?;
            let jwk = keys
                .jwks
                .iter()
                .find(|k| k.kid == kid)
                .ok_or(LaunchError::UnknownKey)?;
            if jwk.algorithm() != Some(alg) {
                return Err(LaunchError::UnknownKey);
            }
            LaunchKey::Public(jwk)
        }
    };
    let signature = URL_SAFE_NO_PAD
        .decode(parts.signature)
        .map_err(|_| LaunchError::Malformed)?;
    Ok(Unverified {
        alg,
        key,
        parts,
        signature,
    })
}

impl<'a> Unverified<'a> {
    /// The algorithm the header named and the key allows.
    pub fn algorithm(&self) -> LaunchAlg {
        self.alg
    }

    /// The JWKS key to verify with, for an asymmetric algorithm.
    pub fn public_key(&self) -> Option<&'a Jwk> {
        match self.key {
            LaunchKey::Public(jwk) => Some(jwk),
            LaunchKey::Secret(_) => None,
        }
    }

    /// What the signature covers: `header.payload`.
    pub fn signing_input(&self) -> &'a str {
        self.parts.signed
    }

    /// The signature's bytes (for ES256 the raw `r || s` of RFC 7518 §3.4, as WebCrypto wants).
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    /// Step 2 for HS256: checks the MAC in constant time.
    pub fn verify_hs256(self) -> Result<Verified<'a>, LaunchError> {
        let LaunchKey::Secret(secret) = self.key else {
            return Err(LaunchError::UnknownKey);
        };
        check_signature(&self.parts, secret.expose()).map_err(|e| match e {
            TokenError::BadSignature => LaunchError::BadSignature,
            _ => LaunchError::Malformed,
        })?;
        Ok(Verified {
            payload: self.parts.payload,
        })
    }

    /// Step 2 for ES256, EdDSA and RS256: the runtime's verdict on [`Self::signature`] over
    /// [`Self::signing_input`] with [`Self::public_key`]. HS256 never goes this way.
    pub fn accept(self, signature_valid: bool) -> Result<Verified<'a>, LaunchError> {
        match (self.key, signature_valid) {
            (LaunchKey::Public(_), true) => Ok(Verified {
                payload: self.parts.payload,
            }),
            (LaunchKey::Public(_), false) => Err(LaunchError::BadSignature),
            (LaunchKey::Secret(_), _) => Err(LaunchError::UnknownKey),
        }
    }
}

/// A launch token whose signature verified: only now is its payload read.
#[derive(Debug)]
pub struct Verified<'a> {
    payload: &'a str,
}

/// The claims of a launch token that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaunchClaims {
    /// The agent id.
    pub sub: String,
    /// The agent's display name.
    pub name: String,
    /// `agent`, `editor` or `manager`.
    pub role: &'static str,
    /// The token's id, single use.
    pub jti: String,
    /// Until when the token could be used (unix seconds): its `exp` plus the leeway; a second
    /// use is refused until then.
    pub usable_until: u64,
}

#[derive(Deserialize)]
struct RawClaims {
    iss: Option<String>,
    #[serde(default, deserialize_with = "audiences")]
    aud: Vec<String>,
    sub: Option<String>,
    name: Option<String>,
    role: Option<String>,
    jti: Option<String>,
    #[serde(with = "numeric_date")]
    iat: u64,
    #[serde(with = "numeric_date")]
    exp: u64,
    #[serde(default, with = "numeric_date::option")]
    nbf: Option<u64>,
}

impl Verified<'_> {
    /// Step 3: the claims, judged against the account's policy at `now`.
    pub fn claims(self, policy: &LaunchPolicy, now: u64) -> Result<LaunchClaims, LaunchError> {
        let raw: RawClaims = payload_claims(self.payload).map_err(|_| LaunchError::MissingClaim)?;
        let audience_ok = raw.aud.contains(&policy.audience);
        if raw.iss.as_deref() != Some(policy.issuer.as_str()) || !audience_ok {
            return Err(LaunchError::WrongAudience);
        }
        // The times of every deskgate token, then `nbf` as a caller JWT's.
        check_times(raw.iat, raw.exp, now, MAX_LIFETIME_SECONDS)
            .and_then(|()| check_not_before(raw.nbf, now))
            .map_err(|e| match e {
                TokenError::LifetimeNotAllowed => LaunchError::LifetimeNotAllowed,
                TokenError::Expired => LaunchError::Expired,
                _ => LaunchError::NotYetValid,
            })?;
        let usable_until = raw.exp.saturating_add(LEEWAY_SECONDS);
        let field = |name: &str, v: Option<String>| {
            required_field(name, v).map_err(|_| LaunchError::MissingClaim)
        };
        let role = match raw.role.as_deref() {
            None => DEFAULT_ROLE,
            Some(r) => ROLES
                .into_iter()
                .find(|allowed| *allowed == r)
                .ok_or(LaunchError::RoleNotAllowed)?,
        };
        Ok(LaunchClaims {
            sub: field("sub", raw.sub)?,
            name: field("name", raw.name)?,
            role,
            jti: field("jti", raw.jti)?,
            usable_until,
        })
    }
}

/// `aud` as RFC 7519 §4.1.3 allows it: one string or an array of strings. (A visitor rather
/// than an untagged enum, whose buffering would add serde's `Content` machinery to the worker.)
fn audiences<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    struct Visitor;
    impl<'de> serde::de::Visitor<'de> for Visitor {
        type Value = Vec<String>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a string or an array of strings")
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(vec![v.to_owned()])
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> Result<Self::Value, A::Error> {
            let mut all = Vec::new();
            while let Some(a) = seq.next_element::<String>()? {
                all.push(a);
            }
            Ok(all)
        }
    }
    d.deserialize_any(Visitor)
}

/// The body of `POST /apis/admin/session/launch/`: `{"launch","platform"}`.
pub fn parse_launch_request(body: &[u8]) -> Result<(String, Platform), ApiError> {
    #[derive(Deserialize)]
    struct Raw {
        launch: Option<String>,
        platform: Option<String>,
    }
    let raw: Raw = crate::input::json_object(body, "string fields launch and platform")?;
    let launch = raw.launch.unwrap_or_default();
    if launch.is_empty() || launch.len() > MAX_TOKEN_BYTES {
        return Err(ApiError::InvalidRequest(format!(
            "the field launch must be a token of 1 to {MAX_TOKEN_BYTES} bytes"
        )));
    }
    let platform = required_field("platform", raw.platform)?;
    let platform = Platform::parse(&platform).map_err(|_| {
        ApiError::InvalidRequest("the field platform must be liveengage or genesys".into())
    })?;
    Ok((launch, platform))
}

#[cfg(test)]
mod tests {
    use hmac::{Hmac, Mac};
    use sha2::Sha256;

    use super::*;

    const NOW: u64 = 1_700_000_000;
    const SECRET: &str = "an-account-launch-secret-of-32-bytes!";
    const ISSUER: &str = "https://wde.acme.example";
    const AUDIENCE: &str = "https://acme.deskgate.example";

    fn ec_key() -> Jwk {
        Jwk {
            kty: "EC".into(),
            kid: "ec-1".into(),
            crv: Some("P-256".into()),
            x: Some("f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU".into()),
            y: Some("x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0".into()),
            n: None,
            e: None,
            alg: None,
            use_: None,
        }
    }

    fn ed_key() -> Jwk {
        Jwk {
            kty: "OKP".into(),
            kid: "ed-1".into(),
            crv: Some("Ed25519".into()),
            x: Some("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo".into()),
            y: None,
            ..ec_key()
        }
    }

    fn rsa_key() -> Jwk {
        Jwk {
            kty: "RSA".into(),
            kid: "rsa-1".into(),
            crv: None,
            x: None,
            y: None,
            n: Some("sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1Wl".into()),
            e: Some("AQAB".into()),
            ..ec_key()
        }
    }

    fn keys() -> LaunchKeys {
        LaunchKeys {
            secret: Some(Secret::new(SECRET)),
            jwks: vec![ec_key(), ed_key(), rsa_key()],
        }
    }

    fn policy() -> LaunchPolicy {
        LaunchPolicy {
            issuer: ISSUER.into(),
            audience: AUDIENCE.into(),
        }
    }

    fn claims() -> serde_json::Value {
        serde_json::json!({
            "iss": ISSUER, "aud": AUDIENCE, "sub": "7", "name": "Grace Hopper",
            "role": "manager", "jti": "launch-1", "iat": NOW, "exp": NOW + 120,
        })
    }

    fn b64(value: &serde_json::Value) -> String {
        URL_SAFE_NO_PAD.encode(value.to_string())
    }

    /// An HS256 token over `header` and `payload`, MACed with `key`.
    fn hs256(header: serde_json::Value, payload: serde_json::Value, key: &[u8]) -> String {
        let signed = format!("{}.{}", b64(&header), b64(&payload));
        let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
        mac.update(signed.as_bytes());
        format!(
            "{signed}.{}",
            URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
        )
    }

    /// An asymmetric token; its signature is whatever the test says WebCrypto concluded.
    fn asymmetric(alg: &str, kid: &str, payload: serde_json::Value) -> String {
        let header = serde_json::json!({ "alg": alg, "kid": kid, "typ": "JWT" });
        format!("{}.{}.c2lnbmF0dXJl", b64(&header), b64(&payload))
    }

    fn judge_hs256(token: &str) -> Result<LaunchClaims, LaunchError> {
        let keys = keys();
        prepare(token, &keys)?
            .verify_hs256()?
            .claims(&policy(), NOW)
    }

    fn judge_asymmetric(token: &str, valid: bool) -> Result<LaunchClaims, LaunchError> {
        let keys = keys();
        prepare(token, &keys)?.accept(valid)?.claims(&policy(), NOW)
    }

    fn with(change: impl FnOnce(&mut serde_json::Value)) -> serde_json::Value {
        let mut c = claims();
        change(&mut c);
        c
    }

    #[test]
    fn a_good_launch_token_of_each_algorithm_yields_its_agent_and_role() {
        let hs = hs256(
            serde_json::json!({"alg":"HS256","typ":"JWT"}),
            claims(),
            SECRET.as_bytes(),
        );
        let want = LaunchClaims {
            sub: "7".into(),
            name: "Grace Hopper".into(),
            role: "manager",
            jti: "launch-1".into(),
            usable_until: NOW + 150,
        };
        assert_eq!(judge_hs256(&hs), Ok(want.clone()));
        for (alg, kid) in [("ES256", "ec-1"), ("EdDSA", "ed-1"), ("RS256", "rsa-1")] {
            let token = asymmetric(alg, kid, claims());
            let keys = keys();
            let unverified = prepare(&token, &keys).unwrap();
            assert_eq!(unverified.algorithm().as_str(), alg);
            assert_eq!(unverified.public_key().map(|k| k.kid.as_str()), Some(kid));
            assert_eq!(judge_asymmetric(&token, true), Ok(want.clone()), "{alg}");
        }
    }

    #[test]
    fn a_launch_without_a_role_is_an_agent_and_rfc_7519_shapes_pass() {
        let payload = with(|c| {
            c.as_object_mut().unwrap().remove("role");
            c["aud"] = serde_json::json!(["other", AUDIENCE]);
            c["iat"] = serde_json::json!(NOW as f64 + 0.5);
            c["nbf"] = serde_json::json!(NOW - 1);
        });
        let token = hs256(
            serde_json::json!({"alg":"HS256"}),
            payload,
            SECRET.as_bytes(),
        );
        assert_eq!(judge_hs256(&token).map(|c| c.role), Ok("agent"));
    }

    #[test]
    fn launch_tokens_are_refused_for_every_reason_the_policy_lists() {
        let k = SECRET.as_bytes();
        let hs = |payload| hs256(serde_json::json!({"alg":"HS256","typ":"JWT"}), payload, k);
        let none = format!(
            "{}.{}.",
            b64(&serde_json::json!({"alg":"none"})),
            b64(&claims())
        );
        // The alg-confusion attack: HS256 "signed" with the bytes of a public key, naming it.
        let public_key_bytes = serde_json::to_vec(&ec_key()).unwrap();
        let confused = hs256(
            serde_json::json!({"alg":"HS256","kid":"ec-1"}),
            claims(),
            &public_key_bytes,
        );
        let cases: Vec<(&str, Result<LaunchClaims, LaunchError>, LaunchError)> = vec![
            (
                "alg none",
                judge_hs256(&none),
                LaunchError::UnsupportedAlgorithm,
            ),
            (
                "alg HS512",
                judge_hs256(&hs256(serde_json::json!({"alg":"HS512"}), claims(), k)),
                LaunchError::UnsupportedAlgorithm,
            ),
            (
                "alg ES384",
                judge_asymmetric(&asymmetric("ES384", "ec-1", claims()), true),
                LaunchError::UnsupportedAlgorithm,
            ),
            (
                "HS256 with a public key's bytes",
                judge_hs256(&confused),
                LaunchError::BadSignature,
            ),
            (
                "ES256 naming the Ed25519 key",
                judge_asymmetric(&asymmetric("ES256", "ed-1", claims()), true),
                LaunchError::UnknownKey,
            ),
            (
                "unknown kid",
                judge_asymmetric(&asymmetric("EdDSA", "ed-9", claims()), true),
                LaunchError::UnknownKey,
            ),
            (
                "no kid",
                judge_asymmetric(&asymmetric("RS256", "", claims()).replace("rsa", ""), true),
                LaunchError::UnknownKey,
            ),
            (
                "bad HS256 signature",
                judge_hs256(&hs256(
                    serde_json::json!({"alg":"HS256"}),
                    claims(),
                    b"another-secret-of-thirty-two-bytes!!",
                )),
                LaunchError::BadSignature,
            ),
            (
                "bad ES256 signature",
                judge_asymmetric(&asymmetric("ES256", "ec-1", claims()), false),
                LaunchError::BadSignature,
            ),
            (
                "bad EdDSA signature",
                judge_asymmetric(&asymmetric("EdDSA", "ed-1", claims()), false),
                LaunchError::BadSignature,
            ),
            (
                "bad RS256 signature",
                judge_asymmetric(&asymmetric("RS256", "rsa-1", claims()), false),
                LaunchError::BadSignature,
            ),
            (
                "jku header",
                judge_hs256(&hs256(
                    serde_json::json!({"alg":"HS256","jku":"https://evil"}),
                    claims(),
                    k,
                )),
                LaunchError::RefusedHeader,
            ),
            (
                "typ at+jwt",
                judge_hs256(&hs256(
                    serde_json::json!({"alg":"HS256","typ":"at+jwt"}),
                    claims(),
                    k,
                )),
                LaunchError::RefusedHeader,
            ),
            (
                "wrong iss",
                judge_hs256(&hs(with(|c| c["iss"] = "https://evil".into()))),
                LaunchError::WrongAudience,
            ),
            (
                "no iss",
                judge_hs256(&hs(with(|c| {
                    c.as_object_mut().unwrap().remove("iss");
                }))),
                LaunchError::WrongAudience,
            ),
            (
                "wrong aud",
                judge_hs256(&hs(with(|c| {
                    c["aud"] = "https://globex.deskgate.example".into()
                }))),
                LaunchError::WrongAudience,
            ),
            (
                "aud array without ours",
                judge_hs256(&hs(with(|c| c["aud"] = serde_json::json!(["x"])))),
                LaunchError::WrongAudience,
            ),
            (
                "expired",
                judge_hs256(&hs(with(|c| {
                    c["iat"] = (NOW - 300).into();
                    c["exp"] = (NOW - 31).into();
                }))),
                LaunchError::Expired,
            ),
            (
                "too long-lived",
                judge_hs256(&hs(with(|c| c["exp"] = (NOW + 301).into()))),
                LaunchError::LifetimeNotAllowed,
            ),
            (
                "exp before iat",
                judge_hs256(&hs(with(|c| c["exp"] = (NOW - 1).into()))),
                LaunchError::LifetimeNotAllowed,
            ),
            (
                "future iat",
                judge_hs256(&hs(with(|c| {
                    c["iat"] = (NOW + 31).into();
                    c["exp"] = (NOW + 100).into();
                }))),
                LaunchError::NotYetValid,
            ),
            (
                "future nbf",
                judge_hs256(&hs(with(|c| c["nbf"] = (NOW + 31).into()))),
                LaunchError::NotYetValid,
            ),
            (
                "no exp",
                judge_hs256(&hs(with(|c| {
                    c.as_object_mut().unwrap().remove("exp");
                }))),
                LaunchError::MissingClaim,
            ),
            (
                "role owner",
                judge_hs256(&hs(with(|c| c["role"] = "owner".into()))),
                LaunchError::RoleNotAllowed,
            ),
            (
                "role admin",
                judge_hs256(&hs(with(|c| c["role"] = "Manager".into()))),
                LaunchError::RoleNotAllowed,
            ),
            (
                "missing jti",
                judge_hs256(&hs(with(|c| {
                    c.as_object_mut().unwrap().remove("jti");
                }))),
                LaunchError::MissingClaim,
            ),
            (
                "empty sub",
                judge_hs256(&hs(with(|c| c["sub"] = "".into()))),
                LaunchError::MissingClaim,
            ),
            (
                "name with a newline",
                judge_hs256(&hs(with(|c| c["name"] = "a\nb".into()))),
                LaunchError::MissingClaim,
            ),
            ("not a JWS", judge_hs256("a.b"), LaunchError::Malformed),
        ];
        for (what, got, want) in cases {
            assert_eq!(got, Err(want), "{what}");
        }
    }

    #[test]
    fn without_a_secret_hs256_finds_no_key_and_accept_never_passes_hs256() {
        let token = hs256(
            serde_json::json!({"alg":"HS256"}),
            claims(),
            SECRET.as_bytes(),
        );
        let no_secret = LaunchKeys {
            secret: None,
            jwks: vec![ec_key()],
        };
        assert_eq!(
            prepare(&token, &no_secret).err(),
            Some(LaunchError::UnknownKey)
        );
        let keys = keys();
        assert_eq!(
            prepare(&token, &keys).unwrap().accept(true).err(),
            Some(LaunchError::UnknownKey),
            "an HS256 token is verified by its MAC, never by an outside verdict"
        );
    }

    #[test]
    fn keys_come_from_configuration_and_unusable_ones_are_left_out() {
        let jwks = serde_json::json!({"keys": [
            ec_key(),
            {"kty":"EC","kid":"p384","crv":"P-384","x":"a","y":"b"},
            {"kty":"OKP","kid":"enc","crv":"Ed25519","x":"a","use":"enc"},
            {"kty":"RSA","kid":"mislabelled","n":"a","e":"AQAB","alg":"ES256"},
            {"kty":"oct","kid":"sym","k":"c2VjcmV0"},
            {"kty":"OKP","crv":"Ed25519","x":"a"},
        ]})
        .to_string();
        let (keys, problems) =
            LaunchKeys::from_config(Some(Secret::new("short")), Some(jwks.as_str()));
        assert!(keys.secret.is_none(), "a short secret is no key");
        assert_eq!(
            keys.jwks.iter().map(|k| k.kid.as_str()).collect::<Vec<_>>(),
            ["ec-1"]
        );
        assert_eq!(problems.len(), 6);
        let (none, problems) = LaunchKeys::from_config(None, Some("not json"));
        assert!(none.is_empty() && problems.len() == 1);
        assert!(LaunchKeys::from_config(None, None).0.is_empty());
    }

    #[test]
    fn the_public_members_are_what_webcrypto_imports() {
        let key = Jwk {
            alg: Some("ES256".into()),
            use_: Some("sig".into()),
            ..ec_key()
        };
        let json = serde_json::to_value(key.public_members()).unwrap();
        assert_eq!(json["kty"], "EC");
        assert!(json.get("alg").is_none() && json.get("use").is_none());
    }

    #[test]
    fn launch_bodies_are_checked() {
        assert_eq!(
            parse_launch_request(br#"{"launch":"a.b.c","platform":"genesys"}"#),
            Ok(("a.b.c".into(), Platform::Genesys))
        );
        let long = format!(
            r#"{{"launch":"{}","platform":"genesys"}}"#,
            "a".repeat(5000)
        );
        for bad in [
            "",
            "{}",
            r#"{"launch":"","platform":"genesys"}"#,
            r#"{"launch":"a.b.c"}"#,
            r#"{"launch":"a.b.c","platform":"salesforce"}"#,
            r#"{"launch":7,"platform":"genesys"}"#,
            long.as_str(),
        ] {
            assert!(
                matches!(
                    parse_launch_request(bad.as_bytes()),
                    Err(ApiError::InvalidRequest(_))
                ),
                "{bad}"
            );
        }
    }
}
