//! What every handler knows about its request once the host has been resolved to an account.

use std::net::IpAddr;
use std::rc::Rc;

use authcore::throttle::client_bucket;
use authcore::url_parts::UrlParts;
use authcore::{Account, Method};
use worker::web_sys::Request;

use crate::config::Config;
use crate::http::header;

/// A request that belongs to an account.
#[derive(Debug, Clone)]
pub struct RequestContext {
    /// The account the host names.
    pub account: Account,
    /// The request's method.
    pub method: Method,
    /// `scheme://host[:port]` of this request: the account's own origin.
    pub own_origin: String,
    /// The `Origin` header, if any (read once, for the CSRF and sign-in origin checks).
    pub origin: Option<String>,
    /// The `Sec-Fetch-Site` header, if any.
    pub sec_fetch_site: Option<String>,
    /// The `iss` of this account's tokens.
    pub issuer: String,
    /// Unix seconds at the start of the request.
    pub now: u64,
    /// Who is calling: Cloudflare's `CF-Connecting-IP` (set by the edge, not the client), as
    /// the audit log records it; `unknown` where there is none (local runs) or it is not an
    /// address, so no other text reaches the log.
    pub client_ip: String,
    /// The throttle's bucket for [`Self::client_ip`] (an IPv6 client's /64).
    pub client: String,
    /// The path of the request URL, as sent.
    pub path: String,
    /// The raw query of the request URL (after `?`; empty without one).
    pub query: String,
    /// The deployment's settings.
    pub config: Rc<Config>,
}

/// What a storage read may reuse: the request's time and the configured revocation delay.
#[derive(Debug, Clone, Copy)]
pub struct Fresh {
    /// Unix seconds now.
    pub now: u64,
    /// `REVOCATION_DELAY_SECONDS`.
    pub delay: u64,
}

impl RequestContext {
    /// The context of a request to `account` (which its host named).
    pub fn new(
        req: &Request,
        url: &UrlParts,
        method: Method,
        account: Account,
        config: Rc<Config>,
    ) -> Self {
        let client_ip = header(req, "CF-Connecting-IP")
            .and_then(|v| v.trim().parse::<IpAddr>().ok())
            .map_or_else(|| "unknown".to_owned(), |ip| ip.to_string());
        Self {
            issuer: account.issuer(&config.base_domain),
            own_origin: url.origin.to_owned(),
            origin: header(req, "Origin"),
            sec_fetch_site: header(req, "Sec-Fetch-Site"),
            account,
            method,
            now: crate::runtime::now(),
            client: client_bucket(&client_ip),
            client_ip,
            path: url.path.to_owned(),
            query: url.query.unwrap_or_default().to_owned(),
            config,
        }
    }

    /// How fresh what storage said must be for this request.
    pub fn fresh(&self) -> Fresh {
        Fresh {
            now: self.now,
            delay: self.config.revocation_delay,
        }
    }
}
