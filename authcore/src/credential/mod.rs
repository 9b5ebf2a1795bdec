//! Service credentials (SPEC §4, seeds 003 and 004): service keys and JWT credentials, the rules
//! of their lifecycle, how their secrets are made and kept, and how a caller's JWT is verified.

pub mod caller_jwt;
pub mod rules;
pub mod secrets;

pub use rules::{Kind, Status};
