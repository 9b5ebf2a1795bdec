//! What the widget can show, and the message for each failure.

use crate::shapes::User;

/// The widget's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// The sign-in request is under way.
    SigningIn,
    /// The agent is signed in.
    SignedIn(User),
    /// The agent signed out.
    SignedOut,
    /// Sign-in failed.
    Failed(Failure),
}

/// Why sign-in or a session call failed, one variant per message the agent can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The desktop opened the widget without this URL parameter.
    MissingParameter(&'static str),
    /// The account's API key was refused (`401 invalid_api_key`).
    KeyRefused,
    /// Too many failed attempts from here (`429`); retry after this many seconds.
    TooManyAttempts(Option<u64>),
    /// The desktop's origin is not allowed for this account (`403`).
    OriginNotAllowed,
    /// deskgate could not be reached.
    NetworkDown,
    /// Anything else; the code is shown so support can look it up.
    Unexpected(String),
}

impl Failure {
    /// The failure for an error response's status and `error` code.
    pub fn from_response(status: u16, code: Option<&str>, retry_after: Option<u64>) -> Self {
        match (status, code) {
            (401, Some("invalid_api_key")) => Self::KeyRefused,
            (429, _) => Self::TooManyAttempts(retry_after),
            (403, Some("origin_not_allowed")) => Self::OriginNotAllowed,
            (_, Some(code)) => Self::Unexpected(code.to_owned()),
            (status, None) => Self::Unexpected(http_status(status)),
        }
    }

    /// A stable name for the failure (the view's `data-failure`, and tests).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::MissingParameter(_) => "missing_parameter",
            Self::KeyRefused => "key_refused",
            Self::TooManyAttempts(_) => "too_many_attempts",
            Self::OriginNotAllowed => "origin_not_allowed",
            Self::NetworkDown => "network_down",
            Self::Unexpected(_) => "unexpected",
        }
    }

    /// The sentence shown to the agent.
    pub fn message(&self) -> &'static str {
        match self {
            Self::MissingParameter("apikey") => {
                "The desktop opened deskgate without an API key. Ask your administrator to check the widget URL."
            }
            Self::MissingParameter("agent_id") => {
                "The desktop opened deskgate without your agent id. Ask your administrator to check the widget URL."
            }
            Self::MissingParameter(_) => {
                "The desktop opened deskgate without your agent name. Ask your administrator to check the widget URL."
            }
            Self::KeyRefused => {
                "This desktop's API key was refused. Ask your administrator to update the widget's key."
            }
            Self::TooManyAttempts(_) => {
                "Too many failed sign-ins from this desktop. Wait a few minutes, then reload."
            }
            Self::OriginNotAllowed => {
                "This desktop is not allowed to use deskgate for this account."
            }
            Self::NetworkDown => "deskgate can't be reached. Check your connection, then reload.",
            Self::Unexpected(_) => "Sign-in failed unexpectedly. Reload, or contact support.",
        }
    }
}

/// `HTTP <status>`, written by hand: `format!` would bring `core::fmt`'s integer formatting into
/// the wasm.
fn http_status(status: u16) -> String {
    let mut text = String::from("HTTP ");
    let mut place = 10_000;
    while place > 0 {
        // Leading zeros are skipped; the units digit is always written.
        if status >= place || place == 1 {
            let digit = usize::from(status / place % 10);
            text.push_str("0123456789".get(digit..=digit).unwrap_or_default());
        }
        place /= 10;
    }
    text
}
