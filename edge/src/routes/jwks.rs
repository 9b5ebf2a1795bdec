//! `GET /.well-known/jwks.json` (SPEC §7): the public keys upstreams verify
//! `X-Deskgate-Identity` with — the current identity key, and the previous one while it is still
//! configured, so a rotation never breaks an upstream that cached the old set.

use authcore::ApiError;
use worker::{Env, Response};

use crate::http::{internal, set};

/// The JWKS, cacheable for five minutes.
pub fn published(env: &Env) -> Result<Response, ApiError> {
    let (current, previous) = crate::config::identity_keys(env)?;
    let keys = std::iter::once(current)
        .chain(previous)
        .map(|k| k.public().clone())
        .collect();
    let resp = Response::from_json(&wire::Jwks { keys })
        .map_err(internal)?
        .with_status(200);
    set(&resp, "Cache-Control", "public, max-age=300")?;
    set(&resp, "X-Content-Type-Options", "nosniff")?;
    Ok(resp)
}
