//! The session endpoints (SPEC §1.4–§1.8, §4 "Admin API", §6): sign in with a signed launch
//! link, with the account's API key (an agent, the last resort) or the owner's password (the
//! owner); read the session, renew its JWT without cookies, sign out.

use authcore::admin::{parse_owner_sign_in, CONSOLE_PLATFORM, OWNER_ROLE, OWNER_USERNAME};
use authcore::cookie::{expire_cookie, set_cookie, JWT_COOKIE, SESSION_COOKIE};
use authcore::jwt::renewal_token::{sign_renewal, RenewalClaims};
use authcore::jwt::session_token::sign_session;
use authcore::jwt::SigningKey;
use authcore::launch::{parse_launch_request, prepare};
use authcore::session::{token_hash, NewSessionIds, SessionRecord, SignInMethod, RANDOM_BYTES};
use authcore::signin::{check_api_key, parse_sign_in, API_KEY_ROLE};
use authcore::ApiError;
use worker::web_sys::Request;
use worker::{D1Database, D1PreparedStatement, Env, Response};

use crate::auth::session::{by_renewal_token, signing_key};
use crate::auth::sign_in::{check_origin, guarded, judged};
use crate::auth::{authenticate_session, bearer_token, QueryToken};
use crate::config::{admin_password, integration_api_key, integration_api_key_previous, launch};
use crate::context::RequestContext;
use crate::http::{append, internal, json, no_content, read_json_body};
use crate::store::{audit, db, launch_jtis, sessions, Guard};

/// `POST /apis/admin/session/api-key/`: an agent session. Checks run cheapest first; the key is
/// judged in the isolate, and the attempt counted by the throttle and, where right and within
/// the limits, stored as a session, in one round trip.
pub async fn sign_in_with_api_key(
    req: Request,
    env: &Env,
    ctx: &RequestContext,
) -> Result<Response, ApiError> {
    let body = read_json_body(&req).await?;
    let sign_in = parse_sign_in(&body)?;
    check_origin(ctx, Some(sign_in.platform))?;
    let db = db(env)?;
    let signing_key = signing_key(env, ctx)?;
    // An account without a key does not exist; it is counted and answered exactly like a wrong
    // key, so neither the answer nor the throttle tells which accounts exist. During a rotation
    // the previous key still signs in, and says so in the audit log (SPEC §8).
    let key = integration_api_key(env, &ctx.account);
    let previous = integration_api_key_previous(env, &ctx.account);
    let verdict = check_api_key(key.as_ref(), previous.as_ref(), &sign_in.api_key);
    let started = StartedSession::new(
        ctx,
        &signing_key,
        NewSession {
            subject: sign_in.agent_id,
            name: sign_in.agent_name,
            role: API_KEY_ROLE,
            platform: sign_in.platform.as_str(),
            method: SignInMethod::ApiKey,
            note: verdict.as_ref().ok().and_then(|used| used.audit_note()),
        },
    )?;
    judged(&db, ctx, verdict.map(drop), |admitted| {
        started.statements(&db, ctx, Some(admitted))
    })
    .await?;
    started.response(ctx)
}

/// `POST /apis/admin/session/password/`: the owner's session, for the admin API and console,
/// from the account's own origin only.
pub async fn sign_in_with_password(
    req: Request,
    env: &Env,
    ctx: &RequestContext,
) -> Result<Response, ApiError> {
    let body = read_json_body(&req).await?;
    let sign_in = parse_owner_sign_in(&body)?;
    check_origin(ctx, None)?;
    let db = db(env)?;
    let signing_key = signing_key(env, ctx)?;
    let password = admin_password(env, &ctx.account);
    let started = StartedSession::new(
        ctx,
        &signing_key,
        NewSession {
            subject: OWNER_USERNAME.to_owned(),
            name: "Account owner".to_owned(),
            role: OWNER_ROLE,
            platform: CONSOLE_PLATFORM,
            method: SignInMethod::Password,
            note: None,
        },
    )?;
    judged(&db, ctx, sign_in.check(password.as_ref()), |admitted| {
        started.statements(&db, ctx, Some(admitted))
    })
    .await?;
    started.response(ctx)
}

/// `POST /apis/admin/session/launch/` `{"launch","platform"}` (SPEC §6): a session from a
/// launch token the account's desktop or backend signed. Every refusal of the token is one
/// `401 invalid_launch`, counted by the throttle like a wrong key; a token works once.
pub async fn sign_in_with_launch(
    req: Request,
    env: &Env,
    ctx: &RequestContext,
) -> Result<Response, ApiError> {
    let (token, platform) = parse_launch_request(&read_json_body(&req).await?)?;
    check_origin(ctx, Some(platform))?;
    let db = db(env)?;
    let signing_key = signing_key(env, ctx)?;
    let launch = launch(env, &ctx.account, &ctx.config.base_domain);
    let (attempt, claims) = guarded(&db, ctx, async {
        let (keys, policy) = launch.as_ref().ok_or(ApiError::InvalidLaunch)?;
        let unverified = prepare(&token, keys)?;
        let verified = match unverified.public_key() {
            None => unverified.verify_hs256()?,
            Some(jwk) => {
                let public = serde_json::to_string(&jwk.public_members()).map_err(internal)?;
                let valid = crate::webcrypto::verify(
                    unverified.algorithm(),
                    &public,
                    unverified.signature(),
                    unverified.signing_input().as_bytes(),
                )
                .await;
                unverified.accept(valid)?
            }
        };
        let claims = verified.claims(policy, ctx.now)?;
        // Single use: a replay is refused like any other bad token, and counted.
        if !launch_jtis::claim(&db, &ctx.account, &claims.jti, claims.usable_until).await? {
            return Err(ApiError::InvalidLaunch);
        }
        Ok(claims)
    })
    .await?;
    let started = StartedSession::new(
        ctx,
        &signing_key,
        NewSession {
            subject: claims.sub,
            name: claims.name,
            role: claims.role,
            platform: platform.as_str(),
            method: SignInMethod::Launch,
            note: None,
        },
    )?;
    let mut batch = started.statements(&db, ctx, None)?;
    batch.extend(attempt.give_back(&db, ctx)?);
    db.batch(batch).await.map_err(internal)?;
    started.response(ctx)
}

/// Who a new session signs in.
struct NewSession {
    subject: String,
    name: String,
    role: &'static str,
    platform: &'static str,
    method: SignInMethod,
    /// What the audit entry adds about the credential (`key=previous`), if anything.
    note: Option<&'static str>,
}

/// A new session, its tokens signed, before it is stored.
struct StartedSession {
    session: SessionRecord,
    /// The session cookie's token; only its hash is stored.
    token: String,
    jwt: String,
    jwt_expires_at: u64,
    renewal: String,
    /// The `session.create` audit entry's detail.
    detail: String,
}

impl StartedSession {
    /// Signs the new session's tokens before anything is stored: a signing failure must leave
    /// nothing behind.
    fn new(
        ctx: &RequestContext,
        signing_key: &SigningKey,
        new: NewSession,
    ) -> Result<Self, ApiError> {
        let ids = NewSessionIds::from_random(&crate::runtime::random::<RANDOM_BYTES>()?);
        let session = SessionRecord {
            id: ids.id,
            account: ctx.account.to_string(),
            subject: new.subject,
            name: new.name,
            role: new.role.to_owned(),
            platform: new.platform.to_owned(),
            method: new.method,
            ip: ctx.client_ip.clone(),
            created_at: ctx.now,
            expires_at: ctx.now + ctx.config.session_ttl,
            revoked: false,
        };
        let claims = session.jwt_claims(&ctx.issuer, ids.jti, ctx.now, ctx.config.jwt_ttl);
        let jwt = sign_session(&claims, signing_key)?;
        let renewal = sign_renewal(
            &RenewalClaims::new(&session, &ctx.issuer, ctx.now),
            signing_key,
        )?;
        let mut detail = format!(
            "method={} platform={}",
            session.method.as_str(),
            session.platform
        );
        if let Some(note) = new.note {
            detail.push(' ');
            detail.push_str(note);
        }
        Ok(Self {
            session,
            token: ids.token,
            jwt,
            jwt_expires_at: claims.exp,
            renewal,
            detail,
        })
    }

    /// The statements that store it and its `session.create` audit entry (SPEC §8: every
    /// sign-in is on record, so the owner sees who signed in as whom, from where); under
    /// `guard`, only while it holds.
    fn statements(
        &self,
        db: &D1Database,
        ctx: &RequestContext,
        guard: Option<&Guard>,
    ) -> Result<Vec<D1PreparedStatement>, ApiError> {
        let entry = audit::Entry {
            account: &ctx.account,
            actor: &self.session.subject,
            action: "session.create",
            target: &self.session.id,
            ip: &ctx.client_ip,
            detail: &self.detail,
            at: ctx.now,
        };
        Ok(vec![
            sessions::insert(db, &self.session, &token_hash(&self.token), guard)?,
            audit::insert(db, &entry, guard)?,
        ])
    }

    /// The answer once it is stored: its user, its JWT, its renewal token and both cookies.
    fn response(self, ctx: &RequestContext) -> Result<Response, ApiError> {
        let session = self.session;
        let resp = json(
            200,
            &wire::SignedIn {
                user: session.user(),
                amr: session.method.amr(),
                expires_at: session.expires_at,
                access_token: self.jwt.clone(),
                token_type: "Bearer".into(),
                access_token_expires_at: self.jwt_expires_at,
                renewal_token: Some(self.renewal),
            },
        )?;
        append(
            &resp,
            "Set-Cookie",
            &set_cookie(SESSION_COOKIE, &self.token, ctx.config.session_ttl),
        )?;
        append(
            &resp,
            "Set-Cookie",
            &set_cookie(JWT_COOKIE, &self.jwt, self.jwt_expires_at - ctx.now),
        )?;
        Ok(resp)
    }
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
            amr: session.method.amr(),
            expires_at: session.expires_at,
        },
    )?;
    if auth.needs_fresh_jwt {
        let (jwt, exp) = fresh_jwt(&session, env, ctx)?;
        append(
            &resp,
            "Set-Cookie",
            &set_cookie(JWT_COOKIE, &jwt, exp - ctx.now),
        )?;
    }
    Ok(resp)
}

/// `POST /apis/admin/session/renew` with `Authorization: Bearer <renewal token>` (SPEC §1.8):
/// a fresh session JWT for a widget that holds its session in memory, for as long as the
/// session lives. No cookie is set or read: cookie sessions renew through `GET …/session/`.
pub async fn renew(req: &Request, env: &Env, ctx: &RequestContext) -> Result<Response, ApiError> {
    let token = bearer_token(req, ctx, QueryToken::Ignored)?.ok_or(ApiError::Unauthenticated)?;
    let db = db(env)?;
    let session = by_renewal_token(&token, env, &db, ctx).await?;
    let (jwt, exp) = fresh_jwt(&session, env, ctx)?;
    json(
        200,
        &wire::SignedIn {
            user: session.user(),
            amr: session.method.amr(),
            expires_at: session.expires_at,
            access_token: jwt,
            token_type: "Bearer".into(),
            access_token_expires_at: exp,
            renewal_token: None,
        },
    )
}

/// A new session JWT of `session` and its `exp`.
fn fresh_jwt(
    session: &SessionRecord,
    env: &Env,
    ctx: &RequestContext,
) -> Result<(String, u64), ApiError> {
    let jti = authcore::jwt::hex(&crate::runtime::random::<16>()?);
    let claims = session.jwt_claims(&ctx.issuer, jti, ctx.now, ctx.config.jwt_ttl);
    Ok((sign_session(&claims, &signing_key(env, ctx)?)?, claims.exp))
}

/// `DELETE /apis/admin/session/`: revokes the session and expires both cookies.
pub async fn sign_out(
    req: &Request,
    env: &Env,
    ctx: &RequestContext,
) -> Result<Response, ApiError> {
    let db = db(env)?;
    let auth = authenticate_session(req, env, &db, ctx).await?;
    sessions::revoke(&db, &auth.session.id, ctx.now).await?;
    let resp = no_content()?;
    append(&resp, "Set-Cookie", &expire_cookie(SESSION_COOKIE))?;
    append(&resp, "Set-Cookie", &expire_cookie(JWT_COOKIE))?;
    Ok(resp)
}
