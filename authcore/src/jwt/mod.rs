//! HS256 JSON Web Tokens: signing keys, and the verification policy every token passes.
//!
//! `jsonwebtoken` checks signatures; on its own it lets through headers a careful verifier must
//! refuse (`crit`, `jku`, `jwk`, `x5u`, `x5c`), and its clock is the process's. So every token is
//! first judged here: the header is parsed by us and must say exactly `"alg":"HS256"`, then the
//! signature is checked, then the claims' times are checked against a `now` the caller passes.
//! `jsonwebtoken` runs on [`hs256_provider`], which knows no algorithm but HMAC-SHA256, and is
//! used through its JWS primitives (`crypto::sign`, `crypto::verify`): the framing is ours, so
//! its `Header`/JWK parsing (which this policy replaces anyway) stays out of the worker.

pub mod access_token;
pub mod hs256_provider;
pub mod identity_token;
pub mod integration_token;
pub mod key_ring;
pub mod renewal_token;
pub mod session_token;
#[cfg(test)]
mod test_fixtures;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use serde::de::DeserializeOwned;
use serde::Serialize;
use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::secret::Secret;
use crate::{Account, ApiError};
pub use key_ring::{KeyRing, VerifyingKeys};

/// Shortest signing key accepted, in bytes (SPEC "Session JWT"; RFC 7518 §3.2 wants a key at
/// least as long as the hash output).
pub const MIN_KEY_BYTES: usize = 32;
/// Longest token looked at, in bytes: anything longer is refused before any parsing.
pub const MAX_TOKEN_BYTES: usize = 4096;
/// Clock skew tolerated on `exp` and `iat`, in seconds (SPEC: at most 30).
pub const LEEWAY_SECONDS: u64 = 30;

/// Why a token is refused. Every variant becomes `401 invalid_token` at the HTTP boundary; the
/// detail is for tests and logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum TokenError {
    /// When the token is not three base64url parts of JSON, or is too long.
    #[error("the token is malformed")]
    Malformed,
    /// When `alg` is anything but `HS256` (`none` included).
    #[error("the token's algorithm is not HS256")]
    UnsupportedAlgorithm,
    /// When the header carries `crit`, `jku`, `jwk`, `x5u` or `x5c`.
    #[error("the token's header has a parameter deskgate does not accept")]
    RefusedHeader,
    /// When `kid` names another key.
    #[error("the token was signed with an unknown key")]
    UnknownKey,
    /// When the signature does not match.
    #[error("the token's signature is invalid")]
    BadSignature,
    /// When `iss`, `aud` or the account claim is not what this verifier expects.
    #[error("the token was issued for someone else")]
    WrongAudience,
    /// When `exp` is past (beyond the leeway).
    #[error("the token has expired")]
    Expired,
    /// When `iat` is in the future (beyond the leeway).
    #[error("the token was issued in the future")]
    IssuedInFuture,
    /// When the token lives longer than its kind allows, or `exp` is not after `iat`.
    #[error("the token's lifetime is not allowed")]
    LifetimeNotAllowed,
    /// When the token was issued too long ago for its kind.
    #[error("the token is too old")]
    TooOld,
    /// When the token is of another kind than the one expected (an access token where a session
    /// JWT is wanted, say).
    #[error("the token is of another kind")]
    WrongType,
    /// When `nbf` is in the future (beyond the leeway).
    #[error("the token is not valid yet")]
    NotYetValid,
}

impl From<TokenError> for ApiError {
    fn from(_: TokenError) -> Self {
        ApiError::InvalidToken
    }
}

/// What a verifier expects of the tokens an account issues: the account and its issuer URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    /// The account whose key verifies the token.
    pub account: Account,
    /// The account's issuer URL.
    pub issuer: String,
}

impl Expected {
    /// Whether `iss`, `aud` and the account claim are this account's and `audience`.
    fn matches(&self, iss: &str, aud: &str, acc: &str, audience: &str) -> bool {
        iss == self.issuer && aud == audience && acc == self.account.as_str()
    }
}

/// An HS256 key with the `kid` that names it in token headers.
#[derive(Debug, Clone)]
pub struct SigningKey {
    secret: Secret,
    kid: String,
}

impl SigningKey {
    /// A key from a secret's bytes; shorter than [`MIN_KEY_BYTES`] is a configuration error,
    /// and the worker refuses to sign with it.
    pub fn new(secret: Secret) -> Result<Self, ApiError> {
        if secret.expose().len() < MIN_KEY_BYTES {
            return Err(ApiError::Misconfigured);
        }
        // The kid names the key without revealing it: a truncated SHA-256 of a >= 256-bit key.
        let digest = Sha256::digest(secret.expose());
        let kid = format!("hs256-{}", hex(digest.get(..8).unwrap_or_default()));
        Ok(Self { secret, kid })
    }

    /// The key's name in token headers.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The raw key bytes, for signing and verifying only.
    fn bytes(&self) -> &[u8] {
        self.secret.expose()
    }
}

/// The `typ` of session, caller and integration tokens.
pub const TYP_JWT: &str = "JWT";

/// Signs `claims` as an HS256 JWT with `kid` and `typ` set. Each kind of deskgate token has its
/// own `aud`, and access tokens their own `typ` (RFC 8725 §3.11), so no kind passes for another.
pub fn sign<T: Serialize>(claims: &T, key: &SigningKey, typ: &str) -> Result<String, ApiError> {
    #[derive(Serialize)]
    struct JoseHeader<'a> {
        typ: &'a str,
        alg: &'static str,
        kid: &'a str,
    }
    let header = JoseHeader {
        typ,
        alg: "HS256",
        kid: key.kid(),
    };
    let message = format!("{}.{}", b64_json(&header)?, b64_json(claims)?);
    hs256_provider::install();
    let signature = jsonwebtoken::crypto::sign(
        message.as_bytes(),
        &EncodingKey::from_secret(key.bytes()),
        Algorithm::HS256,
    )
    .map_err(|_| ApiError::Internal)?;
    Ok(format!("{message}.{signature}"))
}

/// One JWS part: `value` as JSON, base64url without padding.
pub(crate) fn b64_json<T: Serialize + ?Sized>(value: &T) -> Result<String, ApiError> {
    let json = serde_json::to_vec(value).map_err(|_| ApiError::Internal)?;
    Ok(URL_SAFE_NO_PAD.encode(json))
}

/// The claims every kind of token deskgate issues carries, read by [`issue`] and [`verify`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Envelope<'a> {
    /// `iss`: `https://<account>.<BASE_DOMAIN>`.
    pub iss: &'a str,
    /// `aud`: the kind's audience.
    pub aud: &'a str,
    /// The account claim.
    pub acc: &'a str,
    /// `iat` (unix seconds).
    pub iat: u64,
    /// `exp` (unix seconds).
    pub exp: u64,
}

/// A kind of token deskgate issues (and, but for the gateway's identity, verifies) itself:
/// its `typ`, its `aud` and how long it may live. One signer and one verifier serve every kind,
/// so each rule — no kind passes for another, no token outlives its kind — is written once.
pub trait IssuedClaims: Serialize + DeserializeOwned {
    /// The `typ` header.
    const TYP: &'static str = TYP_JWT;
    /// The `aud` claim.
    const AUDIENCE: &'static str;
    /// The longest a token of this kind (and these claims) may live, in seconds.
    fn max_lifetime(&self) -> u64;
    /// The claims every kind carries.
    fn envelope(&self) -> Envelope<'_>;
    /// Further claim checks of the kind, if any.
    fn is_consistent(&self) -> bool {
        true
    }
}

/// Signs `claims` of their kind; refuses claims the verifier would refuse.
pub fn issue<C: IssuedClaims>(claims: &C, key: &SigningKey) -> Result<String, ApiError> {
    let e = claims.envelope();
    if e.exp <= e.iat || e.exp - e.iat > claims.max_lifetime() {
        return Err(ApiError::Internal);
    }
    sign(claims, key, C::TYP)
}

/// Verifies a token of kind `C` completely: header policy (`typ` included), the key its `kid`
/// names among `keys` (exactly; a `kid` naming no key is refused, never tried against each),
/// signature, issuer, audience, account, the kind's own checks, and times.
pub fn verify<C: IssuedClaims>(
    token: &str,
    keys: &impl VerifyingKeys,
    expected: &Expected,
    now: u64,
) -> Result<C, TokenError> {
    let parts = JwsParts::split(token)?;
    let kid = check_header(parts.header, Some(C::TYP))?;
    let key = kid
        .as_deref()
        .and_then(|kid| keys.by_kid(kid))
        .ok_or(TokenError::UnknownKey)?;
    check_signature(&parts, key.bytes())?;
    let claims: C = payload_claims(parts.payload)?;
    let e = claims.envelope();
    if !expected.matches(e.iss, e.aud, e.acc, C::AUDIENCE) || !claims.is_consistent() {
        return Err(TokenError::WrongAudience);
    }
    check_times(e.iat, e.exp, now, claims.max_lifetime())?;
    Ok(claims)
}

/// Checks the header policy and the signature, then returns the claims for the caller's own
/// claim checks. `typ` must be `expected_typ` (a plain [`TYP_JWT`] may also be left out).
pub fn verify_signature<T: DeserializeOwned>(
    token: &str,
    key: &[u8],
    expected_typ: &str,
) -> Result<T, TokenError> {
    let parts = JwsParts::split(token)?;
    check_header(parts.header, Some(expected_typ))?;
    check_signature(&parts, key)?;
    // Times, audience and issuer are checked by the caller against its own `now`.
    payload_claims(parts.payload)
}

/// Whether the signature of `parts` is HMAC-SHA256 of its signed part under `key`, compared in
/// constant time.
pub(crate) fn check_signature(parts: &JwsParts<'_>, key: &[u8]) -> Result<(), TokenError> {
    hs256_provider::install();
    let valid = jsonwebtoken::crypto::verify(
        parts.signature,
        parts.signed.as_bytes(),
        &DecodingKey::from_secret(key),
        Algorithm::HS256,
    )
    .map_err(|e| match e.kind() {
        ErrorKind::InvalidAlgorithm => TokenError::UnsupportedAlgorithm,
        _ => TokenError::Malformed,
    })?;
    if valid {
        Ok(())
    } else {
        Err(TokenError::BadSignature)
    }
}

/// The claims of a token that passes the header policy, **before** any signature check: only for
/// choosing which key to verify it with (a caller JWT's `iss` names its service).
pub fn unverified_claims<T: DeserializeOwned>(token: &str) -> Result<T, TokenError> {
    let parts = JwsParts::split(token)?;
    check_header(parts.header, None)?;
    payload_claims(parts.payload)
}

/// A compact JWS cut at its dots: the one place a token's shape is checked.
#[derive(Debug)]
pub(crate) struct JwsParts<'a> {
    /// The encoded header.
    pub header: &'a str,
    /// The encoded claims.
    pub payload: &'a str,
    /// `header.payload`, what the signature covers.
    pub signed: &'a str,
    /// The encoded signature.
    pub signature: &'a str,
}

impl<'a> JwsParts<'a> {
    /// Exactly three parts and at most [`MAX_TOKEN_BYTES`], or `Malformed` before any parsing.
    pub(crate) fn split(token: &'a str) -> Result<Self, TokenError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(TokenError::Malformed);
        }
        let (signed, signature) = token.rsplit_once('.').ok_or(TokenError::Malformed)?;
        let (header, payload) = signed.split_once('.').ok_or(TokenError::Malformed)?;
        if payload.contains('.') {
            return Err(TokenError::Malformed);
        }
        Ok(Self {
            header,
            payload,
            signed,
            signature,
        })
    }
}

/// The JSON object in a token's encoded payload.
pub(crate) fn payload_claims<T: DeserializeOwned>(payload: &str) -> Result<T, TokenError> {
    let json = URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|_| TokenError::Malformed)?;
    serde_json::from_slice(&json).map_err(|_| TokenError::Malformed)
}

/// The `iss` and `aud` of a token that passes the header policy, **before** any signature
/// check: only to choose which verifier and keys to try.
pub fn unverified_route(token: &str) -> Result<(String, Option<String>), TokenError> {
    #[derive(serde::Deserialize)]
    struct Route {
        iss: String,
        #[serde(default, deserialize_with = "single_audience")]
        aud: Option<String>,
    }
    unverified_claims::<Route>(token).map(|c| (c.iss, c.aud))
}

/// An `aud` that is one string; any other shape RFC 7519 §4.1.3 allows (an array, say) is
/// `None`: deskgate's own tokens always carry one string, so such a token is not one of them.
fn single_audience<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    struct Visitor;
    impl<'de> serde::de::Visitor<'de> for Visitor {
        type Value = Option<String>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an audience")
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(v.to_owned()))
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> Result<Self::Value, A::Error> {
            while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
            Ok(None)
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    }
    d.deserialize_any(Visitor)
}

/// RFC 7519 §2 NumericDate, as tokens signed by others carry it: seconds since the epoch, an
/// integer or a fraction (read as whole seconds, rounded down). Negative, non-finite or
/// absurdly large values are refused. deskgate's own tokens always write integers.
pub mod numeric_date {
    use serde::de::{Deserializer, Error, Visitor};

    /// Latest accepted time: the year 10000, far past any real token and exact in an f64.
    const MAX: u64 = 253_402_300_800;

    struct Seconds;
    impl<'de> Visitor<'de> for Seconds {
        type Value = u64;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a NumericDate")
        }
        fn visit_u64<E: Error>(self, v: u64) -> Result<u64, E> {
            (v <= MAX)
                .then_some(v)
                .ok_or_else(|| E::custom("out of range"))
        }
        fn visit_i64<E: Error>(self, v: i64) -> Result<u64, E> {
            u64::try_from(v)
                .map_err(|_| E::custom("negative"))
                .and_then(|v| self.visit_u64(v))
        }
        fn visit_f64<E: Error>(self, v: f64) -> Result<u64, E> {
            // NaN is in no range; within this one the cast is exact after flooring.
            if (0.0..=MAX as f64).contains(&v) {
                Ok(v.floor() as u64)
            } else {
                Err(E::custom("out of range"))
            }
        }
    }

    /// A required NumericDate.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        d.deserialize_any(Seconds)
    }

    /// An optional NumericDate (use with `#[serde(default, with = "numeric_date::option")]`).
    pub mod option {
        use serde::de::Deserializer;
        use serde::Deserialize;

        /// `null` or absent is `None`.
        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
            #[derive(Deserialize)]
            struct Wrapped(#[serde(deserialize_with = "super::deserialize")] u64);
            Ok(Option::<Wrapped>::deserialize(d)?.map(|w| w.0))
        }
    }
}

/// A JOSE header as the policies read it (RFC 7515 §4.1). `crit`, `jku`, `jwk`, `x5u` and
/// `x5c` ask the verifier to fetch or trust keys, or to understand extensions: deskgate
/// understands none of them, so a token carrying one (even as `null`) is refused.
#[derive(serde::Deserialize)]
pub(crate) struct JoseHeader {
    /// `alg`, checked by each policy against its own allow-list.
    pub alg: Option<String>,
    /// `typ`.
    pub typ: Option<String>,
    /// `kid`.
    pub kid: Option<String>,
    #[serde(default)]
    crit: Present,
    #[serde(default)]
    jku: Present,
    #[serde(default)]
    jwk: Present,
    #[serde(default)]
    x5u: Present,
    #[serde(default)]
    x5c: Present,
}

impl JoseHeader {
    /// Decodes an encoded header; a member appearing twice is malformed (serde refuses it).
    pub(crate) fn read(encoded: &str) -> Result<Self, TokenError> {
        let json = URL_SAFE_NO_PAD
            .decode(encoded)
            .map_err(|_| TokenError::Malformed)?;
        serde_json::from_slice(&json).map_err(|_| TokenError::Malformed)
    }

    /// `RefusedHeader` when a member asks for what deskgate does not do.
    pub(crate) fn check_refused(&self) -> Result<(), TokenError> {
        let refused = [self.crit, self.jku, self.jwk, self.x5u, self.x5c];
        if refused.iter().any(|h| h.0) {
            return Err(TokenError::RefusedHeader);
        }
        Ok(())
    }

    /// RFC 7515 §4.1.9: `typ` compares case-insensitively; a plain JWT may leave it out.
    pub(crate) fn check_typ(&self, expected: &str) -> Result<(), TokenError> {
        match self.typ.as_deref() {
            Some(t) if !t.eq_ignore_ascii_case(expected) => Err(TokenError::WrongType),
            None if expected != TYP_JWT => Err(TokenError::WrongType),
            _ => Ok(()),
        }
    }
}

/// The HS256 policy of deskgate's own tokens and callers' JWTs; returns the header's `kid`, if
/// any, for the caller to match.
fn check_header(encoded: &str, expected_typ: Option<&str>) -> Result<Option<String>, TokenError> {
    let header = JoseHeader::read(encoded)?;
    if header.alg.as_deref() != Some("HS256") {
        return Err(TokenError::UnsupportedAlgorithm);
    }
    header.check_refused()?;
    if let Some(typ) = expected_typ {
        header.check_typ(typ)?;
    }
    Ok(header.kid)
}

/// Whether a header member is there at all, whatever its value (`null` included).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Present(bool);

impl<'de> serde::Deserialize<'de> for Present {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        serde::de::IgnoredAny::deserialize(d).map(|_| Present(true))
    }
}

/// The time rules every token kind shares: not issued in the future, not expired, and
/// `exp - iat` within `max_lifetime` (each with [`LEEWAY_SECONDS`] of skew allowed).
pub fn check_times(iat: u64, exp: u64, now: u64, max_lifetime: u64) -> Result<(), TokenError> {
    if exp <= iat || exp - iat > max_lifetime {
        return Err(TokenError::LifetimeNotAllowed);
    }
    if iat > now.saturating_add(LEEWAY_SECONDS) {
        return Err(TokenError::IssuedInFuture);
    }
    if now >= exp.saturating_add(LEEWAY_SECONDS) {
        return Err(TokenError::Expired);
    }
    Ok(())
}

/// `nbf` (RFC 7519 §4.1.5), where a token has one: not before it, with the leeway.
pub fn check_not_before(nbf: Option<u64>, now: u64) -> Result<(), TokenError> {
    if nbf.is_some_and(|nbf| nbf > now.saturating_add(LEEWAY_SECONDS)) {
        return Err(TokenError::NotYetValid);
    }
    Ok(())
}

/// Whether `id` has the shape of a `jti` deskgate draws: 32 lower-case hex digits.
pub fn is_token_id(id: &str) -> bool {
    is_lower_hex(id, 32)
}

/// Whether `text` is `digits` lower-case hex digits, as [`hex`] writes them.
pub fn is_lower_hex(text: &str, digits: usize) -> bool {
    text.len() == digits
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_shorter_than_32_bytes_are_refused() {
        assert_eq!(
            SigningKey::new(Secret::new("x".repeat(31))).err(),
            Some(ApiError::Misconfigured)
        );
        assert!(SigningKey::new(Secret::new("x".repeat(32))).is_ok());
    }

    #[test]
    fn the_kid_names_the_key_without_revealing_it() {
        let a = SigningKey::new(Secret::new("a".repeat(32))).ok();
        let b = SigningKey::new(Secret::new("b".repeat(32))).ok();
        let (a, b) = (a.map(|k| k.kid().to_owned()), b.map(|k| k.kid().to_owned()));
        assert_ne!(a, b);
        assert!(a.is_some_and(|k| k.starts_with("hs256-") && k.len() == 22 && !k.contains("aaaa")));
    }

    #[test]
    fn time_rules_allow_30_seconds_of_skew_and_nothing_more() {
        let cases = [
            (1000, 4600, 1000, 3600, Ok(())),
            (1000, 4600, 4629, 3600, Ok(())),
            (1000, 4600, 4630, 3600, Err(TokenError::Expired)),
            (1030, 4630, 1000, 3600, Ok(())),
            (1031, 4631, 1000, 3600, Err(TokenError::IssuedInFuture)),
            (1000, 4601, 1000, 3600, Err(TokenError::LifetimeNotAllowed)),
            (1000, 1000, 1000, 3600, Err(TokenError::LifetimeNotAllowed)),
            (1000, 999, 1000, 3600, Err(TokenError::LifetimeNotAllowed)),
        ];
        for (iat, exp, now, max, want) in cases {
            assert_eq!(
                check_times(iat, exp, now, max),
                want,
                "iat {iat} exp {exp} now {now}"
            );
        }
    }
}
