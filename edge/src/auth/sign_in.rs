//! What every sign-in passes before it may write a session (SPEC §1.4, §4, §6): the login-CSRF
//! origin check, and the failure throttle around the one credential check. The API-key, password
//! and launch sign-ins, and the password re-entered to delete a credential, all go through
//! [`guarded`], so the throttle is one piece of code wherever a guessable secret is judged.

use std::future::Future;

use authcore::origin::{check_request_origin, OriginList};
use authcore::{ApiError, Platform};
use worker::{D1Database, D1PreparedStatement};

use crate::context::RequestContext;
use crate::store::signin_failures::{self, Counted};

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
    let policy = ctx.config.throttle;
    let counted = signin_failures::count_attempt(
        db,
        &ctx.account,
        &ctx.client,
        ctx.now,
        policy.window_seconds,
        policy.max_failures,
    )
    .await?;
    policy.admit(counted.client, counted.account, ctx.now)?;
    let found = check.await?;
    Ok((Attempt(counted), found))
}
