//! The widget's two pages (SPEC §1.1–§1.2): the legacy redirect kept for old desktop
//! configurations, and the widget page with its security headers.

use authcore::{ApiError, Platform};
use worker::Response;

use crate::config::Config;
use crate::http::{internal, set};

/// The widget page; its script reads the URL and signs in (see `widget/`).
const WIDGET_HTML: &str = include_str!("../../../www/widget.html");

/// `GET /widget/<platform>?q` → `302 /v2/widget/<platform>?q`, the raw query kept byte for byte.
pub fn legacy_redirect(platform: &str, query: Option<&str>) -> Result<Response, ApiError> {
    let platform = Platform::parse(platform)?;
    let location = match query {
        Some(q) => format!("/v2/widget/{}?{q}", platform.as_str()),
        None => format!("/v2/widget/{}", platform.as_str()),
    };
    let resp = Response::empty().map_err(internal)?.with_status(302);
    set(&resp, "Location", &location)?;
    set(&resp, "Referrer-Policy", "no-referrer")?;
    set(&resp, "Cache-Control", "no-store")?;
    Ok(resp)
}

/// `GET /v2/widget/<platform>`: the page, framable only by the platform's desktop origins.
pub fn page(config: &Config, platform: &str) -> Result<Response, ApiError> {
    let platform = Platform::parse(platform)?;
    let origins = config.desktop_origins(platform).as_csp_sources();
    let ancestors = if origins.is_empty() {
        "'none'"
    } else {
        origins.as_str()
    };
    // The widget is one module script and one wasm file from this origin; it talks only to this
    // origin; nothing else may load. `wasm-unsafe-eval` is what compiling wasm needs.
    let csp = format!(
        "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; \
         frame-ancestors {ancestors}"
    );
    let resp = Response::from_html(WIDGET_HTML).map_err(internal)?;
    set(&resp, "Content-Security-Policy", &csp)?;
    set(&resp, "Cache-Control", "no-store")?;
    set(&resp, "Referrer-Policy", "no-referrer")?;
    set(&resp, "X-Content-Type-Options", "nosniff")?;
    Ok(resp)
}
