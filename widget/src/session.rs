//! The session the widget holds (SPEC §1.8): in the browser's cookies when they stick, else in
//! this module's memory.
//!
//! After sign-in the widget proves the session with `GET /apis/admin/session/` sending cookies
//! only. When that succeeds the cookies did stick (**cookie mode**, the first choice) and the
//! tokens of the sign-in answer are dropped. When it answers `401` the engine refused the
//! cookies of a cross-site frame (WebKit, Chromium with cookies blocked, WebView2 with tracking
//! prevention): the widget keeps the session JWT and the renewal token here, in wasm memory only
//! (never `localStorage`, `sessionStorage`, IndexedDB or a script-readable cookie), sends
//! `Authorization: Bearer`, proves the session with it, and renews the JWT on a timer before it
//! expires, for as long as the server-side session lives (**memory mode**).

use core::cell::RefCell;

use wasm_bindgen::prelude::*;

use crate::api::{self, Call, Credential, Reply};
use crate::shapes::{SessionGrant, User};
use crate::status::{Failure, Status};

/// Where the session is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// In the browser's partitioned `__Host-` cookies.
    Cookies,
    /// In the widget's memory, sent as `Authorization: Bearer`.
    Memory,
}

impl Mode {
    /// The name `whoami()` gives it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cookies => "cookies",
            Self::Memory => "memory",
        }
    }
}

/// What memory mode holds.
struct Held {
    access_token: String,
    renewal_token: String,
    /// The `setTimeout` id of the next renewal.
    timer: Option<i32>,
}

#[derive(Default)]
struct State {
    held: Option<Held>,
    /// Bumped whenever the held session changes, so a renewal started for an older one (a timer
    /// that fired just as the agent signed out) changes nothing.
    generation: u32,
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State::default());
}

/// The mode in use: memory while a session is held here, else cookies.
pub fn mode() -> Mode {
    STATE.with(|s| {
        if s.borrow().held.is_some() {
            Mode::Memory
        } else {
            Mode::Cookies
        }
    })
}

/// The credential for the next call: the held session JWT, else the cookies.
pub fn credential() -> Credential {
    STATE.with(|s| match &s.borrow().held {
        Some(held) => Credential::Bearer(held.access_token.clone()),
        None => Credential::Cookies,
    })
}

/// Proves a fresh sign-in and settles the mode: the cookies first, the tokens in memory when the
/// cookies did not reach the server. Answers the user an authenticated call returned.
pub async fn establish(grant: SessionGrant, server_now: Option<f64>) -> Result<User, Failure> {
    forget();
    match by_cookies().await {
        Ok(user) => return Ok(user),
        // Nothing reached the server: the engine dropped the cookies. Anything else (the
        // session refused, the network down) is a failure either way.
        Err(Failure::NotSignedIn) => {}
        Err(failure) => return Err(failure),
    }
    let renewal_token = grant.renewal_token.clone().ok_or(Failure::NotSignedIn)?;
    let bearer = Credential::Bearer(grant.access_token.clone());
    let user = api::user(&api::send(&Call::session(), &bearer).await?)?;
    let generation = STATE.with(|s| {
        let mut s = s.borrow_mut();
        s.generation = s.generation.wrapping_add(1);
        s.held = Some(Held {
            access_token: grant.access_token.clone(),
            renewal_token,
            timer: None,
        });
        s.generation
    });
    schedule(generation, &grant, server_now);
    Ok(user)
}

/// Who the cookies alone sign in, by an authenticated call: after a sign-in, and to resume the
/// session a reloaded frame's cookies still hold (cookie mode only: memory mode's tokens end
/// with the page). `NotSignedIn` or `SessionEnded` when they hold none.
pub async fn by_cookies() -> Result<User, Failure> {
    api::user(&api::send(&Call::session(), &Credential::Cookies).await?)
}

/// Sends a call with the session's credential. In memory mode a `401 invalid_token` may only
/// mean the JWT expired while the renewal timer was held back (a sleeping laptop, a throttled
/// background frame): the widget renews once and sends the call again. A refused renewal means
/// the session is over, and the call answers [`Failure::SessionEnded`].
pub async fn authorized(call: &Call) -> Result<Reply, Failure> {
    match api::send(call, &credential()).await {
        Err(Failure::SessionEnded) if mode() == Mode::Memory => {
            renew().await?;
            api::send(call, &credential()).await
        }
        answer => answer,
    }
}

/// Drops what memory mode holds and stops its timer: after sign-out, or when the session ended.
pub fn forget() {
    let timer = STATE.with(|s| {
        let mut s = s.borrow_mut();
        s.generation = s.generation.wrapping_add(1);
        s.held.take().and_then(|h| h.timer)
    });
    if let (Some(id), Some(window)) = (timer, web_sys::window()) {
        window.clear_timeout_with_handle(id);
    }
}

/// Renews the held session JWT now. `401` from the renewal means the session is over: the
/// held tokens are dropped and the card says so.
pub async fn renew() -> Result<(), Failure> {
    let Some((generation, renewal_token)) = STATE.with(|s| {
        let s = s.borrow();
        s.held
            .as_ref()
            .map(|h| (s.generation, h.renewal_token.clone()))
    }) else {
        return Err(Failure::NotSignedIn);
    };
    match api::renew(&renewal_token).await {
        Ok((grant, server_now)) => {
            let current = STATE.with(|s| {
                let mut s = s.borrow_mut();
                let current = s.generation == generation;
                if let (true, Some(held)) = (current, s.held.as_mut()) {
                    held.access_token = grant.access_token.clone();
                }
                current
            });
            if current {
                schedule(generation, &grant, server_now);
            }
            Ok(())
        }
        Err(Failure::SessionEnded) => {
            if STATE.with(|s| s.borrow().generation == generation) {
                forget();
                crate::view::render(&Status::SessionEnded);
            }
            Err(Failure::SessionEnded)
        }
        Err(failure) => Err(failure),
    }
}

/// How long to wait before a failed renewal (the network down, a `5xx`) is tried again.
pub const RETRY_MS: u32 = 15_000;

/// When to renew a session JWT, in milliseconds from now: at four fifths of its remaining life,
/// and at most a minute before it expires, measured on the server's clock (`server_now`, from
/// the answer's `Date`) so a wrong clock on the desktop does not matter. A JWT that lives as long
/// as the session needs no renewal: the timer then fires a second after the session's end, and
/// the refused renewal shows that it ended. Never sooner than a second, so a clock gone wrong
/// cannot make a loop.
pub fn renewal_delay_ms(server_now: f64, access_expires_at: u64, session_expires_at: u64) -> u32 {
    let seconds = if access_expires_at >= session_expires_at {
        session_expires_at as f64 - server_now + 1.0
    } else {
        let left = access_expires_at as f64 - server_now;
        left - (left / 5.0).min(60.0)
    };
    let ms = (seconds * 1000.0).clamp(1000.0, u32::MAX as f64);
    // In range after the clamp, but for NaN (an unreadable clock), which gets the minimum.
    if ms.is_nan() {
        1000
    } else {
        ms as u32
    }
}

/// Arms the renewal timer for the held session of `generation`, from the grant that just came.
fn schedule(generation: u32, grant: &SessionGrant, server_now: Option<f64>) {
    let now = server_now.unwrap_or_else(|| js_sys::Date::now() / 1000.0);
    let delay = renewal_delay_ms(now, grant.access_token_expires_at, grant.expires_at);
    arm(generation, delay);
}

fn arm(generation: u32, delay_ms: u32) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let fire = Closure::once_into_js(move || {
        let _ = crate::promise(Box::pin(async move {
            if STATE.with(|s| s.borrow().generation) != generation {
                return Ok(JsValue::UNDEFINED);
            }
            match renew().await {
                Ok(()) | Err(Failure::SessionEnded) => {}
                // Not an answer about the session: try again soon, the JWT may still be good.
                Err(_) => arm(generation, RETRY_MS),
            }
            Ok(JsValue::UNDEFINED)
        }));
    });
    let delay = i32::try_from(delay_ms).unwrap_or(i32::MAX);
    let Ok(id) =
        window.set_timeout_with_callback_and_timeout_and_arguments_0(fire.unchecked_ref(), delay)
    else {
        return;
    };
    let stale = STATE.with(|s| {
        let mut s = s.borrow_mut();
        let current = s.generation == generation;
        match s.held.as_mut() {
            Some(held) if current => held.timer.replace(id),
            _ => Some(id),
        }
    });
    if let Some(old) = stale {
        window.clear_timeout_with_handle(old);
    }
}
