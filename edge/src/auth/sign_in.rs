//! What every sign-in passes before it may write a session (SPEC §1.4, §4, §6): the login-CSRF
//! origin check, and the failure throttle around the one credential check. A credential judged
//! in the isolate (the API key, the owner's password) signs in through [`judged`], in one round
//! trip; one that needs storage to be judged (a launch token's single use), and the password
//! re-entered to delete a credential, through [`guarded`]. Both count through
//! `store::signin_failures` and decide with [`authcore::throttle::ThrottlePolicy::admit`], so the throttle is one
//! rule wherever a guessable secret is judged.

use std::future::Future;

use authcore::origin::{check_request_origin, OriginList};
use authcore::{ApiError, Platform};
use worker::{D1Database, D1PreparedStatement};

use crate::context::RequestContext;
use crate::http::internal;
use crate::store::signin_failures::{self, Counted};
use crate::store::{changed, Guard};

/// The login-CSRF check: the account's own origin, or a desktop origin allowed for `platform`
/// (none for the owner's console), or no browser context at all.
pub fn check_origin(ctx: &RequestContext, platform: Option<Platform>) -> Result<(), ApiError> {
    let desktops = platform.map_or(OriginList::none(), |p| ctx.config.desktop_origins(p));
    check_request_origin(
        ctx.origin.as_deref(),
        ctx.sec_fetch_site.as_deref(),
        &ctx.own_origin,
        desktops,
    )
}

/// An attempt that passed its check: its count is given back by the statements of
/// [`Attempt::give_back`], batched with the write the attempt leads to.
#[derive(Debug, Clone, Copy)]
pub struct Attempt(Counted);

impl Attempt {
    /// The statements that give this attempt's count back.
    pub fn give_back(
        &self,
        db: &D1Database,
        ctx: &RequestContext,
    ) -> Result<Vec<D1PreparedStatement>, ApiError> {
        signin_failures::give_back(db, &ctx.account, &ctx.client, &self.0)
    }
}

/// Counts the attempt first (client and account windows, atomically), refuses it with `429`
/// while either window is over its limit (a right credential too), and only then runs `check`
/// (a future: it does nothing until awaited here). A failed check keeps its count; a passed one
/// is an [`Attempt`] whose count the caller gives back with its write, and what it found.
pub async fn guarded<T>(
    db: &D1Database,
    ctx: &RequestContext,
    check: impl Future<Output = Result<T, ApiError>>,
) -> Result<(Attempt, T), ApiError> {
    let counted = count(db, ctx).await?;
    let found = check.await?;
    Ok((Attempt(counted), found))
}

/// Counts the attempt and refuses it with `429` while either window is over its limit.
async fn count(db: &D1Database, ctx: &RequestContext) -> Result<Counted, ApiError> {
    let policy = &ctx.config.throttle;
    let counted =
        signin_failures::count_attempt(db, &ctx.account, &ctx.client, ctx.now, policy).await?;
    policy.admit(counted.client, counted.account, ctx.now)?;
    Ok(counted)
}

/// A sign-in whose credential was judged in the isolate (`verdict`), throttled exactly as
/// [`guarded`] throttles, in one round trip. A refused credential is counted, and answered
/// `429` while a window is over its limit, else with its refusal. A right one is counted, and
/// the statements `write` makes for what it found are written, with its count given back, in the
/// same batch, under [`signin_failures::within_limits`]: the database applies the throttle's rule
/// to the counts the batch itself just wrote, so a right credential in a full window writes
/// nothing and is answered `429`, as it would be through [`guarded`].
pub async fn judged<T, R>(
    db: &D1Database,
    ctx: &RequestContext,
    verdict: Result<T, ApiError>,
    write: impl FnOnce(T, &Guard) -> Result<(Vec<D1PreparedStatement>, R), ApiError>,
) -> Result<R, ApiError> {
    let found = match verdict {
        Ok(found) => found,
        Err(refused) => {
            count(db, ctx).await?;
            return Err(refused);
        }
    };
    let policy = &ctx.config.throttle;
    let within_limits = signin_failures::within_limits(&ctx.account, &ctx.client, policy);
    let (writes, written) = write(found, &within_limits)?;
    let count_statements =
        signin_failures::count_statements(db, &ctx.account, &ctx.client, ctx.now, policy)?;
    let writes_at = count_statements.len()..count_statements.len() + writes.len();
    let mut batch = Vec::from(count_statements);
    batch.extend(writes);
    batch.push(signin_failures::give_back_within(
        db,
        &ctx.account,
        &ctx.client,
        &within_limits,
    )?);
    let results = db.batch(batch).await.map_err(internal)?;
    let counted = signin_failures::counted(&results)?;
    let admitted = policy.admit(counted.client, counted.account, ctx.now);
    // The database judged by the same rule: every write took effect, or (refused) none did.
    // Anything else would answer with a session nobody stored, or store one never handed out.
    let changes = results
        .get(writes_at.clone())
        .ok_or_else(|| internal("a batch returned fewer results than statements"))?
        .iter()
        .map(|r| changed(Some(r)))
        .collect::<Result<Vec<_>, _>>()?;
    let expected = usize::from(admitted.is_ok());
    if changes.iter().any(|&c| c != expected) {
        return Err(internal(
            "the throttle's verdict and the database's disagree",
        ));
    }
    admitted.map(|()| written)
}
