//! What the desktop put in the widget's URL: a signed launch link,
//! `/v2/widget/<platform>#launch=<JWS>` (SPEC §6), or, as the last resort,
//! `/v2/widget/<platform>?apikey=…&agent_id=…&agent_name=…`.
//!
//! The widget reads the URL as `first.js` handed it over; the address bar no longer has the key
//! nor the launch token.

use web_sys::{Url, UrlSearchParams};

use crate::status::Failure;

/// The parameters a sign-in needs, read from the URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaunchParams {
    /// The account's API key.
    pub api_key: String,
    /// The agent id.
    pub agent_id: String,
    /// The agent's display name.
    pub agent_name: String,
    /// The platform, the last path segment.
    pub platform: String,
}

/// A parameter the desktop did not provide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MissingParam(pub &'static str);

impl From<MissingParam> for Failure {
    fn from(m: MissingParam) -> Self {
        Failure::MissingParameter(m.0)
    }
}

impl LaunchParams {
    /// Reads the parameters from a full URL; the first missing or empty one is reported.
    pub fn from_href(href: &str) -> Result<Self, MissingParam> {
        let url = Url::new(href).map_err(|_| MissingParam("apikey"))?;
        let query = url.search_params();
        let get = |name: &'static str| {
            query
                .get(name)
                .filter(|v| !v.chars().all(char::is_whitespace))
                .ok_or(MissingParam(name))
        };
        let platform = last_segment(&url.pathname()).to_owned();
        Ok(Self {
            api_key: get("apikey")?,
            agent_id: get("agent_id")?,
            agent_name: get("agent_name")?,
            platform,
        })
    }
}

/// The launch token of a signed launch link (`#launch=<JWS>` in the fragment), if there is one,
/// and the platform of the path. A launch link wins over API-key parameters beside it.
pub fn launch_token(href: &str) -> Option<(String, String)> {
    let url = Url::new(href).ok()?;
    let hash = url.hash();
    let fragment = UrlSearchParams::new_with_str(hash.strip_prefix('#').unwrap_or(&hash)).ok()?;
    let token = fragment.get("launch").filter(|t| !t.is_empty())?;
    Some((token, last_segment(&url.pathname()).to_owned()))
}

/// The last segment of a path, ignoring trailing slashes: the platform of `/v2/widget/<platform>`.
pub fn last_segment(path: &str) -> &str {
    // Byte positions next to an ASCII `/` are char boundaries, so `get` always succeeds.
    let end = path.bytes().rposition(|b| b != b'/').map_or(0, |i| i + 1);
    let trimmed = path.get(..end).unwrap_or_default();
    let start = trimmed
        .bytes()
        .rposition(|b| b == b'/')
        .map_or(0, |i| i + 1);
    trimmed.get(start..).unwrap_or_default()
}
