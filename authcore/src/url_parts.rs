//! The parts of a request URL the worker reads: origin, host, path and query.
//!
//! The runtime hands the worker `request.url` already parsed and serialized by the WHATWG URL
//! parser (host lower-cased and punycoded, dot segments resolved, default port dropped), so
//! finding the parts is string slicing. Parsing it again with the `url` crate would only add its
//! IDNA tables (tens of KB) to the worker for the same answer.

/// A serialized absolute URL, split into the parts handlers read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlParts<'a> {
    /// `scheme://host[:port]`.
    pub origin: &'a str,
    /// `host[:port]`.
    pub host: &'a str,
    /// From the first `/` after the host; `/` when there is none.
    pub path: &'a str,
    /// After `?` and before any `#`; `None` without a `?`.
    pub query: Option<&'a str>,
}

impl<'a> UrlParts<'a> {
    /// Splits `scheme://host[:port]/path?query#fragment`; `None` when there is no `scheme://host`.
    pub fn split(url: &'a str) -> Option<Self> {
        let url = url.split('#').next().unwrap_or_default();
        let (scheme, rest) = url.split_once("://")?;
        let host_end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (host, after_host) = rest.split_at(host_end);
        if scheme.is_empty() || host.is_empty() {
            return None;
        }
        let origin = url.get(..scheme.len() + 3 + host.len())?;
        let (path, query) = match after_host.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (after_host, None),
        };
        Some(Self {
            origin,
            host,
            path: if path.is_empty() { "/" } else { path },
            query,
        })
    }
}

/// The decoded `name=value` pairs of a raw query, in order, repeats kept.
pub fn query_pairs(query: &str) -> form_urlencoded::Parse<'_> {
    form_urlencoded::parse(query.as_bytes())
}

/// Checks a configured upstream base URL: `http(s)://host[:port][/path]`, without query,
/// fragment or whitespace. Returns it without a trailing `/`.
pub fn http_base_url(raw: &str) -> Option<&str> {
    let raw = raw.trim().trim_end_matches('/');
    let parts = UrlParts::split(raw)?;
    let scheme_ok = raw.starts_with("http://") || raw.starts_with("https://");
    let clean = !raw.contains(['?', '#', ' ', '\t', '\n', '\r', '\\', '@']);
    (scheme_ok && clean && parts.query.is_none()).then_some(raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_origin_host_path_and_query() {
        let parts = UrlParts::split("https://acme.example.com:8443/v2/widget/genesys?a=1&b=%20#x");
        assert_eq!(
            parts,
            Some(UrlParts {
                origin: "https://acme.example.com:8443",
                host: "acme.example.com:8443",
                path: "/v2/widget/genesys",
                query: Some("a=1&b=%20"),
            })
        );
    }

    #[test]
    fn a_url_without_path_has_path_slash_and_no_query() {
        let parts = UrlParts::split("http://acme.localhost").expect("absolute URL");
        assert_eq!((parts.path, parts.query), ("/", None));
        let parts = UrlParts::split("http://acme.localhost?x=1").expect("absolute URL");
        assert_eq!((parts.path, parts.query), ("/", Some("x=1")));
    }

    #[test]
    fn query_pairs_are_decoded_and_repeats_kept() {
        let parts =
            UrlParts::split("http://h/p?access_token=a%2Bb&x=1&access_token=c").expect("url");
        let pairs: Vec<(String, String)> = query_pairs(parts.query.unwrap_or_default())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        assert_eq!(
            pairs,
            [("access_token", "a+b"), ("x", "1"), ("access_token", "c")]
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
        );
    }

    #[test]
    fn relative_or_hostless_urls_are_refused() {
        for url in ["/v1/whoami", "http:///path", "://host/", "host/path"] {
            assert_eq!(UrlParts::split(url), None, "{url}");
        }
    }

    #[test]
    fn upstream_base_must_be_plain_http_or_https() {
        assert_eq!(
            http_base_url("http://127.0.0.1:8788/"),
            Some("http://127.0.0.1:8788")
        );
        assert_eq!(
            http_base_url("https://api.example.com/base"),
            Some("https://api.example.com/base")
        );
        for bad in [
            "",
            "ftp://example.com",
            "javascript:alert(1)",
            "https://user@evil.example",
            "https://example.com/?q=1",
            "https://exa mple.com",
            "example.com",
        ] {
            assert_eq!(http_base_url(bad), None, "{bad}");
        }
    }
}
