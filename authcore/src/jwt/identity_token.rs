//! The identity the gateway hands the upstream (SPEC §5, §7): a one-minute JWT in
//! `X-Deskgate-Identity`, naming whoever authenticated the request. The upstream trusts it
//! instead of any credential, all of which are stripped.
//!
//! It is signed `EdDSA` (Ed25519) with a key of deskgate's own, published with its `kid` at
//! `/.well-known/jwks.json`, so an upstream verifies it from the JWKS alone and holds no secret
//! that could sign anything: the account's HS256 key, which signs sessions, never leaves
//! deskgate. The signature itself is made by the runtime's WebCrypto; the key's shape, its
//! `kid`, the claims and the framing are decided here.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::b64_json;
use crate::secret::Secret;
use crate::ApiError;

/// The `aud` of identity tokens.
pub const AUDIENCE: &str = "deskgate-upstream";
/// How long an identity token lives, in seconds: one request's worth.
pub const TTL_SECONDS: u64 = 60;
/// The `alg` of identity tokens.
pub const ALG: &str = "EdDSA";

/// The claims of an identity token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityClaims {
    /// `https://<account>.<BASE_DOMAIN>`.
    pub iss: String,
    /// Always [`AUDIENCE`].
    pub aud: String,
    /// The agent, owner or service id.
    pub sub: String,
    /// How the caller authenticated: `session`, `service_key`, `caller_jwt` or `access_token`.
    pub kind: String,
    /// The account.
    pub acc: String,
    /// `agent`, `editor`, `manager`, `owner` or `service`.
    pub role: String,
    /// The scopes a service is limited to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// How a session was made (sessions only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amr: Option<Vec<String>>,
    /// This token's id.
    pub jti: String,
    /// Issued at (unix seconds).
    pub iat: u64,
    /// Expires at (unix seconds).
    pub exp: u64,
}

/// An Ed25519 signing key of deskgate's (`IDENTITY_SIGNING_KEY`, `…_PREVIOUS`): a private JWK
/// (RFC 8037) `{"kty":"OKP","crv":"Ed25519","d":…,"x":…}`.
#[derive(Debug, Clone)]
pub struct IdentityKey {
    private_jwk: Secret,
    public: wire::PublicJwk,
}

#[derive(Serialize, Deserialize)]
struct PrivateJwk {
    kty: String,
    crv: String,
    x: String,
    d: String,
}

impl IdentityKey {
    /// Reads a private JWK; anything but a well-formed Ed25519 key is a configuration error (the
    /// gateway then refuses to forward).
    pub fn parse(secret: &Secret) -> Result<Self, ApiError> {
        let jwk: PrivateJwk =
            serde_json::from_slice(secret.expose()).map_err(|_| ApiError::Misconfigured)?;
        let is_32_bytes = |v: &str| URL_SAFE_NO_PAD.decode(v).is_ok_and(|b| b.len() == 32);
        if jwk.kty != "OKP" || jwk.crv != "Ed25519" || !is_32_bytes(&jwk.x) || !is_32_bytes(&jwk.d)
        {
            return Err(ApiError::Misconfigured);
        }
        // The private key travels to WebCrypto as exactly these members.
        let private = PrivateJwk {
            kty: "OKP".into(),
            crv: "Ed25519".into(),
            x: jwk.x.clone(),
            d: jwk.d,
        };
        let private = serde_json::to_string(&private).map_err(|_| ApiError::Misconfigured)?;
        Ok(Self {
            private_jwk: Secret::new(private),
            public: wire::PublicJwk {
                kid: thumbprint(&jwk.x),
                kty: jwk.kty,
                crv: jwk.crv,
                x: jwk.x,
                alg: ALG.to_owned(),
                use_: "sig".to_owned(),
            },
        })
    }

    /// The public key, as the JWKS publishes it.
    pub fn public(&self) -> &wire::PublicJwk {
        &self.public
    }

    /// The private JWK as WebCrypto imports it: for the signing call only.
    pub fn private_jwk(&self) -> &[u8] {
        self.private_jwk.expose()
    }
}

/// The RFC 7638 thumbprint of an Ed25519 public key: SHA-256 of its required members in
/// lexicographic order, base64url. Any party can recompute it from the JWKS entry.
fn thumbprint(x: &str) -> String {
    let canonical = format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#);
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

/// What the signature of an identity token covers, `header.payload`, for `claims` under the key
/// named `kid`. Refuses claims whose lifetime the kind does not allow.
pub fn signing_input(claims: &IdentityClaims, kid: &str) -> Result<String, ApiError> {
    if claims.exp <= claims.iat || claims.exp - claims.iat > TTL_SECONDS {
        return Err(ApiError::Internal);
    }
    #[derive(Serialize)]
    struct JoseHeader<'a> {
        typ: &'static str,
        alg: &'static str,
        kid: &'a str,
    }
    let header = JoseHeader {
        typ: super::TYP_JWT,
        alg: ALG,
        kid,
    };
    Ok(format!("{}.{}", b64_json(&header)?, b64_json(claims)?))
}

/// The compact JWS of a signing input and its signature.
pub fn assemble(signing_input: &str, signature: &[u8]) -> String {
    format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature))
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 8037 Appendix A.1: an Ed25519 key pair, and A.3: its RFC 7638 thumbprint.
    const D: &str = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
    const X: &str = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";

    fn key_json(x: &str, d: &str) -> Secret {
        Secret::new(format!(
            r#"{{"kty":"OKP","crv":"Ed25519","d":"{d}","x":"{x}","kid":"ignored"}}"#
        ))
    }

    #[test]
    fn the_kid_is_the_rfc_7638_thumbprint_of_rfc_8037s_example_key() {
        let key = IdentityKey::parse(&key_json(X, D)).unwrap();
        assert_eq!(
            key.public().kid,
            "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
        );
        assert_eq!(
            (key.public().alg.as_str(), key.public().x.as_str()),
            ("EdDSA", X)
        );
        let public = serde_json::to_string(key.public()).unwrap();
        assert!(
            !public.contains(D),
            "the JWKS never carries the private part"
        );
    }

    #[test]
    fn anything_but_an_ed25519_private_jwk_is_a_configuration_error() {
        let cases = [
            Secret::new("not json"),
            Secret::new(format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{X}"}}"#)),
            Secret::new(format!(
                r#"{{"kty":"EC","crv":"P-256","x":"{X}","d":"{D}"}}"#
            )),
            key_json("short", D),
            key_json(X, "c2hvcnQ"),
        ];
        for secret in &cases {
            assert_eq!(
                IdentityKey::parse(secret).err(),
                Some(ApiError::Misconfigured)
            );
        }
    }

    #[test]
    fn the_signing_input_names_the_key_and_refuses_a_long_life() {
        let claims = IdentityClaims {
            iss: "https://acme.x".into(),
            aud: AUDIENCE.into(),
            sub: "7".into(),
            kind: "session".into(),
            acc: "acme".into(),
            role: "agent".into(),
            scope: None,
            amr: Some(vec!["launch".into()]),
            jti: "j".into(),
            iat: 100,
            exp: 160,
        };
        let input = signing_input(&claims, "kid-1").unwrap();
        let header = input.split('.').next().unwrap();
        assert_eq!(
            URL_SAFE_NO_PAD.decode(header).unwrap(),
            br#"{"typ":"JWT","alg":"EdDSA","kid":"kid-1"}"#
        );
        assert_eq!(assemble("a.b", &[0xff]), "a.b._w");
        let long = IdentityClaims { exp: 161, ..claims };
        assert_eq!(signing_input(&long, "k"), Err(ApiError::Internal));
    }
}
