//! The deskgate widget, loaded in an agent desktop's iframe (SPEC §1.3).
//!
//! On start it reads `apikey`, `agent_id` and `agent_name` from its URL ([`launch`]), removes
//! the key from the address bar at once, signs in ([`api`]) and shows the result ([`view`], the
//! only module that touches the DOM). `www/public/static/boot.js` exposes [`whoami`],
//! [`get_integration_token`] and [`sign_out`] as `window.deskgate`.

/// A small free-list allocator (under 1 KB of wasm) instead of the standard library's dlmalloc
/// (7 KB): the widget allocates little, a few strings per call.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: lol_alloc::LockedAllocator<lol_alloc::FreeListAllocator> =
    lol_alloc::LockedAllocator::new(lol_alloc::FreeListAllocator::new());

pub mod api;
pub mod launch;
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

/// Signs in from the page's URL and renders the outcome. Never rejects: every failure becomes a
/// message on screen.
#[wasm_bindgen]
pub fn start() -> Promise {
    promise(Box::pin(async {
        sign_in_from_url().await;
        Ok(JsValue::UNDEFINED)
    }))
}

async fn sign_in_from_url() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let href = window.location().href().unwrap_or_default();
    // The key must leave the address bar before anything else can read or log it.
    if let Ok(clean) = launch::href_without_apikey(&href) {
        if clean != href {
            if let Ok(history) = window.history() {
                let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&clean));
            }
        }
    }
    let status = match launch::LaunchParams::from_href(&href) {
        Err(missing) => Status::Failed(missing.into()),
        Ok(params) => {
            view::render(&Status::SigningIn);
            match api::sign_in(&params).await {
                Ok(user) => Status::SignedIn(user),
                Err(failure) => Status::Failed(failure),
            }
        }
    };
    view::render(&status);
}

/// `window.deskgate.whoami()`: the signed-in user `{id, name, role, account, platform}`, or
/// `null`.
#[wasm_bindgen]
pub fn whoami() -> Promise {
    promise(Box::pin(async {
        match api::current_session().await {
            Ok(Some(user)) => Ok(user.to_js()),
            Ok(None) => Ok(JsValue::NULL),
            Err(failure) => Err(rejection(&failure)),
        }
    }))
}

/// `window.deskgate.getIntegrationToken(appId)`: `{token, expires_at}`, a 30-minute token bound
/// to the signed-in agent and `appId`, for the app's backend to check with `GET /v1/users/me`.
#[wasm_bindgen(js_name = getIntegrationToken)]
pub fn get_integration_token(app_id: String) -> Promise {
    promise(Box::pin(async move {
        api::integration_token(&app_id)
            .await
            .map(|token| token.to_js())
            .map_err(|failure| rejection(&failure))
    }))
}

/// `window.deskgate.signOut()`: ends the session and shows the signed-out state.
#[wasm_bindgen(js_name = signOut)]
pub fn sign_out() -> Promise {
    promise(Box::pin(end_session()))
}

/// Signs out and shows the signed-out state; resolves to `undefined`.
pub(crate) async fn end_session() -> Result<JsValue, JsValue> {
    api::sign_out()
        .await
        .map_err(|failure| rejection(&failure))?;
    view::render(&Status::SignedOut);
    Ok(JsValue::UNDEFINED)
}

/// What a promise rejects with: the failure's sentence, a string.
fn rejection(failure: &status::Failure) -> JsValue {
    JsValue::from_str(failure.message())
}
