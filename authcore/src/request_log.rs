//! The one log line a refused or failed request leaves (SPEC §8): a JSON object with the route,
//! the status, the error code, the account and the runtime's request id — and nothing else.
//!
//! The line is built from a fixed set of fields, none of which can hold a secret: the route is
//! the path's *shape* (every segment that is not one of deskgate's own path words becomes `*`,
//! so an id, a token or any text a client puts in a path never reaches the log), the error is
//! its code (never its description, which may echo what was sent), and the request id is the
//! runtime's `cf-ray` or a random one. No query, header, body or cookie is ever read here.

use serde::Serialize;

use crate::jwt::hex;
use crate::Method;

/// The literal segments of deskgate's routes: kept as they are in a logged route.
const PATH_WORDS: &[&str] = &[
    "widget",
    "v1",
    "v2",
    "liveengage",
    "genesys",
    "apis",
    "admin",
    "session",
    "sessions",
    "api-key",
    "password",
    "launch",
    "renew",
    "revoke",
    "integration-token",
    "services",
    "credentials",
    "discard",
    "reactivate",
    "regenerate",
    "testing-token",
    "testing-tokens",
    "audit",
    "whoami",
    "users",
    "me",
    "customer-ids",
    "oauth",
    "token",
    "introspect",
    "authenticate",
    "login",
    ".well-known",
    "jwks.json",
    "static",
];
/// Segments of a logged route at most; a longer path ends in `/…`.
const MAX_SEGMENTS: usize = 8;
/// The longest request id taken from the runtime.
const MAX_REQUEST_ID_BYTES: usize = 64;
/// Random bytes in a request id made up where the runtime gave none (local runs).
pub const REQUEST_ID_RANDOM_BYTES: usize = 8;

/// The shape of `path`: deskgate's path words kept, every other segment `*`, the gateway's
/// `/api/…` as `/api/*`. `/apis/admin/sessions/3f…` is `/apis/admin/sessions/*`.
pub fn route_template(path: &str) -> String {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').skip(1).collect();
    if segments.first() == Some(&"api") {
        return "/api/*".to_owned();
    }
    let mut route = String::new();
    for (i, segment) in segments.iter().enumerate() {
        if i == MAX_SEGMENTS {
            route.push_str("/…");
            break;
        }
        route.push('/');
        route.push_str(if PATH_WORDS.contains(segment) {
            segment
        } else {
            "*"
        });
    }
    if route.is_empty() {
        route.push('/');
    }
    route
}

/// The request's id: the runtime's `cf-ray` when it has a plausible one (letters, digits and
/// `-`, at most 64 bytes), else one made of `random` bytes, so every line can be found again.
pub fn request_id(cf_ray: Option<&str>, random: &[u8; REQUEST_ID_RANDOM_BYTES]) -> String {
    match cf_ray.map(str::trim) {
        Some(ray)
            if !ray.is_empty()
                && ray.len() <= MAX_REQUEST_ID_BYTES
                && ray.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') =>
        {
            ray.to_owned()
        }
        _ => format!("deskgate-{}", hex(random)),
    }
}

/// One refused (4xx) or failed (5xx) request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestLine<'a> {
    /// The method, if deskgate serves it at all.
    pub method: Option<Method>,
    /// [`route_template`] of the path.
    pub route: &'a str,
    /// The HTTP status answered.
    pub status: u16,
    /// The error code answered (`invalid_token`, …).
    pub error: &'static str,
    /// The account the host names, once it was resolved.
    pub account: Option<&'a str>,
    /// [`request_id`].
    pub request_id: &'a str,
}

impl RequestLine<'_> {
    /// Whether the request failed (a 5xx) rather than being refused.
    pub fn is_failure(&self) -> bool {
        self.status >= 500
    }

    /// The line, as one JSON object.
    pub fn to_json(&self) -> String {
        #[derive(Serialize)]
        struct Line<'a> {
            level: &'static str,
            event: &'static str,
            method: &'static str,
            route: &'a str,
            status: u16,
            error: &'static str,
            account: Option<&'a str>,
            request_id: &'a str,
        }
        let (level, event) = if self.is_failure() {
            ("error", "request.failed")
        } else {
            ("warn", "request.refused")
        };
        let line = Line {
            level,
            event,
            method: self.method.map_or("OTHER", Method::as_str),
            route: self.route,
            status: self.status,
            error: self.error,
            account: self.account,
            request_id: self.request_id,
        };
        // Serializing plain strings and numbers cannot fail; a fixed line stands in if it did.
        serde_json::to_string(&line)
            .unwrap_or_else(|_| r#"{"level":"error","event":"request.unloggable"}"#.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_route_keeps_only_deskgates_own_path_words() {
        let cases = [
            (
                "/apis/admin/sessions/0123456789abcdef0123456789abcdef",
                "/apis/admin/sessions/*",
            ),
            (
                "/apis/admin/session/api-key/",
                "/apis/admin/session/api-key",
            ),
            (
                "/apis/admin/services/svc_1/credentials/cred_2/discard",
                "/apis/admin/services/*/credentials/*/discard",
            ),
            ("/v2/widget/liveengage", "/v2/widget/liveengage"),
            ("/v2/widget/demo-acme-widget-key-2f8c1e", "/v2/widget/*"),
            ("/api/orders/42/secret-in-path", "/api/*"),
            ("/", "/"),
            ("", "/"),
            ("/eyJhbGciOiJIUzI1NiJ9.e30.sig", "/*"),
            ("/a/b/c/d/e/f/g/h/i/j", "/*/*/*/*/*/*/*/*/…"),
        ];
        for (path, want) in cases {
            assert_eq!(route_template(path), want, "{path}");
        }
    }

    #[test]
    fn the_request_id_is_the_runtimes_or_a_random_one() {
        let random = [0xab; REQUEST_ID_RANDOM_BYTES];
        assert_eq!(
            request_id(Some("8f2a1c3d4e5b6a7f-AMS"), &random),
            "8f2a1c3d4e5b6a7f-AMS"
        );
        for odd in [
            None,
            Some(""),
            Some("a b"),
            Some("x\"y"),
            Some(&*"a".repeat(65)),
        ] {
            assert_eq!(
                request_id(odd, &random),
                "deskgate-abababababababab",
                "{odd:?}"
            );
        }
    }

    #[test]
    fn a_line_is_one_json_object_with_exactly_the_fields_of_spec_8() {
        let line = RequestLine {
            method: Some(Method::Post),
            route: "/apis/admin/session/api-key",
            status: 401,
            error: "invalid_api_key",
            account: Some("acme"),
            request_id: "r-1",
        };
        let json: serde_json::Value = serde_json::from_str(&line.to_json()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"level":"warn","event":"request.refused","method":"POST",
                "route":"/apis/admin/session/api-key","status":401,"error":"invalid_api_key",
                "account":"acme","request_id":"r-1"})
        );
        let failed = RequestLine {
            status: 500,
            error: "server_error",
            account: None,
            method: None,
            ..line
        };
        let json: serde_json::Value = serde_json::from_str(&failed.to_json()).unwrap();
        assert_eq!(
            (json["level"].as_str(), json["event"].as_str()),
            (Some("error"), Some("request.failed"))
        );
        assert_eq!(
            (json["account"].is_null(), json["method"].as_str()),
            (true, Some("OTHER"))
        );
    }
}
