//! The deskgate Worker: the only crate that knows about `worker`, bindings and storage.
//!
//! A request flows `fetch` → [`routes::handle`] → one handler in `routes/`, which gathers inputs
//! (headers, body, secrets, rows from `store/`), asks `authcore` for every decision, and returns a
//! response or an [`authcore::ApiError`] that [`http::error`] renders (and logs, one JSON line
//! per refusal). The cron trigger runs [`scheduled::clean_up`]. Nothing here panics on input: a
//! panic fails its request and every request in flight in the isolate (the next one is served by
//! a fresh wasm instance: `edge/entry.mjs`).

mod auth;
mod config;
mod context;
mod http;
mod routes;
mod runtime;
mod scheduled;
mod store;
#[cfg(feature = "test-panic")]
mod test_panic;
mod webcrypto;

use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsValue;
use worker::web_sys::{self, Request};
use worker::{event, Env, ScheduleContext, ScheduledEvent};

use crate::routes::Answer;

/// The runtime's `fetch` handler (`edge/entry.mjs` hands it over as it is): a `Response` when
/// the answer needs nothing awaited, else a promise of one. (`#[event(fetch)]` would make every
/// request a promise polled through the executor, a redirect too.)
#[wasm_bindgen]
pub fn fetch(req: Request, env: Env, _ctx: JsValue) -> Result<JsValue, JsValue> {
    #[cfg(feature = "test-panic")]
    let answer = test_panic::on_request(req, env);
    #[cfg(not(feature = "test-panic"))]
    let answer = routes::handle(req, env);
    match answer {
        Answer::Now(resp) => Ok(web_sys::Response::from(resp?).into()),
        Answer::Later(resp) => Ok(worker::wasm_bindgen_futures::future_to_promise(async move {
            Ok(web_sys::Response::from(resp.await?).into())
        })
        .into()),
    }
}

#[event(scheduled)]
async fn clean_up_on_schedule(event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    scheduled::clean_up(&env, &event.cron(), event.schedule()).await;
}
