//! The deskgate widget, loaded in an agent desktop's iframe (SPEC §1.3).
//!
//! On start it reads `apikey`, `agent_id` and `agent_name` from its URL ([`launch`]), removes
//! the key from the address bar at once, signs in ([`api`]) and shows the result ([`view`], the
//! only module that touches the DOM). `www/public/static/boot.js` exposes [`whoami`],
//! [`get_integration_token`] and [`sign_out`] as `window.deskgate`.

pub mod api;
pub mod launch;
pub mod status;
pub mod view;

use wasm_bindgen::prelude::*;

use crate::status::Status;

/// Signs in from the page's URL and renders the outcome. Never rejects: every failure becomes a
/// message on screen.
#[wasm_bindgen]
pub async fn start() {
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
                Ok(signed_in) => Status::SignedIn(signed_in.user),
                Err(failure) => Status::Failed(failure),
            }
        }
    };
    view::render(&status);
}

/// `window.deskgate.whoami()`: the signed-in user, or `null`.
#[wasm_bindgen]
pub async fn whoami() -> Result<JsValue, JsValue> {
    match api::current_session().await {
        Ok(Some(info)) => Ok(serde_wasm_bindgen::to_value(&info.user)?),
        Ok(None) => Ok(JsValue::NULL),
        Err(failure) => Err(JsValue::from_str(failure.message())),
    }
}

/// `window.deskgate.getIntegrationToken(appId)`: `{token, expires_at}`, a 30-minute token bound
/// to the signed-in agent and `appId`, for the app's backend to check with `GET /v1/users/me`.
#[wasm_bindgen(js_name = getIntegrationToken)]
pub async fn get_integration_token(app_id: String) -> Result<JsValue, JsValue> {
    let token = api::integration_token(&app_id)
        .await
        .map_err(|failure| JsValue::from_str(failure.message()))?;
    Ok(serde_wasm_bindgen::to_value(&token)?)
}

/// `window.deskgate.signOut()`: ends the session and shows the signed-out state.
#[wasm_bindgen(js_name = signOut)]
pub async fn sign_out() -> Result<(), JsValue> {
    api::sign_out()
        .await
        .map_err(|failure| JsValue::from_str(failure.message()))?;
    view::render(&Status::SignedOut);
    Ok(())
}
