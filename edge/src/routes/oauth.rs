//! OAuth2 for servers (SPEC §2, seeds 001 and 003): the token endpoint (client credentials,
//! RFC 6749 §4.4), the LivePerson-style Basic login, introspection (RFC 7662) and revocation
//! (RFC 7009). A service's id and one of its active keys are its client id and secret.

use authcore::jwt::access_token::{
    sign_access, AccessClaims, AUDIENCE, TESTING_TTL_SECONDS, TTL_SECONDS,
};
use authcore::oauth::{client_auth, scope, token_operation, token_request};
use authcore::ApiError;
use worker::web_sys::Request;
use worker::{D1Database, Env, Response};

use crate::auth::service::{by_access_token, oauth_client, ServiceCaller};
use crate::auth::session::signing_key;
use crate::context::RequestContext;
use crate::http::{header, json, read_body, set};
use crate::runtime::random;
use crate::store::access_tokens::{self, Revocable};
use crate::store::db;

/// `POST /oauth/token` with `grant_type=client_credentials`.
pub async fn token(req: Request, env: &Env, ctx: &RequestContext) -> Result<Response, ApiError> {
    let body = read_body(&req).await?;
    let request = token_request(
        header(&req, "Content-Type").as_deref(),
        &body,
        header(&req, "Authorization").as_deref(),
    )?;
    let db = db(env)?;
    let client = oauth_client(&request.client, env, &db, ctx).await?;
    let scope = scope::grant(request.scope.as_deref(), &client.scopes)?;
    let (service_id, credential_id) = (&client.service_id, &client.credential_id);
    let issued = issue(env, &db, ctx, service_id, credential_id, &scope, false).await?;
    token_response(&issued)
}

/// `POST /v2/authenticate/login` with only `Authorization: Basic base64(id:secret)` (seed 003):
/// the same token as the client-credentials grant, with every scope the service allows.
pub async fn login(req: Request, env: &Env, ctx: &RequestContext) -> Result<Response, ApiError> {
    let (client_id, client_secret) = client_auth::basic(header(&req, "Authorization").as_deref())?
        .ok_or(ApiError::InvalidClient)?;
    let client = client_auth::ClientCredentials {
        client_id,
        client_secret,
        method: client_auth::Method::Basic,
    };
    let db = db(env)?;
    let client = oauth_client(&client, env, &db, ctx).await?;
    let issued = issue(
        env,
        &db,
        ctx,
        &client.service_id,
        &client.credential_id,
        &client.scopes,
        false,
    )
    .await?;
    token_response(&issued)
}

/// `POST /oauth/introspect` (RFC 7662): a client learns whether one of its own tokens is active.
/// Tokens of other clients, and anything invalid, are `{"active":false}`.
pub async fn introspect(
    req: Request,
    env: &Env,
    ctx: &RequestContext,
) -> Result<Response, ApiError> {
    let (db, service, token) = token_operation_of_client(req, env, ctx).await?;
    let answer = match by_access_token(&token, env, &db, ctx).await {
        Ok(claims) if claims.sub == service.service_id => wire::Introspection {
            active: true,
            scope: Some(claims.scope),
            client_id: Some(claims.client_id),
            token_type: Some("Bearer".into()),
            exp: Some(claims.exp),
            iat: Some(claims.iat),
            sub: Some(claims.sub),
            aud: Some(claims.aud),
            iss: Some(claims.iss),
            jti: Some(claims.jti),
            testing: Some(claims.testing),
        },
        Ok(_) | Err(ApiError::InvalidToken) => wire::Introspection::default(),
        Err(e) => return Err(e),
    };
    json(200, &answer)
}

/// `POST /oauth/revoke` (RFC 7009): a client revokes one of its own tokens. The answer is `200`
/// whatever the token was (unknown, invalid, another client's, already revoked), so it tells
/// nothing; only the client's own live tokens are touched.
pub async fn revoke(req: Request, env: &Env, ctx: &RequestContext) -> Result<Response, ApiError> {
    let (db, service, token) = token_operation_of_client(req, env, ctx).await?;
    match by_access_token(&token, env, &db, ctx).await {
        Ok(claims) if claims.sub == service.service_id => {
            let token = (service.service_id.as_str(), claims.jti.as_str());
            access_tokens::revoke(&db, &ctx.account, token, Revocable::Any, ctx.now).await?;
        }
        Ok(_) | Err(ApiError::InvalidToken) => {}
        Err(e) => return Err(e),
    }
    json(200, &wire::Empty {})
}

/// The authenticated client and the `token` parameter of an introspection or revocation.
async fn token_operation_of_client(
    req: Request,
    env: &Env,
    ctx: &RequestContext,
) -> Result<(D1Database, ServiceCaller, String), ApiError> {
    let body = read_body(&req).await?;
    let (client, token) = token_operation(
        header(&req, "Content-Type").as_deref(),
        &body,
        header(&req, "Authorization").as_deref(),
    )?;
    let db = db(env)?;
    let service = oauth_client(&client, env, &db, ctx).await?;
    Ok((db, service, token))
}

/// Mints an access token for `service_id`, records it, and returns the token body. It lives
/// while `credential_id` (the key the client authenticated with, or the key a testing token is
/// minted for) stays active. A testing token (seed 003) lives 24 hours.
pub async fn issue(
    env: &Env,
    db: &D1Database,
    ctx: &RequestContext,
    service_id: &str,
    credential_id: &str,
    scope: &str,
    testing: bool,
) -> Result<wire::TokenResponse, ApiError> {
    let ttl = if testing {
        TESTING_TTL_SECONDS
    } else {
        TTL_SECONDS
    };
    let claims = AccessClaims {
        iss: ctx.issuer.clone(),
        aud: AUDIENCE.to_owned(),
        sub: service_id.to_owned(),
        client_id: service_id.to_owned(),
        acc: ctx.account.to_string(),
        scope: scope.to_owned(),
        jti: authcore::jwt::hex(&random::<16>()?),
        iat: ctx.now,
        exp: ctx.now + ttl,
        testing,
    };
    // Sign before recording: a signing failure leaves nothing behind.
    let access_token = sign_access(&claims, &signing_key(env, ctx)?)?;
    let record = access_tokens::NewAccessToken {
        jti: &claims.jti,
        service_id,
        credential_id,
        scope,
        testing,
        issued_at: claims.iat,
        expires_at: claims.exp,
    };
    access_tokens::insert(db, &ctx.account, &record).await?;
    Ok(wire::TokenResponse {
        access_token,
        token_type: "Bearer".to_owned(),
        expires_in: ttl,
        scope: scope.to_owned(),
        testing: testing.then_some(true),
        id: testing.then(|| claims.jti.clone()),
        credential_id: testing.then(|| credential_id.to_owned()),
    })
}

/// The token body with RFC 6749 §5.1's headers: never cached.
fn token_response(body: &wire::TokenResponse) -> Result<Response, ApiError> {
    let resp = json(200, body)?;
    set(&resp, "Pragma", "no-cache")?;
    Ok(resp)
}
