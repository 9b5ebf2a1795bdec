//! Which origins may call and frame deskgate (SPEC §1.2, §1.4, §1.7).
//!
//! Two rules, one check ([`check_request_origin`]):
//! - a **sign-in** (login CSRF) must come from the account's own origin or from a desktop origin
//!   allowed for the platform signing in;
//! - a request that a **cookie** authenticates and whose method is not safe (CSRF) must come from
//!   the account's own origin ([`check_cookie_request`]). Desktop pages are third parties: they
//!   may frame the widget and sign an agent in, never write with the agent's cookies.
//!
//! A request with no browser context (no `Origin`, no cross-site `Sec-Fetch-Site`) is a server
//! or a tool and cannot carry a victim's cookies, so it passes. The desktop list also feeds the
//! widget page's CSP `frame-ancestors`.

use crate::{ApiError, Method};

/// A list of allowed origins: exact (`http://127.0.0.1:8787`) or one wildcard label
/// (`https://*.liveperson.net`, which matches any subdomain, never the bare domain).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OriginList(Vec<String>);

impl OriginList {
    /// The list that allows nothing.
    pub fn none() -> &'static OriginList {
        static NONE: OriginList = OriginList(Vec::new());
        &NONE
    }

    /// Parses a space- or comma-separated list; entries that are not `scheme://host[:port]`
    /// are dropped, so a typo narrows the list instead of widening it.
    pub fn parse(list: &str) -> Self {
        Self(
            list.split(|c: char| c == ',' || c.is_whitespace())
                .filter(|e| is_origin_pattern(e))
                .map(|e| e.to_ascii_lowercase())
                .collect(),
        )
    }

    /// Whether `origin` matches an entry.
    pub fn allows(&self, origin: &str) -> bool {
        let origin = origin.to_ascii_lowercase();
        self.0
            .iter()
            .any(|pattern| matches_pattern(pattern, &origin))
    }

    /// The entries as CSP source expressions, space-separated.
    pub fn as_csp_sources(&self) -> String {
        self.0.join(" ")
    }
}

/// The CSRF check of a request a session cookie or JWT cookie authenticates (SPEC §1.7): safe
/// methods pass; any other must come from `own_origin` or from no browser context.
pub fn check_cookie_request(
    method: Method,
    origin: Option<&str>,
    sec_fetch_site: Option<&str>,
    own_origin: &str,
) -> Result<(), ApiError> {
    if method.is_safe() {
        return Ok(());
    }
    check_request_origin(origin, sec_fetch_site, own_origin, OriginList::none())
}

/// The CSRF / login-CSRF check for a state-changing request (SPEC §1.7).
pub fn check_request_origin(
    origin: Option<&str>,
    sec_fetch_site: Option<&str>,
    own_origin: &str,
    desktops: &OriginList,
) -> Result<(), ApiError> {
    match origin {
        Some(o) if o.eq_ignore_ascii_case(own_origin) || desktops.allows(o) => Ok(()),
        Some(_) => Err(ApiError::OriginNotAllowed),
        None => match sec_fetch_site {
            Some("cross-site") | Some("same-site") => Err(ApiError::OriginNotAllowed),
            _ => Ok(()),
        },
    }
}

fn is_origin_pattern(entry: &str) -> bool {
    let Some((scheme, host)) = entry.split_once("://") else {
        return false;
    };
    let host = host.strip_prefix("*.").unwrap_or(host);
    matches!(scheme, "http" | "https")
        && !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'))
}

fn matches_pattern(pattern: &str, origin: &str) -> bool {
    match pattern.split_once("://*.") {
        None => pattern == origin,
        Some((scheme, suffix)) => origin
            .strip_prefix(scheme)
            .and_then(|o| o.strip_prefix("://"))
            .and_then(|host| host.strip_suffix(suffix))
            .and_then(|sub| sub.strip_suffix('.'))
            .is_some_and(|sub| {
                !sub.is_empty()
                    && sub
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OWN: &str = "https://acme.deskgate.example";

    fn desktops() -> OriginList {
        OriginList::parse("https://*.liveperson.net, http://127.0.0.1:8787 not-an-origin ftp://x")
    }

    #[test]
    fn malformed_entries_are_dropped() {
        assert_eq!(
            desktops().as_csp_sources(),
            "https://*.liveperson.net http://127.0.0.1:8787"
        );
    }

    #[test]
    fn origins_are_allowed_by_exact_match_or_one_wildcard_label() {
        let d = desktops();
        let cases = [
            ("https://z1.liveperson.net", true),
            ("https://a.b.liveperson.net", true),
            ("https://Z1.LivePerson.net", true),
            ("https://liveperson.net", false),
            ("http://z1.liveperson.net", false),
            ("https://z1.liveperson.net.evil.com", false),
            ("https://evilliveperson.net", false),
            ("https://z1.liveperson.net:444", false),
            ("http://127.0.0.1:8787", true),
            ("http://127.0.0.1:8788", false),
            ("null", false),
        ];
        for (origin, want) in cases {
            assert_eq!(d.allows(origin), want, "{origin}");
        }
    }

    #[test]
    fn a_cookie_writes_only_from_the_accounts_own_origin_and_reads_from_anywhere() {
        let cases: &[(Method, Option<&str>, Option<&str>, bool)] = &[
            (
                Method::Get,
                Some("https://evil.example"),
                Some("cross-site"),
                true,
            ),
            (Method::Head, None, Some("cross-site"), true),
            (Method::Options, Some("https://evil.example"), None, true),
            (Method::Post, Some(OWN), Some("same-origin"), true),
            (Method::Post, None, None, true),
            (
                Method::Post,
                Some("https://evil.example"),
                Some("cross-site"),
                false,
            ),
            (
                Method::Delete,
                Some("https://z1.liveperson.net"),
                None,
                false,
            ),
            (Method::Put, None, Some("cross-site"), false),
            (Method::Patch, Some("null"), None, false),
            (Method::Post, None, Some("same-site"), false),
        ];
        for (method, origin, site, ok) in cases {
            assert_eq!(
                check_cookie_request(*method, *origin, *site, OWN).is_ok(),
                *ok,
                "{method:?} {origin:?} {site:?}"
            );
        }
    }

    #[test]
    fn state_changing_requests_need_an_allowed_origin_or_no_browser_context() {
        let d = desktops();
        let cases: &[(Option<&str>, Option<&str>, bool)] = &[
            (Some(OWN), Some("same-origin"), true),
            (Some("http://127.0.0.1:8787"), Some("cross-site"), true),
            (Some("https://evil.example"), Some("cross-site"), false),
            (Some("null"), None, false),
            (None, None, true),
            (None, Some("none"), true),
            (None, Some("same-origin"), true),
            (None, Some("cross-site"), false),
            (None, Some("same-site"), false),
        ];
        for (origin, site, ok) in cases {
            assert_eq!(
                check_request_origin(*origin, *site, OWN, &d).is_ok(),
                *ok,
                "{origin:?} {site:?}"
            );
        }
    }
}
