//! A `jsonwebtoken` crypto provider that knows HS256 and nothing else.
//!
//! The crate's `rust_crypto` provider links RSA, ECDSA and EdDSA (about 137 KB of gzipped wasm in
//! the worker) that deskgate never uses. Through the crate's public `CryptoProvider` API this one
//! answers every other algorithm with `InvalidAlgorithm`, so it also cannot be talked into an
//! algorithm confusion.

use hmac::{Hmac, Mac};
use jsonwebtoken::crypto::{CryptoProvider, JwtSigner, JwtVerifier, KeyUtils};
use jsonwebtoken::errors::{ErrorKind, Result};
use jsonwebtoken::signature::{Error as SignatureError, Signer, Verifier};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

struct Hs256(HmacSha256);

impl Signer<Vec<u8>> for Hs256 {
    fn try_sign(&self, msg: &[u8]) -> std::result::Result<Vec<u8>, SignatureError> {
        let mut mac = self.0.clone();
        mac.update(msg);
        Ok(mac.finalize().into_bytes().to_vec())
    }
}

impl Verifier<Vec<u8>> for Hs256 {
    fn verify(&self, msg: &[u8], signature: &Vec<u8>) -> std::result::Result<(), SignatureError> {
        let mut mac = self.0.clone();
        mac.update(msg);
        // `verify_slice` compares in constant time.
        mac.verify_slice(signature)
            .map_err(|_| SignatureError::new())
    }
}

impl JwtSigner for Hs256 {
    fn algorithm(&self) -> Algorithm {
        Algorithm::HS256
    }
}

impl JwtVerifier for Hs256 {
    fn algorithm(&self) -> Algorithm {
        Algorithm::HS256
    }
}

fn hs256(algorithm: &Algorithm, key: &[u8]) -> Result<Hs256> {
    if *algorithm != Algorithm::HS256 {
        return Err(ErrorKind::InvalidAlgorithm.into());
    }
    HmacSha256::new_from_slice(key)
        .map(Hs256)
        .map_err(|_| ErrorKind::InvalidKeyFormat.into())
}

fn signer(algorithm: &Algorithm, key: &EncodingKey) -> Result<Box<dyn JwtSigner>> {
    Ok(Box::new(hs256(algorithm, key.as_bytes())?))
}

fn verifier(algorithm: &Algorithm, key: &DecodingKey) -> Result<Box<dyn JwtVerifier>> {
    Ok(Box::new(hs256(algorithm, key.try_get_as_bytes()?)?))
}

static HS256_ONLY: CryptoProvider = CryptoProvider {
    signer_factory: signer,
    verifier_factory: verifier,
    key_utils: KeyUtils::new_unimplemented(),
};

/// Makes [`HS256_ONLY`] the process's provider. Idempotent: called before every use, because
/// `jsonwebtoken` would otherwise pick its featureless default, which panics.
pub fn install() {
    // `Err` only means a provider is already installed, and this is the only one we install.
    let _ = HS256_ONLY.install_default();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hs256_is_provided() {
        for alg in [
            Algorithm::HS384,
            Algorithm::HS512,
            Algorithm::RS256,
            Algorithm::ES256,
        ] {
            assert!(hs256(&alg, b"k").is_err(), "{alg:?}");
        }
        assert!(hs256(&Algorithm::HS256, b"k").is_ok());
    }

    #[test]
    fn hs256_matches_the_rfc_4231_test_vector() {
        // RFC 4231 §4.3, test case 2: key "Jefe", data "what do ya want for nothing?".
        let Ok(mac) = hs256(&Algorithm::HS256, b"Jefe") else {
            unreachable!("HS256 is provided")
        };
        let sig = mac
            .try_sign(b"what do ya want for nothing?")
            .unwrap_or_default();
        assert_eq!(
            crate::jwt::hex(&sig),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert!(mac.verify(b"what do ya want for nothing?", &sig).is_ok());
        assert!(mac.verify(b"what do ya want for nothing!", &sig).is_err());
    }
}
