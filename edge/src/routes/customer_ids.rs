//! Opaque customer identifiers (SPEC §2, seed 001): a partner that must pass "who is this
//! customer" around gets an id that is unique and stable, carries no PII, and cannot be turned
//! back into the internal id without the deployment's `CREDENTIALS_KEY`.

use authcore::admin::OWNER_ROLE;
use authcore::credential::secrets::parse_customer_id_request;
use authcore::ApiError;
use worker::web_sys::Request;
use worker::{Env, Response};

use crate::auth::{authenticate, Principal, QueryToken};
use crate::config::credentials_key;
use crate::context::RequestContext;
use crate::http::{json, read_json_body};
use crate::store::db;

/// `POST /v1/customer-ids` `{"customer_id"}` → `{"opaque_id"}`, for a service (any method) or
/// the owner; an agent session is `403`.
pub async fn opaque_id(
    req: Request,
    env: &Env,
    ctx: &RequestContext,
) -> Result<Response, ApiError> {
    let principal = authenticate(&req, env, &db(env)?, ctx, QueryToken::Ignored).await?;
    if let Principal::Session(auth) = &principal {
        if auth.session.role != OWNER_ROLE {
            return Err(ApiError::Forbidden);
        }
    }
    let customer_id = parse_customer_id_request(&read_json_body(&req).await?)?;
    let opaque_id = credentials_key(env)?.opaque_customer_id(&ctx.account, &customer_id);
    json(200, &wire::OpaqueId { opaque_id })
}
