//! The session endpoints (SPEC §1.4–§1.6, §4 "Admin API"): sign in with the account's API key
//! (an agent) or the owner's password (the owner), read the session, sign out.

use authcore::admin::{parse_owner_sign_in, CONSOLE_PLATFORM, OWNER_ROLE, OWNER_USERNAME};
use authcore::cookie::{expire_cookie, set_cookie, JWT_COOKIE, SESSION_COOKIE};
use authcore::jwt::session_token::sign_session;
use authcore::session::{token_hash, NewSessionIds, SessionRecord, RANDOM_BYTES};
use authcore::signin::{parse_sign_in, API_KEY_ROLE};
use authcore::ApiError;
use worker::web_sys::Request;
use worker::{D1Database, Env, Response};

use crate::auth::authenticate_session;
use crate::auth::session::signing_key;
use crate::config::{admin_password, integration_api_key};
use crate::context::RequestContext;
use crate::http::{append, json, no_content, read_json_body};
use crate::routes::check_csrf;
use crate::store::{db, sessions, signin_failures};

/// `POST /apis/admin/session/api-key/`: an agent session. Checks run cheapest first, and nothing
/// is written until the key is right (a wrong key only counts a failure of an existing account).
pub async fn sign_in_with_api_key(
    req: Request,
    env: &Env,
    ctx: &RequestContext,
) -> Result<Response, ApiError> {
    check_csrf(&req, env, ctx)?;
    let body = read_json_body(&req).await?;
    let sign_in = parse_sign_in(&body)?;
    let db = db(env)?;
    // An account without a key does not exist: same answer as a wrong key, and no row is written.
    let key = integration_api_key(env, &ctx.account).ok_or(ApiError::InvalidApiKey)?;
    throttled(&db, ctx, || {
        key.matches(&sign_in.api_key)
            .then_some(())
            .ok_or(ApiError::InvalidApiKey)
    })
    .await?;
    start_session(
        env,
        &db,
        ctx,
        sign_in.agent_id,
        sign_in.agent_name,
        API_KEY_ROLE,
        sign_in.platform.as_str(),
    )
    .await
}

/// `POST /apis/admin/session/password/`: the owner's session, for the admin API and console.
pub async fn sign_in_with_password(
    req: Request,
    env: &Env,
    ctx: &RequestContext,
) -> Result<Response, ApiError> {
    check_csrf(&req, env, ctx)?;
    let body = read_json_body(&req).await?;
    let sign_in = parse_owner_sign_in(&body)?;
    let db = db(env)?;
    let password = admin_password(env, &ctx.account);
    throttled(&db, ctx, || sign_in.check(password.as_ref())).await?;
    start_session(
        env,
        &db,
        ctx,
        OWNER_USERNAME.to_owned(),
        "Account owner".to_owned(),
        OWNER_ROLE,
        CONSOLE_PLATFORM,
    )
    .await
}

/// Runs a credential check under the failure throttle: refused while this client's window for
/// this account is full (right credentials included); a failed check counts.
async fn throttled(
    db: &D1Database,
    ctx: &RequestContext,
    check: impl FnOnce() -> Result<(), ApiError>,
) -> Result<(), ApiError> {
    let window = signin_failures::window(db, &ctx.account, &ctx.client).await?;
    ctx.config.throttle.check(window, ctx.now)?;
    if let Err(e) = check() {
        let window_seconds = ctx.config.throttle.window_seconds;
        signin_failures::record(db, &ctx.account, &ctx.client, ctx.now, window_seconds).await?;
        return Err(e);
    }
    Ok(())
}

/// Stores a new session and answers with its user, its JWT and both cookies.
async fn start_session(
    env: &Env,
    db: &D1Database,
    ctx: &RequestContext,
    subject: String,
    name: String,
    role: &str,
    platform: &str,
) -> Result<Response, ApiError> {
    let signing_key = signing_key(env, ctx)?;
    let ids = NewSessionIds::from_random(&crate::runtime::random::<RANDOM_BYTES>()?);
    let session = SessionRecord {
        id: ids.id,
        account: ctx.account.to_string(),
        subject,
        name,
        role: role.to_owned(),
        platform: platform.to_owned(),
        created_at: ctx.now,
        expires_at: ctx.now + ctx.config.session_ttl,
        revoked: false,
    };
    let claims = session.jwt_claims(&ctx.issuer, ids.jti, ctx.now, ctx.config.jwt_ttl);
    // Sign before storing: a signing failure must leave nothing behind.
    let jwt = sign_session(&claims, &signing_key)?;
    sessions::insert(db, &session, &token_hash(&ids.token)).await?;

    let resp = json(
        200,
        &wire::SignedIn {
            user: session.user(),
            expires_at: session.expires_at,
            access_token: jwt.clone(),
            token_type: "Bearer".into(),
        },
    )?;
    append(
        &resp,
        "Set-Cookie",
        &set_cookie(SESSION_COOKIE, &ids.token, ctx.config.session_ttl),
    )?;
    append(
        &resp,
        "Set-Cookie",
        &set_cookie(JWT_COOKIE, &jwt, claims.exp - ctx.now),
    )?;
    Ok(resp)
}

/// `GET /apis/admin/session/`: who is signed in; a fresh JWT cookie when the session outlived
/// the old one.
pub async fn current(req: &Request, env: &Env, ctx: &RequestContext) -> Result<Response, ApiError> {
    let db = db(env)?;
    let auth = authenticate_session(req, env, &db, ctx).await?;
    let session = auth.session;
    let resp = json(
        200,
        &wire::SessionInfo {
            user: session.user(),
            expires_at: session.expires_at,
        },
    )?;
    if auth.needs_fresh_jwt {
        let jti = authcore::jwt::hex(&crate::runtime::random::<16>()?);
        let claims = session.jwt_claims(&ctx.issuer, jti, ctx.now, ctx.config.jwt_ttl);
        let jwt = sign_session(&claims, &signing_key(env, ctx)?)?;
        append(
            &resp,
            "Set-Cookie",
            &set_cookie(JWT_COOKIE, &jwt, claims.exp - ctx.now),
        )?;
    }
    Ok(resp)
}

/// `DELETE /apis/admin/session/`: revokes the session and expires both cookies.
pub async fn sign_out(
    req: &Request,
    env: &Env,
    ctx: &RequestContext,
) -> Result<Response, ApiError> {
    check_csrf(req, env, ctx)?;
    let db = db(env)?;
    let auth = authenticate_session(req, env, &db, ctx).await?;
    sessions::revoke(&db, &auth.session.id, ctx.now).await?;
    let resp = no_content()?;
    append(&resp, "Set-Cookie", &expire_cookie(SESSION_COOKIE))?;
    append(&resp, "Set-Cookie", &expire_cookie(JWT_COOKIE))?;
    Ok(resp)
}
