//! The request methods deskgate serves (RFC 9110 §9), and which of them are safe.
//!
//! `worker::Method` reads any name it does not know as `GET`, which would route `PROPFIND` like
//! a read and skip the checks writes get. Methods are parsed here instead, exactly: RFC 9110
//! §9.1 makes them case-sensitive, and the runtime has already upper-cased the six names the
//! Fetch standard normalizes. Anything else is no method of ours.

/// A method deskgate serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `GET`.
    Get,
    /// `HEAD`.
    Head,
    /// `OPTIONS`.
    Options,
    /// `POST`.
    Post,
    /// `PUT`.
    Put,
    /// `PATCH`.
    Patch,
    /// `DELETE`.
    Delete,
}

impl Method {
    /// Every method deskgate serves.
    pub const ALL: [Method; 7] = [
        Self::Get,
        Self::Head,
        Self::Options,
        Self::Post,
        Self::Put,
        Self::Patch,
        Self::Delete,
    ];

    /// The method a request line names, or `None` for one deskgate does not serve (`TRACE`,
    /// `CONNECT`, extensions, a lower-case `patch`).
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == name)
    }

    /// Its name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Head => "HEAD",
            Self::Options => "OPTIONS",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Patch => "PATCH",
            Self::Delete => "DELETE",
        }
    }

    /// Whether the method is safe (RFC 9110 §9.2.1): it must not change state, so no CSRF or
    /// write scope guards it. Every other method may change state.
    pub fn is_safe(self) -> bool {
        matches!(self, Self::Get | Self::Head | Self::Options)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_are_parsed_exactly_and_unknown_ones_are_none() {
        for m in Method::ALL {
            assert_eq!(Method::parse(m.as_str()), Some(m));
        }
        for other in [
            "", "get", "patch", "TRACE", "CONNECT", "PROPFIND", "GET ", "G\0T",
        ] {
            assert_eq!(Method::parse(other), None, "{other:?}");
        }
    }

    #[test]
    fn only_get_head_and_options_are_safe() {
        let safe: Vec<_> = Method::ALL.into_iter().filter(|m| m.is_safe()).collect();
        assert_eq!(safe, [Method::Get, Method::Head, Method::Options]);
    }
}
