//! Opaque customer identifiers (SPEC §2, seed 001): a partner that must pass "who is this
//! customer" around gets an id that is unique and stable, carries no PII, and cannot be turned
//! back into the internal id without the deployment's `CREDENTIALS_KEY`.

use authcore::admin::OWNER_ROLE;
use authcore::input::required_field;
use authcore::ApiError;
use serde::Deserialize;
use worker::web_sys::Request;
use worker::{Env, Response};

use crate::auth::{authenticate, Principal};
use crate::config::credentials_key;
use crate::context::RequestContext;
use crate::http::{json, read_json_body};
use crate::routes::check_csrf;
use crate::store::db;

#[derive(Deserialize)]
struct RawRequest {
    customer_id: Option<String>,
}

/// `POST /v1/customer-ids` `{"customer_id"}` → `{"opaque_id"}`, for a service (any method) or
/// the owner; an agent session is `403`.
pub async fn opaque_id(
    req: Request,
    env: &Env,
    ctx: &RequestContext,
) -> Result<Response, ApiError> {
    let principal = authenticate(&req, env, &db(env)?, ctx).await?;
    match &principal {
        Principal::Session(auth) if auth.session.role != OWNER_ROLE => {
            return Err(ApiError::Forbidden)
        }
        Principal::Session(_) => check_csrf(&req, env, ctx)?,
        _ => {}
    }
    let body = read_json_body(&req).await?;
    let raw: RawRequest = serde_json::from_slice(&body).map_err(|_| {
        ApiError::InvalidRequest("the body must be a JSON object with customer_id".into())
    })?;
    let customer_id = required_field("customer_id", raw.customer_id)?;
    let opaque_id = credentials_key(env)?.opaque_customer_id(&ctx.account, &customer_id);
    json(200, &serde_json::json!({ "opaque_id": opaque_id }))
}
