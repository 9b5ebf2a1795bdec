// The Worker's entry (edge/build.sh bundles it with wasm-bindgen's glue): the runtime calls the
// glue's exports directly, with nothing in between.
//
// worker-build 0.8's entry makes every request construct a Proxy-wrapped WorkerEntrypoint whose
// methods are Proxies again, to notice a trap and re-instantiate the wasm module before the next
// request. The glue already does that itself, built as build.sh builds it (wasm-bindgen
// `--target module --experimental-reset-state-function --force-enable-abort-handler`):
// - every call into wasm (exports and the closures that poll a request's future) runs in
//   `__wbg_call_guard(); try { … } catch (e) { __wbg_handle_catch(e) }`;
// - a trap (a Rust panic aborts with `unreachable`) marks the instance terminated and calls the
//   abort hook the worker crate registers at start, which schedules a re-instantiation;
// - the next call into wasm, i.e. the next request, first runs `__wbg_reset_state()`: a fresh
//   instance from the same compiled module, fresh memory, the glue's caches reset;
// - closures and objects of the old instance refuse to run ("from previous WASM instance"), so a
//   request still in flight in the old instance fails instead of touching the new one.
// tests/panic/ proves it on workerd with a test build whose routes panic on purpose.
import * as glue from './bindgen/index.js';

// The handlers the crate exports (`fetch` in src/lib.rs, `scheduled` by #[event(scheduled)]); each
// has the runtime's (event, env, ctx) shape.
const handler = {};
for (const name of ['fetch', 'scheduled', 'queue', 'email']) {
  if (typeof glue[name] === 'function') handler[name] = glue[name];
}
export default handler;
