//! What the widget can show, and the message for each failure.

use crate::shapes::User;

/// The widget's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// The sign-in request, or the call proving the session, is under way.
    SigningIn,
    /// The agent is signed in: an authenticated call has succeeded (SPEC §1.8).
    SignedIn(User),
    /// The agent signed out, and deskgate confirmed the session is ended.
    SignedOut,
    /// The session ended on its own (it expired or was revoked elsewhere): a renewal was refused.
    SessionEnded,
    /// Sign-out was asked for but not confirmed: the session may still be live.
    SignOutFailed(Failure),
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
    /// The signed launch link was refused (`401 invalid_launch`): expired, used, or not the
    /// account's.
    LaunchRefused,
    /// Too many failed attempts from here (`429`); retry after this many seconds.
    TooManyAttempts(Option<u64>),
    /// The desktop's origin is not allowed for this account (`403`).
    OriginNotAllowed,
    /// deskgate could not be reached.
    NetworkDown,
    /// No credential reached deskgate (`401 unauthenticated`): the browser sent no cookie and
    /// the widget held no token.
    NotSignedIn,
    /// A credential reached deskgate but its session is over (`401 invalid_token`): signed
    /// out, revoked or expired.
    SessionEnded,
    /// Anything else; the code is shown so support can look it up.
    Unexpected(String),
}

impl Failure {
    /// The failure for an error response's status and `error` code.
    pub fn from_response(status: u16, code: Option<&str>, retry_after: Option<u64>) -> Self {
        match (status, code) {
            (401, Some("invalid_api_key")) => Self::KeyRefused,
            (401, Some("invalid_launch")) => Self::LaunchRefused,
            (401, Some("unauthenticated")) => Self::NotSignedIn,
            (401, Some("invalid_token")) => Self::SessionEnded,
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
            Self::LaunchRefused => "launch_refused",
            Self::TooManyAttempts(_) => "too_many_attempts",
            Self::OriginNotAllowed => "origin_not_allowed",
            Self::NetworkDown => "network_down",
            Self::NotSignedIn => "not_signed_in",
            Self::SessionEnded => "session_ended",
            Self::Unexpected(_) => "unexpected",
        }
    }

    /// The sentence shown to the agent, and what a `window.deskgate` promise rejects with.
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
            Self::LaunchRefused => {
                "This launch link was refused (expired, used already, or not for this account). Reopen deskgate from the desktop."
            }
            Self::TooManyAttempts(_) => {
                "Too many failed sign-ins from this desktop. Wait a few minutes, then reload."
            }
            Self::OriginNotAllowed => {
                "This desktop is not allowed to use deskgate for this account."
            }
            Self::NetworkDown => "deskgate can't be reached. Check your connection, then reload.",
            Self::NotSignedIn => {
                "You are not signed in to deskgate: this browser did not send its session. Reload the desktop to sign in."
            }
            Self::SessionEnded => {
                "Your deskgate session has ended. Reload the desktop to sign in again."
            }
            Self::Unexpected(_) => "Sign-in failed unexpectedly. Reload, or contact support.",
        }
    }

    /// The sentence shown when sign-out was not confirmed: it says the session may be live.
    pub fn sign_out_message(&self) -> &'static str {
        match self {
            Self::NetworkDown => {
                "Sign-out failed: deskgate can't be reached, so your session is still open. Check your connection and try again."
            }
            Self::NotSignedIn => {
                "Sign-out failed: this browser did not send deskgate its session, so the session stays open until it expires."
            }
            _ => {
                "Sign-out failed unexpectedly, so your session may still be open. Try again, or contact support."
            }
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
