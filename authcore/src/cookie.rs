//! The two session cookies (SPEC §1.4) and reading them back.
//!
//! Both are `__Host-` (no `Domain`, `Path=/`, `Secure`), `HttpOnly` (no script reads them),
//! `SameSite=None` with `Partitioned` (CHIPS): the widget lives in a cross-site iframe, so its
//! cookies must be sent there, but only under the embedding desktop's site.

/// The opaque session cookie; its value is looked up server-side.
pub const SESSION_COOKIE: &str = "__Host-deskgate_session";
/// The session JWT cookie.
pub const JWT_COOKIE: &str = "__Host-deskgate_jwt";

/// A `Set-Cookie` value that stores `value` for `max_age` seconds.
pub fn set_cookie(name: &str, value: &str, max_age: u64) -> String {
    format!(
        "{name}={value}; Secure; HttpOnly; Path=/; SameSite=None; Partitioned; Max-Age={max_age}"
    )
}

/// A `Set-Cookie` value that deletes the cookie (same attributes, so it hits the same partition).
pub fn expire_cookie(name: &str) -> String {
    set_cookie(name, "", 0)
}

/// A `Cookie` header that carries one cookie name twice, with different values: which one the
/// browser meant cannot be known, so neither counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AmbiguousCookie;

/// The value of cookie `name` in a `Cookie` header: `None` when absent or empty.
pub fn read_cookie<'a>(
    header: Option<&'a str>,
    name: &str,
) -> Result<Option<&'a str>, AmbiguousCookie> {
    let mut values = header
        .unwrap_or_default()
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty());
    let first = values.next();
    match first {
        Some(v) if values.any(|other| other != v) => Err(AmbiguousCookie),
        _ => Ok(first),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_carry_every_required_attribute() {
        let c = set_cookie(SESSION_COOKIE, "abc", 3600);
        assert_eq!(
            c,
            "__Host-deskgate_session=abc; Secure; HttpOnly; Path=/; SameSite=None; Partitioned; Max-Age=3600"
        );
        assert!(!c.contains("Domain"));
        assert_eq!(
            expire_cookie(JWT_COOKIE),
            "__Host-deskgate_jwt=; Secure; HttpOnly; Path=/; SameSite=None; Partitioned; Max-Age=0"
        );
    }

    #[test]
    fn cookies_are_read_by_exact_name() {
        let h = Some("a=1; __Host-deskgate_session=tok; __Host-deskgate_jwt=x.y.z");
        assert_eq!(read_cookie(h, SESSION_COOKIE), Ok(Some("tok")));
        assert_eq!(read_cookie(h, JWT_COOKIE), Ok(Some("x.y.z")));
        for absent in [
            Some("deskgate_session=tok"),
            Some("__Host-deskgate_session="),
            Some("__host-deskgate_session=tok"),
            Some(""),
            None,
        ] {
            assert_eq!(read_cookie(absent, SESSION_COOKIE), Ok(None), "{absent:?}");
        }
    }

    #[test]
    fn a_cookie_sent_twice_counts_only_when_both_values_agree() {
        let same = Some("__Host-deskgate_session=a; x=1; __Host-deskgate_session=a");
        assert_eq!(read_cookie(same, SESSION_COOKIE), Ok(Some("a")));
        let differ = Some("__Host-deskgate_session=a; __Host-deskgate_session=b");
        assert_eq!(read_cookie(differ, SESSION_COOKIE), Err(AmbiguousCookie));
    }
}
