//! The admin API's inputs (SPEC §4 "Admin API"): the owner's password sign-in, the bodies of
//! the service and credential endpoints, and the shape of the ids in their paths.

use serde::Deserialize;

use crate::credential::Kind;
use crate::input::{json_object, required_field};
use crate::jwt::{hex, is_lower_hex};
use crate::oauth::scope;
use crate::secret::Secret;
use crate::ApiError;

/// The only username of the password sign-in: the account owner.
pub const OWNER_USERNAME: &str = "owner";
/// The role of a password session.
pub const OWNER_ROLE: &str = "owner";
/// The `platform` of a password session (it does not come from a desktop).
pub const CONSOLE_PLATFORM: &str = "console";
/// Random bytes in a service or credential id.
pub const ID_RANDOM_BYTES: usize = 8;

const SERVICE_ID_PREFIX: &str = "svc_";
const CREDENTIAL_ID_PREFIX: &str = "cred_";

#[derive(Deserialize)]
struct RawPasswordSignIn {
    username: Option<String>,
    password: Option<String>,
}

/// A well-formed body of `POST /apis/admin/session/password/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnerSignIn {
    username: String,
    password: String,
}

/// Parses a password sign-in body; a malformed one is `400` (and is not a failed attempt).
pub fn parse_owner_sign_in(body: &[u8]) -> Result<OwnerSignIn, ApiError> {
    let raw: RawPasswordSignIn = json_object(body, "username and password")?;
    Ok(OwnerSignIn {
        username: required_field("username", raw.username)?,
        password: required_field("password", raw.password)?,
    })
}

impl OwnerSignIn {
    /// Checks the body against the account's `<account>_admin_password`. Without that secret
    /// nobody signs in; a wrong username or password gets the same answer.
    pub fn check(&self, admin_password: Option<&Secret>) -> Result<(), ApiError> {
        let Some(secret) = admin_password else {
            return Err(ApiError::InvalidCredentials);
        };
        // Both are compared, in constant time, before either verdict is used.
        let username_ok = Secret::new(OWNER_USERNAME).matches(&self.username);
        let password_ok = secret.matches(&self.password);
        if username_ok & password_ok {
            Ok(())
        } else {
            Err(ApiError::InvalidCredentials)
        }
    }
}

#[derive(Deserialize)]
struct RawNewService {
    name: Option<String>,
    scopes: Option<String>,
}

/// A service to create: its name, and the OAuth2 scopes it may ask for (all by default).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewService {
    /// A name for humans.
    pub name: String,
    /// Space-separated scopes.
    pub scopes: String,
}

/// The body of `POST /apis/admin/services`: `{"name", "scopes"?}`.
pub fn parse_new_service(body: &[u8]) -> Result<NewService, ApiError> {
    let raw: RawNewService = json_object(body, "name")?;
    let name = required_field("name", raw.name)?;
    let scopes = match raw.scopes {
        None => scope::ALL.join(" "),
        Some(list) => scope::parse(&list)
            .map_err(|_| {
                ApiError::InvalidRequest(format!(
                    "the field scopes must list some of: {}",
                    scope::ALL.join(" ")
                ))
            })?
            .join(" "),
    };
    Ok(NewService { name, scopes })
}

#[derive(Deserialize)]
struct RawNewCredential {
    kind: Option<String>,
}

/// The kind of `POST /apis/admin/services/<id>/credentials`.
pub fn parse_new_credential(body: &[u8]) -> Result<Kind, ApiError> {
    let raw: RawNewCredential = json_object(body, "kind")?;
    let kind = required_field("kind", raw.kind)?;
    Kind::parse(&kind)
        .ok_or_else(|| ApiError::InvalidRequest("the field kind must be service_key or jwt".into()))
}

#[derive(Deserialize)]
struct RawPasswordConfirmation {
    password: Option<String>,
}

/// The owner's password re-entered to confirm a delete (seed 004), not yet checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordConfirmation(String);

/// Parses the body of a delete: `{"password"}`; a malformed one is `400` (not a failed attempt).
pub fn parse_password_confirmation(body: &[u8]) -> Result<PasswordConfirmation, ApiError> {
    let raw: RawPasswordConfirmation = json_object(body, "password")?;
    required_field("password", raw.password).map(PasswordConfirmation)
}

impl PasswordConfirmation {
    /// Checks it against `<account>_admin_password`; without that secret nothing is confirmed.
    pub fn check(&self, admin_password: Option<&Secret>) -> Result<(), ApiError> {
        match admin_password {
            Some(secret) if secret.matches(&self.0) => Ok(()),
            _ => Err(ApiError::InvalidPassword),
        }
    }
}

/// Whose sessions `POST /apis/admin/sessions/revoke` ends (SPEC §8). The session the request
/// is made with is never among them: the owner ends it by signing out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RevokeSessions {
    /// Every live session of the account (after a key leak), but the caller's own.
    All,
    /// Every live session of one agent id (or of `owner`), but the caller's own.
    Subject(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRevokeSessions {
    /// `None` when absent; `Some(None)` for a `null`, which is refused: no subject means every
    /// session, so a `null` (an unset variable, say) must not mean that.
    #[serde(default, deserialize_with = "present")]
    subject: Option<Option<String>>,
}

/// A member that is there, `null` included (`Some(None)`).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// The body of `POST /apis/admin/sessions/revoke`: `{}` for every session, `{"subject"}` for one
/// agent's. Since the empty body is the broadest action, anything else is refused: an unknown
/// member (a typo of `subject` must not end every session), a `subject` that is not a string.
pub fn parse_revoke_sessions(body: &[u8]) -> Result<RevokeSessions, ApiError> {
    let invalid = || {
        ApiError::InvalidRequest(
            "the body must be {} (every session) or {\"subject\":\"<agent id>\"}".into(),
        )
    };
    let raw: RawRevokeSessions = json_object(body, "").map_err(|_| invalid())?;
    match raw.subject {
        None => Ok(RevokeSessions::All),
        Some(Some(s)) => required_field("subject", Some(s)).map(RevokeSessions::Subject),
        Some(None) => Err(ApiError::InvalidRequest(
            "the field subject must be a string".into(),
        )),
    }
}

/// A new service id from CSPRNG bytes: `svc_` and 16 hex digits.
pub fn new_service_id(random: &[u8; ID_RANDOM_BYTES]) -> String {
    format!("{SERVICE_ID_PREFIX}{}", hex(random))
}

/// A new credential id from CSPRNG bytes: `cred_` and 16 hex digits.
pub fn new_credential_id(random: &[u8; ID_RANDOM_BYTES]) -> String {
    format!("{CREDENTIAL_ID_PREFIX}{}", hex(random))
}

/// Whether `id` has the shape of a service id (anything else is not looked up at all).
pub fn is_service_id(id: &str) -> bool {
    has_id_shape(id, SERVICE_ID_PREFIX)
}

/// Whether `id` has the shape of a credential id.
pub fn is_credential_id(id: &str) -> bool {
    has_id_shape(id, CREDENTIAL_ID_PREFIX)
}

fn has_id_shape(id: &str, prefix: &str) -> bool {
    id.strip_prefix(prefix)
        .is_some_and(|rest| is_lower_hex(rest, 2 * ID_RANDOM_BYTES))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_revoke_body_names_one_subject_or_nobody_and_nothing_else() {
        assert_eq!(parse_revoke_sessions(b"{}"), Ok(RevokeSessions::All));
        assert_eq!(
            parse_revoke_sessions(br#"{"subject":"a-7"}"#),
            Ok(RevokeSessions::Subject("a-7".into()))
        );
        for body in [
            &b""[..],
            b"[]",
            b"null",
            br#"{"subject":null}"#,
            br#"{"subject":""}"#,
            br#"{"subject":"  "}"#,
            br#"{"subject":7}"#,
            br#"{"subjet":"a-7"}"#,
            br#"{"subject":"a-7","all":true}"#,
        ] {
            assert!(
                matches!(
                    parse_revoke_sessions(body),
                    Err(ApiError::InvalidRequest(_))
                ),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }

    fn pw() -> Secret {
        Secret::new("owner-password")
    }

    #[test]
    fn the_owner_signs_in_with_the_right_username_and_password_only() {
        let check = |body: &[u8], secret: Option<&Secret>| parse_owner_sign_in(body)?.check(secret);
        let ok = br#"{"username":"owner","password":"owner-password"}"#;
        assert_eq!(check(ok, Some(&pw())), Ok(()));
        let refused: [&[u8]; 3] = [
            br#"{"username":"owner","password":"wrong"}"#,
            br#"{"username":"admin","password":"owner-password"}"#,
            br#"{"username":"Owner","password":"owner-password"}"#,
        ];
        for body in refused {
            assert_eq!(check(body, Some(&pw())), Err(ApiError::InvalidCredentials));
        }
    }

    #[test]
    fn without_an_admin_password_secret_nobody_signs_in() {
        let body = br#"{"username":"owner","password":"anything"}"#;
        let parsed = parse_owner_sign_in(body).unwrap();
        assert_eq!(parsed.check(None), Err(ApiError::InvalidCredentials));
    }

    #[test]
    fn malformed_admin_bodies_are_invalid_requests() {
        let long = format!(r#"{{"name":"{}"}}"#, "x".repeat(257));
        let cases: [(&str, &[u8]); 7] = [
            ("sign-in not json", b"nope"),
            ("sign-in without password", br#"{"username":"owner"}"#),
            ("service without name", b"{}"),
            ("service name not a string", br#"{"name":5}"#),
            ("service name too long", long.as_bytes()),
            ("credential of unknown kind", br#"{"kind":"password"}"#),
            ("delete without password", br#"{}"#),
        ];
        for (what, body) in cases {
            let result = match what {
                w if w.starts_with("sign-in") => parse_owner_sign_in(body).map(|_| ()),
                w if w.starts_with("service") => parse_new_service(body).map(|_| ()),
                w if w.starts_with("credential") => parse_new_credential(body).map(|_| ()),
                _ => parse_password_confirmation(body).map(|_| ()),
            };
            assert!(
                matches!(result, Err(ApiError::InvalidRequest(_))),
                "{what}: {result:?}"
            );
        }
    }

    #[test]
    fn a_delete_needs_the_owners_password() {
        let check = |body: &[u8], secret: Option<&Secret>| {
            parse_password_confirmation(body).and_then(|c| c.check(secret))
        };
        let right = br#"{"password":"owner-password"}"#;
        let wrong = br#"{"password":"owner-passwore"}"#;
        assert_eq!(check(right, Some(&pw())), Ok(()));
        assert_eq!(check(wrong, Some(&pw())), Err(ApiError::InvalidPassword));
        assert_eq!(check(right, None), Err(ApiError::InvalidPassword));
    }

    #[test]
    fn ids_have_one_shape() {
        let svc = new_service_id(&[0xab; 8]);
        assert_eq!(svc, "svc_abababababababab");
        assert!(is_service_id(&svc));
        assert!(is_credential_id(&new_credential_id(&[1; 8])));
        for bad in [
            "svc_",
            "svc_ABABABABABABABAB",
            "svc_abababababababa",
            "cred_abababababababab'",
            "x",
        ] {
            assert!(!is_service_id(bad) && !is_credential_id(bad), "{bad}");
        }
        assert!(!is_service_id("cred_abababababababab"));
    }

    #[test]
    fn a_service_may_ask_for_all_scopes_by_default_or_fewer() {
        let all = parse_new_service(br#"{"name":"a"}"#).unwrap();
        assert_eq!(all.scopes, "api.read api.write");
        let read = parse_new_service(br#"{"name":"a","scopes":"api.read"}"#).unwrap();
        assert_eq!(read.scopes, "api.read");
        assert!(parse_new_service(br#"{"name":"a","scopes":"root"}"#).is_err());
    }

    #[test]
    fn both_credential_kinds_parse() {
        assert_eq!(parse_new_credential(br#"{"kind":"jwt"}"#), Ok(Kind::Jwt));
        assert_eq!(
            parse_new_credential(br#"{"kind":"service_key"}"#),
            Ok(Kind::ServiceKey)
        );
    }
}
