//! What every handler knows about its request once the host has been resolved to an account.

use authcore::url_parts::UrlParts;
use authcore::{Account, ApiError};
use worker::web_sys::Request;

use crate::config::Config;
use crate::http::header;

/// A request that belongs to an account.
#[derive(Debug, Clone)]
pub struct RequestContext {
    /// The account the host names.
    pub account: Account,
    /// `scheme://host[:port]` of this request: the account's own origin.
    pub own_origin: String,
    /// The `iss` of this account's tokens.
    pub issuer: String,
    /// Unix seconds at the start of the request.
    pub now: u64,
    /// Who is calling, for the throttle: Cloudflare's `CF-Connecting-IP` (set by the edge, not
    /// the client), or one shared bucket where there is none (local runs).
    pub client: String,
    /// The raw query of the request URL (after `?`; empty without one).
    pub query: String,
    /// The deployment's settings.
    pub config: Config,
}

impl RequestContext {
    /// Resolves the host to an account; a host outside `BASE_DOMAIN` is `404 unknown_host`.
    pub fn new(req: &Request, url: &UrlParts, config: Config) -> Result<Self, ApiError> {
        let account = Account::from_host(url.host, &config.base_domain)?;
        Ok(Self {
            issuer: account.issuer(&config.base_domain),
            own_origin: url.origin.to_owned(),
            account,
            now: crate::runtime::now(),
            client: header(req, "CF-Connecting-IP").unwrap_or_else(|| "unknown".to_owned()),
            query: url.query.unwrap_or_default().to_owned(),
            config,
        })
    }
}
