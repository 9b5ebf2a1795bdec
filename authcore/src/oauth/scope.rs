//! Scopes (RFC 6749 §3.3): which a service may ask for, which a token grants, and which a
//! request needs.

use crate::{ApiError, Method};

/// Read access through the gateway (`GET`, `HEAD`, `OPTIONS`).
pub const API_READ: &str = "api.read";
/// Write access through the gateway (every other method).
pub const API_WRITE: &str = "api.write";
/// Every scope deskgate knows; a new service may ask for all of them.
pub const ALL: [&str; 2] = [API_READ, API_WRITE];

/// Checks a space-separated scope list: each token of RFC 6749 §3.3's characters, and known.
pub fn parse(list: &str) -> Result<Vec<&str>, ApiError> {
    let tokens: Vec<&str> = list.split(' ').filter(|s| !s.is_empty()).collect();
    let well_formed = |t: &str| {
        t.bytes()
            .all(|b| b == 0x21 || (0x23..=0x5b).contains(&b) || (0x5d..=0x7e).contains(&b))
    };
    if tokens.is_empty() || !tokens.iter().all(|t| well_formed(t)) {
        return Err(ApiError::InvalidScope);
    }
    if !tokens.iter().all(|t| ALL.contains(t)) {
        return Err(ApiError::InvalidScope);
    }
    Ok(tokens)
}

/// The scopes a token gets: what was asked for (all of the service's when nothing was), which
/// must be within what the service allows; `invalid_scope` otherwise.
pub fn grant(requested: Option<&str>, allowed: &str) -> Result<String, ApiError> {
    let allowed: Vec<&str> = allowed.split(' ').filter(|s| !s.is_empty()).collect();
    let Some(requested) = requested else {
        return Ok(allowed.join(" "));
    };
    let mut granted: Vec<&str> = Vec::new();
    for token in parse(requested)? {
        if !allowed.contains(&token) {
            return Err(ApiError::InvalidScope);
        }
        if !granted.contains(&token) {
            granted.push(token);
        }
    }
    Ok(granted.join(" "))
}

/// The scope a gateway request of `method` needs: reading for a safe method, writing for any
/// other.
pub fn needed_for(method: Method) -> &'static str {
    if method.is_safe() {
        API_READ
    } else {
        API_WRITE
    }
}

/// `403 insufficient_scope` unless `granted` (space-separated) includes `needed`.
pub fn require(granted: &str, needed: &'static str) -> Result<(), ApiError> {
    if granted.split(' ').any(|s| s == needed) {
        Ok(())
    } else {
        Err(ApiError::InsufficientScope(needed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_gets_what_it_asks_for_within_what_the_service_allows() {
        let both = "api.read api.write";
        let cases: [(Option<&str>, &str, Result<&str, ApiError>); 7] = [
            (None, both, Ok("api.read api.write")),
            (Some("api.read"), both, Ok("api.read")),
            (
                Some("api.write api.read api.write"),
                both,
                Ok("api.write api.read"),
            ),
            (Some("api.write"), "api.read", Err(ApiError::InvalidScope)),
            (Some("admin"), both, Err(ApiError::InvalidScope)),
            (Some("   "), both, Err(ApiError::InvalidScope)),
            (Some("api.read\"x"), both, Err(ApiError::InvalidScope)),
        ];
        for (requested, allowed, want) in cases {
            assert_eq!(
                grant(requested, allowed).as_deref().map_err(Clone::clone),
                want,
                "{requested:?}"
            );
        }
    }

    #[test]
    fn reads_need_api_read_and_everything_else_api_write() {
        for (method, needed) in [
            (Method::Get, API_READ),
            (Method::Head, API_READ),
            (Method::Options, API_READ),
            (Method::Post, API_WRITE),
            (Method::Put, API_WRITE),
            (Method::Delete, API_WRITE),
            (Method::Patch, API_WRITE),
        ] {
            assert_eq!(needed_for(method), needed);
        }
        assert_eq!(require("api.read", API_READ), Ok(()));
        assert_eq!(
            require("api.read", API_WRITE),
            Err(ApiError::InsufficientScope(API_WRITE))
        );
        assert_eq!(
            require("api.reader", API_READ),
            Err(ApiError::InsufficientScope(API_READ))
        );
    }
}
