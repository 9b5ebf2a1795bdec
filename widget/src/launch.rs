//! What the desktop put in the widget's URL: `/v2/widget/<platform>?apikey=…&agent_id=…&agent_name=…`.

use web_sys::Url;

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
                .filter(|v| !v.trim().is_empty())
                .ok_or(MissingParam(name))
        };
        let platform = url
            .pathname()
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_owned();
        Ok(Self {
            api_key: get("apikey")?,
            agent_id: get("agent_id")?,
            agent_name: get("agent_name")?,
            platform,
        })
    }
}

/// The same URL without its `apikey` parameter (for `history.replaceState`).
pub fn href_without_apikey(href: &str) -> Result<String, wasm_bindgen::JsValue> {
    let url = Url::new(href)?;
    url.search_params().delete("apikey");
    if url
        .search_params()
        .to_string()
        .as_string()
        .unwrap_or_default()
        .is_empty()
    {
        url.set_search("");
    }
    Ok(url.href())
}
