//! The widget's calls to the worker, all same-origin with cookies.

use gloo_net::http::{Request, Response};
use web_sys::RequestCredentials;

use crate::launch::LaunchParams;
use crate::status::Failure;

const SESSION: &str = "/apis/admin/session/";
const INTEGRATION_TOKEN: &str = "/apis/admin/session/integration-token";
const SIGN_IN: &str = "/apis/admin/session/api-key/";

/// `POST /apis/admin/session/api-key/` with the launch parameters.
pub async fn sign_in(params: &LaunchParams) -> Result<wire::SignedIn, Failure> {
    let body = wire::ApiKeySignIn {
        api_key: params.api_key.clone(),
        agent_id: params.agent_id.clone(),
        agent_name: params.agent_name.clone(),
        platform: params.platform.clone(),
    };
    let resp = Request::post(SIGN_IN)
        .credentials(RequestCredentials::SameOrigin)
        .json(&body)
        .map_err(|_| Failure::Unexpected("request".into()))?
        .send()
        .await
        .map_err(|_| Failure::NetworkDown)?;
    parse(resp).await
}

/// `GET /apis/admin/session/`: `None` when nobody is signed in.
pub async fn current_session() -> Result<Option<wire::SessionInfo>, Failure> {
    let resp = Request::get(SESSION)
        .credentials(RequestCredentials::SameOrigin)
        .send()
        .await
        .map_err(|_| Failure::NetworkDown)?;
    if resp.status() == 401 {
        return Ok(None);
    }
    parse(resp).await.map(Some)
}

/// `DELETE /apis/admin/session/`; signing out when already signed out is not an error.
pub async fn sign_out() -> Result<(), Failure> {
    let resp = Request::delete(SESSION)
        .credentials(RequestCredentials::SameOrigin)
        .send()
        .await
        .map_err(|_| Failure::NetworkDown)?;
    match resp.status() {
        204 | 401 => Ok(()),
        _ => parse::<serde::de::IgnoredAny>(resp).await.map(|_| ()),
    }
}

/// `POST /apis/admin/session/integration-token`: a 30-minute token for one app (SPEC §3).
pub async fn integration_token(app_id: &str) -> Result<wire::IntegrationToken, Failure> {
    #[derive(serde::Serialize)]
    struct Body<'a> {
        app_id: &'a str,
    }
    let resp = Request::post(INTEGRATION_TOKEN)
        .credentials(RequestCredentials::SameOrigin)
        .json(&Body { app_id })
        .map_err(|_| Failure::Unexpected("request".into()))?
        .send()
        .await
        .map_err(|_| Failure::NetworkDown)?;
    parse(resp).await
}

async fn parse<T: serde::de::DeserializeOwned>(resp: Response) -> Result<T, Failure> {
    if resp.ok() {
        return resp
            .json()
            .await
            .map_err(|_| Failure::Unexpected("response".into()));
    }
    let status = resp.status();
    let retry_after = resp
        .headers()
        .get("Retry-After")
        .and_then(|v| v.parse().ok());
    let code = resp.json::<wire::ErrorBody>().await.ok().map(|b| b.error);
    Err(Failure::from_response(status, code.as_deref(), retry_after))
}
