//! Test builds only (`--features test-panic`; the production build does not contain this code):
//! routes that panic on purpose, so a test can prove that the isolate answers the next request
//! after a panic from a fresh wasm instance (edge/entry.mjs says how).
//!
//! Both panic routes panic in the middle of changing state, as a real panic would (a cache half
//! updated, a `RefCell` borrowed): with `panic = "abort"` nothing unwinds, so an instance that
//! carried on after the trap would keep that state. `/__test/instance` reports it.
//!
//! - `GET /__test/panic-now`: panics in the runtime's call of `fetch`, before any future exists
//!   (where the routes that await nothing are answered).
//! - `GET /__test/panic`: panics in the request's first poll.
//! - `GET /__test/panic-after-await`: panics after waiting on a JavaScript promise, in a later poll
//!   (a microtask), where no JavaScript caller is on the stack to catch the trap.
//! - `GET /__test/instance`: `{"instance":n,"consistent":bool}`: which wasm instance answers (the
//!   worker crate counts instantiations in `globalThis.__worker_init_state.instanceId`), and
//!   whether the state a panic interrupted was left mid-update.
#![allow(clippy::panic)] // the whole point: a panic, in a build that never ships

use std::cell::RefCell;

use authcore::url_parts::UrlParts;
use worker::js_sys::{global, Promise, Reflect};
use worker::wasm_bindgen::JsValue;
use worker::wasm_bindgen_futures::JsFuture;
use worker::web_sys::Request;
use worker::{Env, Response};

use crate::routes::Answer;

thread_local! {
    /// State a request changes; a panic strikes while it is borrowed for the change.
    static STATE: RefCell<u64> = const { RefCell::new(0) };
}

/// Panics while changing [`STATE`].
fn panic_mid_update(message: &str) -> ! {
    STATE.with(|state| {
        let mut value = state.borrow_mut();
        *value += 1;
        panic!("deskgate test build: a panic on purpose, {message}");
    })
}

/// The path of `url`, as the worker's routes read it.
fn path(url: &str) -> Option<&str> {
    UrlParts::split(url).map(|u| u.path)
}

/// The test build's answer: the panic routes and `/__test/instance`, else the worker's own.
pub fn on_request(req: Request, env: Env) -> Answer {
    if path(&req.url()) == Some("/__test/panic-now") {
        panic_mid_update("before any future exists");
    }
    Answer::Later(Box::pin(async move {
        if let Some(answer) = test_route(&req).await {
            return answer;
        }
        match crate::routes::handle(req, env) {
            Answer::Now(answer) => answer,
            Answer::Later(answer) => answer.await,
        }
    }))
}

/// Panics when the request asks for a panic route, answers `/__test/instance`, and returns `None`
/// for every other request.
async fn test_route(req: &Request) -> Option<worker::Result<Response>> {
    match path(&req.url()) {
        Some("/__test/panic") => panic_mid_update("in the first poll"),
        Some("/__test/panic-after-await") => {
            let _ = JsFuture::from(Promise::resolve(&JsValue::NULL)).await;
            panic_mid_update("after an await")
        }
        Some("/__test/instance") => {
            let state = Reflect::get(&global(), &JsValue::from_str("__worker_init_state")).ok()?;
            let id = Reflect::get(&state, &JsValue::from_str("instanceId"))
                .ok()?
                .as_f64()?;
            let consistent = STATE.with(|state| state.try_borrow_mut().is_ok());
            Some(Response::ok(format!(
                r#"{{"instance":{id},"consistent":{consistent}}}"#
            )))
        }
        _ => None,
    }
}
