//! Property tests of every parser of the pure core (issue 10): whatever bytes arrive, a parser
//! answers without panicking (a panic aborts the worker's isolate); it refuses what it must;
//! and where there is a round trip, what is written reads back the same.
//!
//! Each property runs `PROPTEST_CASES` cases (256 by default), natively, in a few seconds.

#![cfg(not(target_arch = "wasm32"))]
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use authcore::admin::{
    parse_new_credential, parse_new_service, parse_owner_sign_in, parse_password_confirmation,
};
use authcore::cookie::{read_cookie, set_cookie, JWT_COOKIE, SESSION_COOKIE};
use authcore::credential::caller_jwt::verify_caller_jwt;
use authcore::credential::secrets::parse_customer_id_request;
use authcore::jwt::integration_token::parse_integration_token_request;
use authcore::jwt::session_token::{sign_session, verify_session, SessionClaims, AUDIENCE};
use authcore::jwt::{unverified_claims, unverified_route, Expected, SigningKey, TokenError};
use authcore::oauth::client_auth::basic;
use authcore::oauth::form::Form;
use authcore::oauth::{token_operation, token_request};
use authcore::origin::{check_cookie_request, check_request_origin, OriginList};
use authcore::secret::Secret;
use authcore::signin::parse_sign_in;
use authcore::throttle::client_bucket;
use authcore::url_parts::{query_pairs, UrlParts};
use authcore::{Account, ApiError, Method};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use proptest::prelude::*;

const NOW: u64 = 1_700_000_000;
const KEY: &str = "a-property-test-signing-key-32-bytes!";

fn key() -> SigningKey {
    SigningKey::new(Secret::new(KEY)).unwrap()
}

fn expected() -> Expected {
    Expected {
        account: Account::parse("acme").unwrap(),
        issuer: "https://acme.deskgate.example".into(),
    }
}

fn claims(sub: String, name: String) -> SessionClaims {
    SessionClaims {
        iss: "https://acme.deskgate.example".into(),
        aud: AUDIENCE.into(),
        sub,
        name,
        acc: "acme".into(),
        role: "agent".into(),
        plat: "genesys".into(),
        sid: "0123456789abcdef0123456789abcdef".into(),
        amr: vec!["api_key".into()],
        jti: "fedcba9876543210fedcba9876543210".into(),
        iat: NOW,
        exp: NOW + 3600,
    }
}

/// Any JSON value, a few levels deep: what a hostile client could send as a body.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(|f| serde_json::json!(f)),
        ".{0,40}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::from),
            prop::collection::btree_map(field_name(), inner, 0..6)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Field names, mostly the ones the endpoints read, so the parsers get past the outer shape.
fn field_name() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "api_key",
            "apikey",
            "agent_id",
            "agent_name",
            "platform",
            "username",
            "password",
            "name",
            "scopes",
            "kind",
            "app_id",
            "customer_id",
            "role",
        ])
        .prop_map(str::to_owned),
        "[a-z_]{1,12}",
    ]
}

/// Every JSON-body parser of the API, by endpoint.
fn parse_every_json_body(body: &[u8]) -> Vec<Result<(), ApiError>> {
    vec![
        parse_sign_in(body).map(|_| ()),
        parse_owner_sign_in(body).map(|_| ()),
        parse_new_service(body).map(|_| ()),
        parse_new_credential(body).map(|_| ()),
        parse_password_confirmation(body).map(|_| ()),
        parse_integration_token_request(body).map(|_| ()),
        parse_customer_id_request(body).map(|_| ()),
    ]
}

proptest! {
    #[test]
    fn the_url_splitter_never_panics_and_its_parts_are_the_urls(url in ".{0,120}") {
        if let Some(parts) = UrlParts::split(&url) {
            prop_assert!(url.starts_with(parts.origin));
            prop_assert!(parts.origin.ends_with(parts.host));
            prop_assert!(parts.path.starts_with('/'));
            prop_assert!(!parts.host.is_empty());
            prop_assert!(!parts.host.contains(['/', '?']));
            if let Some(q) = parts.query {
                prop_assert!(!q.contains('#'));
                let _ = query_pairs(q).count();
            }
        }
    }

    #[test]
    fn a_well_formed_url_splits_into_what_it_was_made_of(
        host in "[a-z0-9-]{1,20}(\\.[a-z0-9-]{1,10}){0,3}(:[0-9]{1,5})?",
        path in "(/[a-zA-Z0-9._~%-]{0,10}){0,4}",
        query in proptest::option::of("[a-zA-Z0-9=&%+._-]{0,30}"),
    ) {
        let url = match &query {
            Some(q) => format!("https://{host}{path}?{q}"),
            None => format!("https://{host}{path}"),
        };
        let parts = UrlParts::split(&url).unwrap();
        prop_assert_eq!(parts.host, host.as_str());
        prop_assert_eq!(parts.path, if path.is_empty() { "/" } else { path.as_str() });
        prop_assert_eq!(parts.query, query.as_deref());
    }

    #[test]
    fn the_cookie_reader_never_panics(header in ".{0,200}") {
        let _ = read_cookie(Some(&header), SESSION_COOKIE);
        let _ = read_cookie(Some(&header), JWT_COOKIE);
    }

    #[test]
    fn a_rendered_cookie_reads_back(
        value in "[A-Za-z0-9_.-]{1,80}",
        other in "[a-z]{1,8}=[a-z0-9]{0,8}",
        max_age in 0u64..100_000,
    ) {
        let set = set_cookie(SESSION_COOKIE, &value, max_age);
        // What a browser sends back: the name=value pair, among others.
        let pair = set.split(';').next().unwrap();
        let header = format!("{other}; {pair}; {other}");
        prop_assert_eq!(read_cookie(Some(&header), SESSION_COOKIE), Ok(Some(value.as_str())));
        prop_assert!(set.contains("; Secure; HttpOnly; Path=/; SameSite=None; Partitioned;"));
    }

    #[test]
    fn the_basic_header_reader_never_panics(value in ".{0,200}", raw in prop::collection::vec(any::<u8>(), 0..80)) {
        let _ = basic(Some(&value));
        let _ = basic(Some(&format!("Basic {}", STANDARD.encode(&raw))));
    }

    #[test]
    fn basic_credentials_round_trip_through_rfc_6749s_encoding(id in ".{1,40}", secret in ".{1,60}") {
        let enc = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        let header = format!("Basic {}", STANDARD.encode(format!("{}:{}", enc(&id), enc(&secret))));
        prop_assert_eq!(basic(Some(&header)), Ok(Some((id, secret))));
    }

    #[test]
    fn form_bodies_never_panic(body in prop::collection::vec(any::<u8>(), 0..300)) {
        let _ = Form::parse(&body);
        let form = Some("application/x-www-form-urlencoded");
        let _ = token_request(form, &body, None);
        let _ = token_operation(form, &body, Some("Basic eDp5"));
    }

    #[test]
    fn a_form_of_distinct_names_reads_back_and_a_repeated_name_is_refused(
        params in prop::collection::btree_map("[a-z_]{1,10}", ".{1,20}", 1..6),
    ) {
        let body: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params.iter())
            .finish();
        let form = Form::parse(body.as_bytes()).unwrap();
        for (name, value) in &params {
            prop_assert_eq!(form.get(name), Some(value.as_str()));
        }
        let (name, _) = params.iter().next().unwrap();
        let twice = format!("{body}&{name}=again");
        prop_assert!(matches!(Form::parse(twice.as_bytes()), Err(ApiError::InvalidRequest(_))));
    }

    #[test]
    fn every_json_body_parser_never_panics_on_bytes(body in prop::collection::vec(any::<u8>(), 0..300)) {
        for result in parse_every_json_body(&body) {
            if let Err(e) = result {
                prop_assert!((400..500).contains(&e.status()), "{e:?}");
            }
        }
    }

    #[test]
    fn every_json_body_parser_answers_any_json_with_success_or_a_4xx(value in json_value()) {
        let body = serde_json::to_vec(&value).unwrap();
        for result in parse_every_json_body(&body) {
            if let Err(e) = result {
                prop_assert!((400..500).contains(&e.status()), "{e:?}");
            }
        }
    }

    #[test]
    fn an_accepted_sign_in_has_short_printable_fields_and_a_known_platform(value in json_value()) {
        if let Ok(s) = parse_sign_in(&serde_json::to_vec(&value).unwrap()) {
            for field in [&s.api_key, &s.agent_id, &s.agent_name] {
                prop_assert!(!field.trim().is_empty() && field.len() <= 256);
                prop_assert!(!field.chars().any(char::is_control));
            }
        }
    }

    #[test]
    fn a_token_with_any_byte_changed_never_verifies(
        sub in "[a-z0-9]{1,12}",
        name in ".{1,30}",
        at in any::<prop::sample::Index>(),
        byte in any::<u8>(),
    ) {
        let token = sign_session(&claims(sub, name), &key()).unwrap();
        prop_assert!(verify_session(&token, &key(), &expected(), NOW).is_ok());
        let mut bytes = token.clone().into_bytes();
        let i = at.index(bytes.len());
        prop_assume!(bytes[i] != byte);
        bytes[i] = byte;
        // Bytes that are not even text cannot be sent in a header at all.
        if let Ok(changed) = String::from_utf8(bytes) {
            prop_assert!(verify_session(&changed, &key(), &expected(), NOW).is_err(), "{changed}");
        }
    }

    #[test]
    fn token_splitting_and_header_parsing_never_panic(token in ".{0,300}") {
        let _ = verify_session(&token, &key(), &expected(), NOW);
        let _ = unverified_route(&token);
        let _ = unverified_claims::<serde_json::Value>(&token);
        let _ = verify_caller_jwt(&token, "svc_0123456789abcdef", &[[7; 32]], NOW);
    }

    #[test]
    fn any_header_without_exactly_hs256_is_refused(header in json_value(), payload in json_value()) {
        let h = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&header).unwrap());
        let p = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&payload).unwrap());
        let token = format!("{h}.{p}.c2ln");
        let alg_is_hs256 = header.get("alg").and_then(|a| a.as_str()) == Some("HS256");
        let result = unverified_claims::<serde_json::Value>(&token);
        if !alg_is_hs256 {
            prop_assert!(result.is_err());
        }
        // Whatever the header, a made-up signature never verifies.
        prop_assert!(verify_session(&token, &key(), &expected(), NOW).is_err());
        prop_assert!(verify_caller_jwt(&token, "svc_0123456789abcdef", &[[7; 32]], NOW).is_err());
    }

    #[test]
    fn any_host_outside_the_base_domain_is_unknown(host in "[a-zA-Z0-9.:_-]{0,40}") {
        let base = "deskgate.example";
        let lower = host.to_ascii_lowercase();
        let without_port = lower.rsplit_once(':').map_or(lower.as_str(), |(h, p)| {
            if p.bytes().all(|b| b.is_ascii_digit()) { h } else { lower.as_str() }
        });
        let under_base = without_port.ends_with(".deskgate.example");
        match Account::from_host(&host, base) {
            Ok(account) => {
                prop_assert!(under_base, "{host} resolved to {account}");
                prop_assert_eq!(format!("{account}.{base}"), without_port.to_owned());
            }
            Err(e) => prop_assert_eq!(e, ApiError::UnknownHost),
        }
    }

    #[test]
    fn any_valid_account_under_the_base_domain_is_that_account(
        name in "[a-z0-9][a-z0-9-]{0,62}",
        port in proptest::option::of(1u16..),
    ) {
        let host = match port {
            Some(p) => format!("{name}.deskgate.example:{p}"),
            None => format!("{}.DeskGate.Example", name.to_ascii_uppercase()),
        };
        let account = Account::from_host(&host, "deskgate.example").unwrap();
        prop_assert_eq!(account.as_str(), name.as_str());
    }

    #[test]
    fn origin_matching_never_widens_a_pattern(
        list in ".{0,80}",
        origin in "https?://[a-zA-Z0-9.-]{0,30}(:[0-9]{1,5})?",
    ) {
        let parsed = OriginList::parse(&list);
        let _ = parsed.allows(&origin);
        let pattern = OriginList::parse("https://*.liveperson.net https://exact.example");
        if pattern.allows(&origin) {
            let lower = origin.to_ascii_lowercase();
            prop_assert!(
                lower == "https://exact.example"
                    || (lower.starts_with("https://") && lower.ends_with(".liveperson.net")
                        && lower.len() > "https://.liveperson.net".len()),
                "{origin}"
            );
        }
    }

    #[test]
    fn a_cookie_write_passes_only_from_the_own_origin_or_without_browser_context(
        origin in proptest::option::of("https?://[a-z.]{1,20}"),
        site in proptest::option::of(prop::sample::select(vec!["same-origin", "same-site", "cross-site", "none"])),
        method in prop::sample::select(Method::ALL.to_vec()),
    ) {
        let own = "https://acme.deskgate.example";
        let ok = check_cookie_request(method, origin.as_deref(), site, own).is_ok();
        let want = method.is_safe()
            || match &origin {
                Some(o) => o == own,
                None => !matches!(site, Some("same-site" | "cross-site")),
            };
        prop_assert_eq!(ok, want);
        // The sign-in check with no desktop allowed is the same rule for unsafe methods.
        if !method.is_safe() {
            prop_assert_eq!(check_request_origin(origin.as_deref(), site, own, OriginList::none()).is_ok(), ok);
        }
    }

    #[test]
    fn any_two_addresses_of_one_64_share_a_bucket(prefix in any::<[u16; 4]>(), a in any::<[u16; 4]>(), b in any::<[u16; 4]>()) {
        let addr = |s: [u16; 4]| std::net::Ipv6Addr::new(prefix[0], prefix[1], prefix[2], prefix[3], s[0], s[1], s[2], s[3]);
        let (a, b) = (addr(a), addr(b));
        prop_assume!(a.to_ipv4_mapped().is_none() && b.to_ipv4_mapped().is_none());
        prop_assert_eq!(client_bucket(&a.to_string()), client_bucket(&b.to_string()));
    }

    #[test]
    fn the_client_bucket_never_panics_and_never_echoes_junk(raw in ".{0,60}") {
        let bucket = client_bucket(&raw);
        prop_assert!(bucket == "unknown" || bucket.parse::<std::net::IpAddr>().is_ok() || bucket.ends_with("::/64"));
    }

    #[test]
    fn method_names_parse_exactly(name in "[A-Za-z]{0,10}") {
        match Method::parse(&name) {
            Some(m) => prop_assert_eq!(m.as_str(), name.as_str()),
            None => prop_assert!(Method::ALL.iter().all(|m| m.as_str() != name)),
        }
    }

    #[test]
    fn a_caller_jwt_with_any_claims_is_judged_without_panicking(payload in json_value(), key in any::<[u8; 32]>()) {
        let h = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        let p = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&payload).unwrap());
        use hmac::Mac;
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
        mac.update(format!("{h}.{p}").as_bytes());
        let token = format!("{h}.{p}.{}", URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()));
        match verify_caller_jwt(&token, "svc_0123456789abcdef", &[key], NOW) {
            Ok(c) => {
                prop_assert_eq!(c.iss.as_str(), "svc_0123456789abcdef");
                prop_assert!(c.iat <= NOW + 30 && NOW - c.iat.min(NOW) <= 3630);
            }
            Err(e) => prop_assert!(e != TokenError::BadSignature, "signed right, refused for {e:?}"),
        }
    }
}
