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

/// The value of cookie `name` in a `Cookie` header, if present and non-empty.
pub fn read_cookie<'a>(header: Option<&'a str>, name: &str) -> Option<&'a str> {
    header?
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
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
        assert_eq!(read_cookie(h, SESSION_COOKIE), Some("tok"));
        assert_eq!(read_cookie(h, JWT_COOKIE), Some("x.y.z"));
        assert_eq!(
            read_cookie(Some("deskgate_session=tok"), SESSION_COOKIE),
            None
        );
        assert_eq!(
            read_cookie(Some("__Host-deskgate_session="), SESSION_COOKIE),
            None
        );
        assert_eq!(read_cookie(None, SESSION_COOKIE), None);
    }
}
