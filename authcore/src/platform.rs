//! The agent desktops the widget runs in (seed 000: LiveEngage and Genesys WDE).

use crate::ApiError;

/// A supported agent desktop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Platform {
    /// LivePerson LiveEngage.
    LiveEngage,
    /// Genesys Workspace Desktop Edition.
    Genesys,
}

impl Platform {
    /// Every supported platform.
    pub const ALL: [Platform; 2] = [Platform::LiveEngage, Platform::Genesys];

    /// The platform a path segment or body field names.
    pub fn parse(name: &str) -> Result<Self, ApiError> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == name)
            .ok_or(ApiError::UnknownPlatform)
    }

    /// The name used in paths, bodies and the `plat` claim.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::LiveEngage => "liveengage",
            Self::Genesys => "genesys",
        }
    }

    /// The worker variable listing the desktop origins allowed for this platform.
    pub fn desktop_origins_var(self) -> &'static str {
        match self {
            Self::LiveEngage => "DESKTOP_ORIGINS_LIVEENGAGE",
            Self::Genesys => "DESKTOP_ORIGINS_GENESYS",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_platforms_parse_and_others_are_unknown() {
        assert_eq!(Platform::parse("liveengage"), Ok(Platform::LiveEngage));
        assert_eq!(Platform::parse("genesys"), Ok(Platform::Genesys));
        for bad in ["", "LiveEngage", "genesys ", "salesforce", "liveengage/x"] {
            assert_eq!(
                Platform::parse(bad),
                Err(ApiError::UnknownPlatform),
                "{bad:?}"
            );
        }
    }
}
