//! The admin API (SPEC §4 "Admin API"), for the account owner only: services, their
//! credentials and the four lifecycle actions, and the audit log.
//!
//! Every credential change goes through [`change`]: read the service, let `authcore`'s rules
//! judge the change, write it guarded by the service's version (with its audit entry, in one
//! transaction), and start over when a concurrent change got there first.

use authcore::admin::{
    is_credential_id, is_service_id, new_credential_id, new_service_id, parse_new_credential,
    parse_new_service, parse_password_confirmation, ID_RANDOM_BYTES,
};
use authcore::credential::rules::{check, Change, LIMITS};
use authcore::credential::secrets::{self, CredentialsKey};
use authcore::credential::{Kind, Status};
use authcore::session::SessionRecord;
use authcore::ApiError;
use worker::web_sys::Request;
use worker::{D1Database, Env, Response};

use crate::auth::require_owner;
use crate::auth::sign_in::guarded;
use crate::config::{admin_password, credentials_key};
use crate::context::RequestContext;
use crate::http::{internal, json, no_content, read_json_body};
use crate::runtime::random;
use crate::store::access_tokens::{self, Revocable};
use crate::store::credentials::{self, CredentialRow, NewCredential, Write};
use crate::store::{audit, db, services};

/// How often a change is re-read and retried when concurrent changes keep winning.
const MAX_ATTEMPTS: usize = 8;
/// Audit entries `GET /apis/admin/audit` returns.
const AUDIT_PAGE: u32 = 200;

/// The owner and storage, after the checks every admin request passes (the sessions panel's
/// too).
pub(super) struct Admin {
    pub(super) db: D1Database,
    pub(super) owner: SessionRecord,
}

/// The owner's session (a cookie-authenticated write has passed the CSRF check by then, in
/// `auth::session::by_cookies`) and storage.
pub(super) async fn admin(
    req: &Request,
    env: &Env,
    ctx: &RequestContext,
) -> Result<Admin, ApiError> {
    let db = db(env)?;
    let owner = require_owner(req, env, &db, ctx).await?;
    Ok(Admin { db, owner })
}

impl Admin {
    /// The audit entry of the owner's `action` on `target`, now.
    pub(super) fn entry<'a>(
        &'a self,
        ctx: &'a RequestContext,
        action: &'a str,
        target: &'a str,
    ) -> audit::Entry<'a> {
        audit::Entry {
            account: &ctx.account,
            actor: &self.owner.subject,
            action,
            target,
            ip: &ctx.client_ip,
            detail: "",
            at: ctx.now,
        }
    }

    /// Records `entry` on its own (an action outside the credential transaction).
    async fn record(&self, entry: &audit::Entry<'_>) -> Result<(), ApiError> {
        let insert = audit::insert(&self.db, entry, None)?;
        self.db.batch(vec![insert]).await.map_err(internal)?;
        Ok(())
    }
}

/// `POST /apis/admin/services` `{"name","scopes"?}` → `201`, with one active credential of each kind and
/// their secrets, shown this once.
pub async fn create_service(
    req: Request,
    env: &Env,
    ctx: &RequestContext,
) -> Result<Response, ApiError> {
    let a = admin(&req, env, ctx).await?;
    let service = parse_new_service(&read_json_body(&req).await?)?;
    let key = credentials_key(env)?;
    let id = new_service_id(&random::<ID_RANDOM_BYTES>()?);
    let mut first = Vec::new();
    for kind in Kind::ALL {
        first.push(issue(&key, ctx, kind)?);
    }
    let news: Vec<NewCredential> = first.iter().map(|(n, _)| n.clone()).collect();
    services::create(
        &a.db,
        &ctx.account,
        &id,
        &service,
        &news,
        &a.entry(ctx, "service.create", &id),
        ctx.now,
    )
    .await?;
    let credentials = first
        .into_iter()
        .map(|(new, secret)| new.row().view(Some(secret)))
        .collect();
    json(
        201,
        &wire::CreatedService {
            id,
            name: service.name,
            scopes: service.scopes,
            credentials,
        },
    )
}

/// `GET /apis/admin/services`.
pub async fn list_services(
    req: &Request,
    env: &Env,
    ctx: &RequestContext,
) -> Result<Response, ApiError> {
    let a = admin(req, env, ctx).await?;
    let services = services::list(&a.db, &ctx.account)
        .await?
        .into_iter()
        .map(services::ServiceRow::view)
        .collect();
    json(200, &wire::ServiceList { services })
}

/// `GET /apis/admin/services/<id>/credentials`: secrets masked.
pub async fn list_credentials(
    req: &Request,
    env: &Env,
    ctx: &RequestContext,
    service_id: &str,
) -> Result<Response, ApiError> {
    let a = admin(req, env, ctx).await?;
    service(&a.db, ctx, service_id).await?;
    let credentials = credentials::list(&a.db, &ctx.account, service_id)
        .await?
        .iter()
        .map(|c| c.view(None))
        .collect();
    json(200, &wire::CredentialList { credentials })
}

/// `POST /apis/admin/services/<id>/credentials` `{"kind"}` → `201`, the new credential with its
/// secret.
pub async fn create_credential(
    req: Request,
    env: &Env,
    ctx: &RequestContext,
    service_id: &str,
) -> Result<Response, ApiError> {
    let a = admin(&req, env, ctx).await?;
    let kind = parse_new_credential(&read_json_body(&req).await?)?;
    let key = credentials_key(env)?;
    let view = change(
        &a,
        ctx,
        service_id,
        "credential.create",
        Change::Create(kind),
        |_| {
            let (new, secret) = issue(&key, ctx, kind)?;
            Ok((Write::Insert(new), Some(secret)))
        },
    )
    .await?;
    json(201, &view.ok_or(ApiError::Internal)?)
}

/// `POST …/credentials/<cid>/discard|reactivate|regenerate` → `200`, the credential (with its
/// new secret after a regenerate).
pub async fn act_on_credential(
    req: &Request,
    env: &Env,
    ctx: &RequestContext,
    service_id: &str,
    credential_id: &str,
    action: &str,
) -> Result<Response, ApiError> {
    let a = admin(req, env, ctx).await?;
    if !is_credential_id(credential_id) {
        return Err(ApiError::NotFound);
    }
    let id = credential_id.to_owned();
    let view = match action {
        "discard" | "reactivate" => {
            let (audit_action, rule, status) = match action {
                "discard" => ("credential.discard", Change::Discard(&id), Status::Inactive),
                _ => (
                    "credential.reactivate",
                    Change::Reactivate(&id),
                    Status::Active,
                ),
            };
            change(&a, ctx, service_id, audit_action, rule, |_| {
                Ok((Write::SetStatus(id.clone(), status), None))
            })
            .await?
        }
        "regenerate" => {
            let key = credentials_key(env)?;
            change(
                &a,
                ctx,
                service_id,
                "credential.regenerate",
                Change::Regenerate(&id),
                |rows| {
                    let kind = rows
                        .iter()
                        .find(|r| r.id == id)
                        .and_then(|r| Kind::parse(&r.kind))
                        .ok_or(ApiError::NotFound)?;
                    let issued = secrets::issue(kind, &key, &ctx.account, &id, &random()?);
                    let write = Write::SetSecret {
                        id: id.clone(),
                        secret_ref: issued.stored,
                        masked: issued.masked,
                    };
                    Ok((write, Some(issued.secret)))
                },
            )
            .await?
        }
        _ => return Err(ApiError::NotFound),
    };
    json(200, &view.ok_or(ApiError::Internal)?)
}

/// `DELETE …/credentials/<cid>` `{"password"}` → `204`: only an inactive credential, and only
/// with the owner's password re-entered (seed 004).
///
/// The password is judged first, whatever the ids say, and under the sign-in throttle: a stolen
/// owner session must not become a way to guess the password, so a wrong one is `403` for any
/// ids, counted, and audited (`credential.delete_refused`).
pub async fn delete_credential(
    req: Request,
    env: &Env,
    ctx: &RequestContext,
    service_id: &str,
    credential_id: &str,
) -> Result<Response, ApiError> {
    let a = admin(&req, env, ctx).await?;
    let confirmation = parse_password_confirmation(&read_json_body(&req).await?)?;
    let password = admin_password(env, &ctx.account);
    let checked = guarded(&a.db, ctx, async { confirmation.check(password.as_ref()) }).await;
    let attempt = match checked {
        Ok((attempt, ())) => attempt,
        Err(refused) => {
            // Only an id of the right shape is written to the log, never arbitrary path text.
            let target = if is_credential_id(credential_id) {
                credential_id
            } else {
                "-"
            };
            a.record(&a.entry(ctx, "credential.delete_refused", target))
                .await?;
            return Err(refused);
        }
    };
    a.db.batch(attempt.give_back(&a.db, ctx)?)
        .await
        .map_err(internal)?;
    if !is_credential_id(credential_id) {
        return Err(ApiError::NotFound);
    }
    let id = credential_id.to_owned();
    change(
        &a,
        ctx,
        service_id,
        "credential.delete",
        Change::Delete(&id),
        |_| Ok((Write::Delete(id.clone()), None)),
    )
    .await?;
    no_content()
}

/// `POST /apis/admin/services/<id>/testing-token` → `201`, a 24-hour access token for API
/// tools, marked `testing` (seed 003: "this token should not be used in your code"). It is
/// minted for the service's oldest active key and ends with it (discarded, regenerated or
/// deleted), or when the owner revokes it.
pub async fn testing_token(
    req: &Request,
    env: &Env,
    ctx: &RequestContext,
    service_id: &str,
) -> Result<Response, ApiError> {
    let a = admin(req, env, ctx).await?;
    let svc = service(&a.db, ctx, service_id).await?;
    let key = credentials::list(&a.db, &ctx.account, &svc.id)
        .await?
        .into_iter()
        .find(|c| {
            c.state()
                .is_some_and(|s| s.kind == Kind::ServiceKey && s.status == Status::Active)
        })
        // The rules keep one active key per service; without one there is nothing to end with.
        .ok_or(ApiError::NotFound)?;
    let token = super::oauth::issue(env, &a.db, ctx, &svc.id, &key.id, &svc.scopes, true).await?;
    a.record(&a.entry(ctx, "token.testing", &svc.id)).await?;
    json(201, &token)
}

/// `GET /apis/admin/services/<id>/testing-tokens`: the live testing tokens (never the tokens
/// themselves), newest first.
pub async fn list_testing_tokens(
    req: &Request,
    env: &Env,
    ctx: &RequestContext,
    service_id: &str,
) -> Result<Response, ApiError> {
    let a = admin(req, env, ctx).await?;
    let svc = service(&a.db, ctx, service_id).await?;
    let tokens = access_tokens::live_testing_tokens(&a.db, &ctx.account, &svc.id, ctx.now)
        .await?
        .into_iter()
        .map(|t| wire::TestingToken {
            id: t.jti,
            credential_id: t.credential_id,
            issued_at: t.issued_at as u64,
            expires_at: t.expires_at as u64,
        })
        .collect();
    json(200, &wire::TestingTokenList { tokens })
}

/// `DELETE /apis/admin/services/<id>/testing-tokens/<token id>` → `204`: the token is refused
/// from now on; `404` when no live testing token of this service has that id.
pub async fn revoke_testing_token(
    req: &Request,
    env: &Env,
    ctx: &RequestContext,
    service_id: &str,
    token_id: &str,
) -> Result<Response, ApiError> {
    let a = admin(req, env, ctx).await?;
    let svc = service(&a.db, ctx, service_id).await?;
    let token = (svc.id.as_str(), token_id);
    if !authcore::jwt::is_token_id(token_id)
        || !access_tokens::revoke(&a.db, &ctx.account, token, Revocable::Testing, ctx.now).await?
    {
        return Err(ApiError::NotFound);
    }
    a.record(&a.entry(ctx, "token.testing_revoke", token_id))
        .await?;
    no_content()
}

/// `GET /apis/admin/audit`: the newest entries first.
pub async fn audit_log(
    req: &Request,
    env: &Env,
    ctx: &RequestContext,
) -> Result<Response, ApiError> {
    let a = admin(req, env, ctx).await?;
    let entries = audit::newest(&a.db, &ctx.account, AUDIT_PAGE).await?;
    json(200, &wire::AuditLog { entries })
}

/// The service `id` of this account, or `404` (a malformed id is not looked up at all).
async fn service(
    db: &D1Database,
    ctx: &RequestContext,
    id: &str,
) -> Result<services::ServiceRow, ApiError> {
    if !is_service_id(id) {
        return Err(ApiError::NotFound);
    }
    services::get(db, &ctx.account, id)
        .await?
        .ok_or(ApiError::NotFound)
}

/// A new credential of `kind`, and its secret (to be shown once).
fn issue(
    key: &CredentialsKey,
    ctx: &RequestContext,
    kind: Kind,
) -> Result<(NewCredential, String), ApiError> {
    let id = new_credential_id(&random::<ID_RANDOM_BYTES>()?);
    let issued = secrets::issue(kind, key, &ctx.account, &id, &random()?);
    let new = NewCredential {
        id,
        kind,
        secret_ref: issued.stored,
        masked: issued.masked,
        created_at: ctx.now,
    };
    Ok((new, issued.secret))
}

/// Applies one credential change: the rules judge it against the service as read, `write`
/// says what to store (and the secret to show, if any), and the write only lands while the
/// service is unchanged since the read. Returns the credential as it now is (`None` once
/// deleted).
async fn change(
    a: &Admin,
    ctx: &RequestContext,
    service_id: &str,
    action: &str,
    rule_change: Change<'_>,
    write: impl Fn(&[CredentialRow]) -> Result<(Write, Option<String>), ApiError>,
) -> Result<Option<wire::Credential>, ApiError> {
    for _ in 0..MAX_ATTEMPTS {
        let svc = service(&a.db, ctx, service_id).await?;
        let rows = credentials::list(&a.db, &ctx.account, service_id).await?;
        let states: Vec<_> = rows.iter().filter_map(CredentialRow::state).collect();
        check(&states, rule_change, LIMITS)?;
        let (w, secret) = write(&rows)?;
        let entry = a.entry(ctx, action, w.credential_id());
        if credentials::apply(&a.db, &ctx.account, service_id, svc.version(), &w, &entry).await? {
            return Ok(w.resulting_row(&rows).map(|r| r.view(secret)));
        }
    }
    Err(ApiError::ConcurrentModification)
}
