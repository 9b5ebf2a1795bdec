//! The credential lifecycle of a service (SPEC §4, seed 004) as a pure state machine.
//!
//! Each service holds up to two credentials of each kind, each active or inactive. A change is
//! allowed when its precondition holds (discard an active one, reactivate or delete an inactive
//! one) and the service's credentials of that kind still satisfy every invariant afterwards: at
//! most [`Limits::max_per_kind`], at least one active, at most [`Limits::max_inactive`] inactive.
//! Storage applies an allowed change atomically (see `edge/src/store/credentials.rs`), so two
//! concurrent requests can never both pass on the same state.

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The two kinds of service credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A key sent as `X-Service-Key` (and usable as an OAuth2 client secret).
    ServiceKey,
    /// A shared secret the caller signs HS256 JWTs with.
    Jwt,
}

impl Kind {
    /// Both kinds, in the order a new service creates them.
    pub const ALL: [Kind; 2] = [Kind::ServiceKey, Kind::Jwt];

    /// The name used in the API and storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ServiceKey => "service_key",
            Self::Jwt => "jwt",
        }
    }

    /// The kind a stored or posted name denotes.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

/// Whether a credential authenticates requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// It authenticates requests.
    Active,
    /// It was discarded: refused everywhere until reactivated.
    Inactive,
}

impl Status {
    /// The name used in the API and storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Inactive => "inactive",
        }
    }

    /// The status a stored name denotes.
    pub fn parse(name: &str) -> Option<Self> {
        [Self::Active, Self::Inactive]
            .into_iter()
            .find(|s| s.as_str() == name)
    }
}

/// What the rules need to know of one credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialState {
    /// The credential's id.
    pub id: String,
    /// Its kind.
    pub kind: Kind,
    /// Its status.
    pub status: Status,
}

/// A change to a service's credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change<'a> {
    /// Add an active credential of this kind.
    Create(Kind),
    /// Make this active credential inactive.
    Discard(&'a str),
    /// Make this inactive credential active.
    Reactivate(&'a str),
    /// Remove this inactive credential (the caller has re-checked the owner's password).
    Delete(&'a str),
    /// Give this credential a new secret; its status is kept.
    Regenerate(&'a str),
}

/// The per-kind limits of a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Credentials of one kind a service may hold.
    pub max_per_kind: usize,
    /// Inactive credentials of one kind a service may hold.
    pub max_inactive: usize,
}

/// The limits of seed 004: two of each kind, one of them at most inactive.
pub const LIMITS: Limits = Limits {
    max_per_kind: 2,
    max_inactive: 1,
};

/// Why a change is refused; each is its own `409` code (SPEC §4), but an unknown id (`404`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum RuleError {
    /// When the change would leave a kind without an active credential.
    #[error("a service must keep at least one active credential of each kind")]
    LastActiveCredential,
    /// When the change would leave more than one inactive credential of a kind.
    #[error("a service may hold only one inactive credential of each kind")]
    InactiveLimitReached,
    /// When a kind already holds the most credentials allowed.
    #[error("a service may hold at most two credentials of each kind")]
    CredentialLimitReached,
    /// When an active credential is deleted or reactivated: discard it first, or leave it be.
    #[error("the credential is active: discard it first")]
    CredentialIsActive,
    /// When an inactive credential is discarded again.
    #[error("the credential is already inactive")]
    CredentialIsInactive,
    /// When the id names no credential of this service.
    #[error("the service has no credential with this id")]
    UnknownCredential,
}

impl RuleError {
    /// The `error` code of the `409` body.
    pub fn code(self) -> &'static str {
        match self {
            Self::LastActiveCredential => "last_active_credential",
            Self::InactiveLimitReached => "inactive_limit_reached",
            Self::CredentialLimitReached => "credential_limit_reached",
            Self::CredentialIsActive => "credential_is_active",
            Self::CredentialIsInactive => "credential_is_inactive",
            Self::UnknownCredential => "not_found",
        }
    }
}

/// Whether `change` may be applied to a service holding `credentials`, under `limits`.
pub fn check(
    credentials: &[CredentialState],
    change: Change<'_>,
    limits: Limits,
) -> Result<(), RuleError> {
    let find = |id: &str| {
        credentials
            .iter()
            .find(|c| c.id == id)
            .ok_or(RuleError::UnknownCredential)
    };
    // The status of each credential of the kind touched, after the change (removed: absent).
    let after: Vec<Status> = match change {
        Change::Create(kind) => {
            let mut after = statuses(credentials, kind, |c| Some(c.status));
            after.push(Status::Active);
            after
        }
        Change::Discard(id) => {
            let target = find(id)?;
            if target.status == Status::Inactive {
                return Err(RuleError::CredentialIsInactive);
            }
            statuses(credentials, target.kind, |c| {
                Some(if c.id == id {
                    Status::Inactive
                } else {
                    c.status
                })
            })
        }
        Change::Reactivate(id) | Change::Delete(id) => {
            let target = find(id)?;
            if target.status == Status::Active {
                return Err(RuleError::CredentialIsActive);
            }
            let deleting = matches!(change, Change::Delete(_));
            statuses(credentials, target.kind, |c| match c.id == id {
                true if deleting => None,
                true => Some(Status::Active),
                false => Some(c.status),
            })
        }
        Change::Regenerate(id) => {
            find(id)?;
            return Ok(());
        }
    };
    let count = |s: Status| after.iter().filter(|x| **x == s).count();
    if after.len() > limits.max_per_kind {
        return Err(RuleError::CredentialLimitReached);
    }
    if count(Status::Active) == 0 {
        return Err(RuleError::LastActiveCredential);
    }
    if count(Status::Inactive) > limits.max_inactive {
        return Err(RuleError::InactiveLimitReached);
    }
    Ok(())
}

fn statuses(
    credentials: &[CredentialState],
    kind: Kind,
    after: impl Fn(&CredentialState) -> Option<Status>,
) -> Vec<Status> {
    credentials
        .iter()
        .filter(|c| c.kind == kind)
        .filter_map(after)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use Kind::{Jwt, ServiceKey as Key};
    use Status::{Active as A, Inactive as I};

    /// A service from `(id, kind, status)` triples.
    fn service(creds: &[(&str, Kind, Status)]) -> Vec<CredentialState> {
        creds
            .iter()
            .map(|(id, kind, status)| CredentialState {
                id: (*id).into(),
                kind: *kind,
                status: *status,
            })
            .collect()
    }

    #[test]
    fn the_rule_table_of_seed_004() {
        use Change::*;
        use RuleError::*;
        let new = service(&[("k1", Key, A), ("j1", Jwt, A)]);
        let two_active = service(&[("k1", Key, A), ("k2", Key, A), ("j1", Jwt, A)]);
        let one_inactive = service(&[("k1", Key, A), ("k2", Key, I), ("j1", Jwt, A)]);
        // (what, the service's credentials, the change, the verdict)
        type Case<'a> = (
            &'a str,
            &'a [CredentialState],
            Change<'a>,
            Result<(), RuleError>,
        );
        let cases: Vec<Case> = vec![
            ("a second key may be created", &new, Create(Key), Ok(())),
            (
                "a second JWT credential may be created",
                &new,
                Create(Jwt),
                Ok(()),
            ),
            (
                "a third key is refused",
                &two_active,
                Create(Key),
                Err(CredentialLimitReached),
            ),
            (
                "a third key is refused beside an inactive one",
                &one_inactive,
                Create(Key),
                Err(CredentialLimitReached),
            ),
            (
                "the only active key cannot be discarded",
                &new,
                Discard("k1"),
                Err(LastActiveCredential),
            ),
            (
                "the only active JWT credential cannot be discarded",
                &two_active,
                Discard("j1"),
                Err(LastActiveCredential),
            ),
            (
                "one of two active keys may be discarded",
                &two_active,
                Discard("k2"),
                Ok(()),
            ),
            (
                "the last active beside an inactive cannot be discarded",
                &one_inactive,
                Discard("k1"),
                Err(LastActiveCredential),
            ),
            (
                "an inactive key cannot be discarded again",
                &one_inactive,
                Discard("k2"),
                Err(CredentialIsInactive),
            ),
            (
                "an inactive key may be reactivated",
                &one_inactive,
                Reactivate("k2"),
                Ok(()),
            ),
            (
                "an active key cannot be reactivated",
                &two_active,
                Reactivate("k1"),
                Err(CredentialIsActive),
            ),
            (
                "an inactive key may be deleted",
                &one_inactive,
                Delete("k2"),
                Ok(()),
            ),
            (
                "an active key cannot be deleted",
                &two_active,
                Delete("k2"),
                Err(CredentialIsActive),
            ),
            (
                "the only key cannot be deleted",
                &new,
                Delete("k1"),
                Err(CredentialIsActive),
            ),
            (
                "an active key may be regenerated",
                &new,
                Regenerate("k1"),
                Ok(()),
            ),
            (
                "an inactive key may be regenerated",
                &one_inactive,
                Regenerate("k2"),
                Ok(()),
            ),
            (
                "an unknown id is unknown",
                &new,
                Discard("nope"),
                Err(UnknownCredential),
            ),
            (
                "an unknown id is unknown for delete",
                &new,
                Delete("nope"),
                Err(UnknownCredential),
            ),
            (
                "an unknown id is unknown for regenerate",
                &new,
                Regenerate("nope"),
                Err(UnknownCredential),
            ),
        ];
        for (what, creds, change, want) in cases {
            assert_eq!(check(creds, change, LIMITS), want, "{what}");
        }
    }

    #[test]
    fn at_most_one_inactive_per_kind_even_where_more_credentials_are_allowed() {
        let roomy = Limits {
            max_per_kind: 3,
            max_inactive: 1,
        };
        let creds = service(&[
            ("k1", Key, A),
            ("k2", Key, A),
            ("k3", Key, I),
            ("j1", Jwt, A),
        ]);
        assert_eq!(
            check(&creds, Change::Discard("k2"), roomy),
            Err(RuleError::InactiveLimitReached)
        );
    }

    #[test]
    fn a_change_to_one_kind_ignores_the_other_kind() {
        let creds = service(&[("k1", Key, A), ("k2", Key, A), ("j1", Jwt, I)]);
        assert_eq!(check(&creds, Change::Discard("k1"), LIMITS), Ok(()));
    }

    #[test]
    fn every_refusal_has_its_own_code() {
        let all = [
            RuleError::LastActiveCredential,
            RuleError::InactiveLimitReached,
            RuleError::CredentialLimitReached,
            RuleError::CredentialIsActive,
            RuleError::CredentialIsInactive,
            RuleError::UnknownCredential,
        ];
        let codes: std::collections::HashSet<_> = all.iter().map(|e| e.code()).collect();
        assert_eq!(codes.len(), all.len());
    }

    #[test]
    fn kinds_and_statuses_round_trip_their_names() {
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.as_str()), Some(k));
        }
        assert_eq!(Kind::parse("password"), None);
        for s in [A, I] {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
    }
}
