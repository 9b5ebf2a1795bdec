//! The sessions panel's API (SPEC §8), for the account owner only: who is signed in, how each
//! session was made and from where, and ending one session, one agent's, or every session of
//! the account after a key leak. Every revocation is audited in the transaction that makes it.
//!
//! The session a request is made with is never ended by the bulk revocation: an owner clearing
//! every session after a leak keeps the console open to check the result, and ends that session
//! by signing out. Ending it by its id (`DELETE …/sessions/<own id>`) is allowed: that is asking
//! for it by name.

use authcore::admin::parse_revoke_sessions;
use authcore::admin::RevokeSessions;
use authcore::session::is_session_id;
use authcore::ApiError;
use worker::web_sys::Request;
use worker::{Env, Response};

use super::admin::admin;
use crate::context::RequestContext;
use crate::http::{json, no_content, read_json_body};
use crate::store::sessions;

/// The most sessions one listing shows, newest first.
const SESSIONS_PAGE: u32 = 500;

/// `GET /apis/admin/sessions`: the live sessions, newest first, the caller's own marked.
pub async fn list(req: &Request, env: &Env, ctx: &RequestContext) -> Result<Response, ApiError> {
    let a = admin(req, env, ctx).await?;
    let sessions = sessions::live(&a.db, &ctx.account, ctx.now, SESSIONS_PAGE)
        .await?
        .iter()
        .map(|s| s.summary(s.id == a.owner.id))
        .collect();
    json(200, &wire::SessionList { sessions })
}

/// `DELETE /apis/admin/sessions/<id>` → `204`: the session and every token of it are refused
/// from now on; `404` when the account has no live session of that id.
pub async fn revoke_one(
    req: &Request,
    env: &Env,
    ctx: &RequestContext,
    id: &str,
) -> Result<Response, ApiError> {
    let a = admin(req, env, ctx).await?;
    if !is_session_id(id) {
        return Err(ApiError::NotFound);
    }
    let entry = a.entry(ctx, "session.revoke", id);
    if !sessions::revoke_live(&a.db, &ctx.account, id, &entry).await? {
        return Err(ApiError::NotFound);
    }
    no_content()
}

/// `POST /apis/admin/sessions/revoke` `{"subject"?}` → `{"revoked":<n>}`: every live session
/// of one agent, or of the whole account, but the one this request is made with.
pub async fn revoke_many(
    req: Request,
    env: &Env,
    ctx: &RequestContext,
) -> Result<Response, ApiError> {
    let a = admin(&req, env, ctx).await?;
    let scope = parse_revoke_sessions(&read_json_body(&req).await?)?;
    let (action, subject) = match &scope {
        RevokeSessions::All => ("session.revoke_all", None),
        RevokeSessions::Subject(s) => ("session.revoke_subject", Some(s.as_str())),
    };
    let entry = a.entry(ctx, action, subject.unwrap_or("*"));
    let revoked = sessions::revoke_all(&a.db, &ctx.account, subject, &a.owner.id, &entry).await?;
    json(
        200,
        &wire::Revoked {
            revoked: revoked as u64,
        },
    )
}
