//! The deskgate Worker: the only crate that knows about `worker`, bindings and storage.
//!
//! A request flows `fetch` → [`routes::handle`] → one handler in `routes/`, which gathers inputs
//! (headers, body, secrets, rows from `store/`), asks `authcore` for every decision, and returns a
//! response or an [`authcore::ApiError`] that [`http::error`] renders (and logs, one JSON line
//! per refusal). The cron trigger runs [`scheduled::clean_up`]. Nothing here panics on input: a
//! panic would abort the isolate and every request in it.

mod auth;
mod config;
mod context;
mod http;
mod routes;
mod runtime;
mod scheduled;
mod store;

use worker::web_sys::Request;
use worker::{event, Context, Env, Response, Result, ScheduleContext, ScheduledEvent};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    routes::handle(req, &env).await
}

#[event(scheduled)]
async fn clean_up_on_schedule(event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    scheduled::clean_up(&env, &event.cron(), event.schedule()).await;
}
