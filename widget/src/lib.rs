//! The deskgate widget, loaded in an agent desktop's iframe (SPEC §1.3).
//!
//! `www/public/static/first.js` has already taken the launch parameters out of the address bar;
//! [`start`] reads `apikey`, `agent_id` and `agent_name` from the URL it hands over
//! ([`launch`]), signs in ([`api`]), proves the session and settles where it is held
//! ([`session`]: cookies, else memory), and shows the result ([`view`], the only module that
//! touches the DOM). `www/public/static/boot.js` exposes [`whoami`], [`get_integration_token`]
//! and [`sign_out`] as `window.deskgate`; they behave the same in either mode.

/// A small free-list allocator (under 1 KB of wasm) instead of the standard library's dlmalloc
/// (7 KB): the widget allocates little, a few strings per call.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: lol_alloc::LockedAllocator<lol_alloc::FreeListAllocator> =
    lol_alloc::LockedAllocator::new(lol_alloc::FreeListAllocator::new());

pub mod api;
pub mod launch;
pub mod session;
pub mod shapes;
pub mod status;
pub mod view;

use core::future::Future;
use core::pin::Pin;

use js_sys::Promise;
use wasm_bindgen::prelude::*;

use crate::status::Status;

/// The future behind every promise the widget returns. One boxed type, so the future-to-promise
/// machinery is compiled once rather than once per export.
pub(crate) type Task = Pin<Box<dyn Future<Output = Result<JsValue, JsValue>>>>;

pub(crate) fn promise(task: Task) -> Promise {
    wasm_bindgen_futures::future_to_promise(task)
}

/// Signs in with the launch URL `href` (the page's URL as the desktop opened it, which
/// `www/public/static/first.js` took out of the address bar and handed over) and renders the
/// outcome. Never rejects: every failure becomes a message on screen.
#[wasm_bindgen]
pub fn start(href: String) -> Promise {
    promise(Box::pin(async move {
        view::render(&sign_in(&href).await);
        Ok(JsValue::UNDEFINED)
    }))
}

/// Signs in — with the signed launch link when the desktop gave one, else with the API key —
/// and proves the session with an authenticated call: "signed in" only once one succeeded,
/// never on the strength of the sign-in answer alone (SPEC §1.8).
async fn sign_in(href: &str) -> Status {
    let granted = match launch::launch_token(href) {
        Some((token, platform)) => {
            view::render(&Status::SigningIn);
            api::sign_in_with_launch(&token, &platform).await
        }
        None => match launch::LaunchParams::from_href(href) {
            Ok(params) => {
                view::render(&Status::SigningIn);
                api::sign_in(&params).await
            }
            // A frame reloaded after first.js took the key out of its address (a desktop's
            // "refresh widget") may still hold the session's cookies: resume it rather than
            // ask for a key that is no longer there. Any other failure says what it is.
            Err(missing) if missing.0 == "apikey" => {
                return match session::by_cookies().await {
                    Ok(user) => Status::SignedIn(user),
                    Err(status::Failure::NotSignedIn | status::Failure::SessionEnded) => {
                        Status::Failed(missing.into())
                    }
                    Err(failure) => Status::Failed(failure),
                }
            }
            Err(missing) => return Status::Failed(missing.into()),
        },
    };
    let proven = match granted {
        Ok((grant, server_now)) => session::establish(grant, server_now).await,
        Err(failure) => Err(failure),
    };
    match proven {
        Ok(user) => Status::SignedIn(user),
        Err(failure) => Status::Failed(failure),
    }
}

/// `window.deskgate.whoami()`: the signed-in user `{id, name, role, account, platform, mode}`
/// (`mode` is `cookies` or `memory`), or `null`.
#[wasm_bindgen]
pub fn whoami() -> Promise {
    promise(Box::pin(async {
        match session::authorized(&api::Call::session()).await {
            Ok(reply) => api::user(&reply)
                .map(|user| user.to_js(session::mode().as_str()))
                .map_err(|failure| rejection(&failure)),
            Err(status::Failure::NotSignedIn | status::Failure::SessionEnded) => Ok(JsValue::NULL),
            Err(failure) => Err(rejection(&failure)),
        }
    }))
}

/// `window.deskgate.getIntegrationToken(appId)`: `{token, expires_at}`, a 30-minute token bound
/// to the signed-in agent and `appId`, for the app's backend to check with `GET /v1/users/me`.
#[wasm_bindgen(js_name = getIntegrationToken)]
pub fn get_integration_token(app_id: String) -> Promise {
    promise(Box::pin(async move {
        session::authorized(&api::Call::integration_token(&app_id))
            .await
            .and_then(|reply| api::integration_token(&reply))
            .map(|token| token.to_js())
            .map_err(|failure| rejection(&failure))
    }))
}

/// `window.deskgate.signOut()`: ends the session; resolves once deskgate confirmed it ended,
/// rejects with what went wrong otherwise. The card shows the same.
#[wasm_bindgen(js_name = signOut)]
pub fn sign_out() -> Promise {
    promise(Box::pin(end_session()))
}

/// Signs out and shows the outcome; resolves to `undefined` when signed out.
pub(crate) async fn end_session() -> Result<JsValue, JsValue> {
    let outcome = confirmed_sign_out(session::authorized(&api::Call::sign_out()).await);
    match outcome {
        Ok(()) => {
            session::forget();
            view::render(&Status::SignedOut);
            Ok(JsValue::UNDEFINED)
        }
        Err(failure) => {
            let message = failure.sign_out_message();
            view::render(&Status::SignOutFailed(failure));
            Err(JsValue::from_str(message))
        }
    }
}

/// Whether a sign-out's answer confirms the session is ended: `204`, or `401 invalid_token`
/// (it had already ended: signed out elsewhere, revoked or expired). Anything else, `401
/// unauthenticated` included (the browser sent no session, so the session may live on), is not.
pub fn confirmed_sign_out(
    answer: Result<api::Reply, status::Failure>,
) -> Result<(), status::Failure> {
    match answer {
        Ok(reply) if reply.status == 204 => Ok(()),
        Ok(_) => Err(status::Failure::Unexpected("response".into())),
        Err(status::Failure::SessionEnded) => Ok(()),
        Err(failure) => Err(failure),
    }
}

/// What a promise rejects with: the failure's sentence, a string.
fn rejection(failure: &status::Failure) -> JsValue {
    JsValue::from_str(failure.message())
}
