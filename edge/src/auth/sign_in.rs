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
/// [`guarded`] throttles, in one round trip whatever the verdict: one batch counts the attempt
/// and makes the statements of `write` (the session and its audit entry) and the give-back of
/// the count, those only where the credential was right and both windows, just counted, are
/// within their limits (`signin_failures::admitted`: the throttle's rule, applied by the
/// database to the counts the batch itself wrote). Then `429` while a window is over its limit,
/// else the verdict. A right and a wrong credential make the same statements in the same round
/// trip, so neither the answer nor the work tells them apart in a full window.
pub async fn judged(
    db: &D1Database,
    ctx: &RequestContext,
    verdict: Result<(), ApiError>,
    write: impl FnOnce(&Guard) -> Result<Vec<D1PreparedStatement>, ApiError>,
) -> Result<(), ApiError> {
    let policy = &ctx.config.throttle;
    let admitted = signin_failures::admitted(&ctx.account, &ctx.client, policy, verdict.is_ok());
    let writes = write(&admitted)?;
    let count_statements =
        signin_failures::count_statements(db, &ctx.account, &ctx.client, ctx.now, policy)?;
    let writes_at = count_statements.len()..count_statements.len() + writes.len();
    let mut batch = Vec::from(count_statements);
    batch.extend(writes);
    batch.push(signin_failures::give_back_admitted(
        db,
        &ctx.account,
        &ctx.client,
        &admitted,
    )?);
    let results = db.batch(batch).await.map_err(internal)?;
    let counted = signin_failures::counted(&results)?;
    let answer = policy
        .admit(counted.client, counted.account, ctx.now)
        .and(verdict);
    // The database judged by the same rule: every write took effect, or (refused) none did.
    // Anything else would answer with a session nobody stored, or store one never handed out.
    let changes = results
        .get(writes_at)
        .ok_or_else(|| internal("a batch returned fewer results than statements"))?
        .iter()
        .map(|r| changed(Some(r)))
        .collect::<Result<Vec<_>, _>>()?;
    let expected = usize::from(answer.is_ok());
    if changes.iter().any(|&c| c != expected) {
        return Err(internal(
            "the throttle's verdict and the database's disagree",
        ));
    }
    answer
}
