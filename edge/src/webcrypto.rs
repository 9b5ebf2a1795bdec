//! The runtime's WebCrypto, for the asymmetric signatures deskgate verifies (launch tokens:
//! ES256, EdDSA, RS256) and makes (identity tokens: EdDSA).
//!
//! Linking RSA, ECDSA and Ed25519 into the wasm would cost about 137 KB gzip (measured with
//! `jsonwebtoken`'s `rust_crypto` provider); workerd already has all three, natively. Which
//! algorithm and which key is decided in `authcore`; this module only hands them to
//! `crypto.subtle`. Imported keys are kept per isolate (keyed by the JWK), so a key is parsed
//! once, not per request.

use authcore::launch::LaunchAlg;
use authcore::ApiError;
use wasm_bindgen::prelude::*;
use worker::js_sys::{self, Uint8Array};
use worker::wasm_bindgen_futures::JsFuture;

#[wasm_bindgen(inline_js = r#"
const PARAMS = {
  ES256: [{ name: 'ECDSA', namedCurve: 'P-256' }, { name: 'ECDSA', hash: 'SHA-256' }],
  EdDSA: [{ name: 'Ed25519' }, { name: 'Ed25519' }],
  RS256: [{ name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, { name: 'RSASSA-PKCS1-v1_5' }],
};
const keys = new Map();
function key(jwk, alg, usage) {
  const id = `${usage}:${alg}:${jwk}`;
  let k = keys.get(id);
  if (!k) {
    k = crypto.subtle.importKey('jwk', JSON.parse(jwk), PARAMS[alg][0], false, [usage]);
    keys.set(id, k);
    // A key that fails to import is not kept: the next request tries again.
    k.catch(() => keys.delete(id));
  }
  return k;
}
export async function deskgate_verify(alg, jwk, signature, data) {
  return crypto.subtle.verify(PARAMS[alg][1], await key(jwk, alg, 'verify'), signature, data);
}
export async function deskgate_sign(alg, jwk, data) {
  return new Uint8Array(await crypto.subtle.sign(PARAMS[alg][1], await key(jwk, alg, 'sign'), data));
}
"#)]
extern "C" {
    #[wasm_bindgen(catch)]
    fn deskgate_verify(
        alg: &str,
        jwk: &str,
        signature: &[u8],
        data: &[u8],
    ) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(catch)]
    fn deskgate_sign(alg: &str, jwk: &str, data: &[u8]) -> Result<js_sys::Promise, JsValue>;
}

/// Whether `signature` over `data` verifies with the public `jwk` (JSON) under `alg`. A key
/// WebCrypto refuses to import is a configuration error, logged and answered `false`: the
/// token it was to verify is refused either way.
pub async fn verify(alg: LaunchAlg, jwk: &str, signature: &[u8], data: &[u8]) -> bool {
    let outcome = match deskgate_verify(alg.as_str(), jwk, signature, data) {
        Ok(promise) => JsFuture::from(promise).await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok(valid) => valid.as_bool() == Some(true),
        Err(_) => {
            worker::console_error!(
                "WebCrypto could not use a configured {} launch key: check the account's JWKS",
                alg.as_str()
            );
            false
        }
    }
}

/// The Ed25519 signature of `data` with the private `jwk` (JSON).
pub async fn sign_ed25519(jwk: &[u8], data: &[u8]) -> Result<Vec<u8>, ApiError> {
    let jwk = std::str::from_utf8(jwk).map_err(|_| ApiError::Misconfigured)?;
    let promise = deskgate_sign("EdDSA", jwk, data).map_err(|_| ApiError::Internal)?;
    let signature = JsFuture::from(promise).await.map_err(|_| {
        // Never the key, nor WebCrypto's message about it: only that signing failed.
        worker::console_error!("WebCrypto could not sign with the configured identity key");
        ApiError::Misconfigured
    })?;
    Ok(signature.unchecked_into::<Uint8Array>().to_vec())
}
