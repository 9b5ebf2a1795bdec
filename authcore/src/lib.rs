//! deskgate's authentication rules, with no I/O.
//!
//! Everything a request is judged by lives here: which account a host names, whether an API key
//! matches, what a session JWT must carry and when it is refused, which origins may call, how
//! cookies are written, when repeated failures are throttled. Time and random bytes are arguments,
//! so `cargo test` checks every rule natively in milliseconds. The worker (`edge`) only gathers the
//! inputs (headers, secrets, storage rows) and turns [`ApiError`] into an HTTP response.

pub mod account;
pub mod admin;
pub mod cleanup;
pub mod cookie;
pub mod credential;
pub mod error;
pub mod input;
pub mod jwt;
pub mod launch;
pub mod method;
pub mod oauth;
pub mod origin;
pub mod platform;
pub mod request_log;
pub mod revocation;
pub mod secret;
pub mod session;
pub mod signin;
pub mod throttle;
pub mod url_parts;

pub use account::Account;
pub use error::ApiError;
pub use method::Method;
pub use platform::Platform;
