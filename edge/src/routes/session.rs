//! The session endpoints (SPEC §1.4–§1.6): sign in with the account's API key, read the
//! session, sign out.

use authcore::cookie::{expire_cookie, set_cookie, JWT_COOKIE, SESSION_COOKIE};
use authcore::jwt::session_token::sign_session;
use authcore::origin::check_request_origin;
use authcore::session::{token_hash, NewSessionIds, SessionRecord, RANDOM_BYTES};
use authcore::signin::{parse_sign_in, API_KEY_ROLE, MAX_BODY_BYTES};
use authcore::ApiError;
use worker::{Env, Request, Response};

use crate::auth::{authenticate_session, signing_key};
use crate::config::{all_desktop_origins, integration_api_key};
use crate::context::RequestContext;
use crate::http::{append, header, json, no_content, read_json_body};
use crate::store::{db, sessions, signin_failures};

/// `POST /apis/admin/session/api-key/`: checks run cheapest first, and nothing is written until
/// the key is right (a wrong key only counts a failure for an existing account).
pub async fn sign_in_with_api_key(
    mut req: Request,
    env: &Env,
    ctx: &RequestContext,
) -> Result<Response, ApiError> {
    check_csrf(&req, env, ctx)?;
    let body = read_json_body(&mut req, MAX_BODY_BYTES).await?;
    let sign_in = parse_sign_in(&body)?;

    let db = db(env)?;
    // An account without a key does not exist: same answer as a wrong key, and no row is written.
    let key = integration_api_key(env, &ctx.account).ok_or(ApiError::InvalidApiKey)?;
    let window = signin_failures::window(&db, &ctx.account, &ctx.client).await?;
    ctx.config.throttle.check(window, ctx.now)?;
    if !key.matches(&sign_in.api_key) {
        let window_seconds = ctx.config.throttle.window_seconds;
        signin_failures::record(&db, &ctx.account, &ctx.client, ctx.now, window_seconds).await?;
        return Err(ApiError::InvalidApiKey);
    }

    let signing_key = signing_key(env, ctx)?;
    let ids = NewSessionIds::from_random(&crate::runtime::random::<RANDOM_BYTES>()?);
    let session = SessionRecord {
        id: ids.id,
        account: ctx.account.to_string(),
        subject: sign_in.agent_id,
        name: sign_in.agent_name,
        role: API_KEY_ROLE.to_owned(),
        platform: sign_in.platform.as_str().to_owned(),
        created_at: ctx.now,
        expires_at: ctx.now + ctx.config.session_ttl,
        revoked: false,
    };
    let claims = session.jwt_claims(&ctx.issuer, ids.jti, ctx.now, ctx.config.jwt_ttl);
    // Sign before storing: a signing failure must leave nothing behind.
    let jwt = sign_session(&claims, &signing_key)?;
    sessions::insert(&db, &session, &token_hash(&ids.token)).await?;

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

fn check_csrf(req: &Request, env: &Env, ctx: &RequestContext) -> Result<(), ApiError> {
    check_request_origin(
        header(req, "Origin").as_deref(),
        header(req, "Sec-Fetch-Site").as_deref(),
        &ctx.own_origin,
        &all_desktop_origins(env),
    )
}
