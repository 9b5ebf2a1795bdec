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

use worker::web_sys::Request;
use worker::{event, Context, Env, Response, Result, ScheduleContext, ScheduledEvent};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    #[cfg(feature = "test-panic")]
    if let Some(answer) = test_panic::on_request(&req).await {
        return answer;
    }
    routes::handle(req, &env).await
}

#[event(scheduled)]
async fn clean_up_on_schedule(event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    scheduled::clean_up(&env, &event.cron(), event.schedule()).await;
}
