//! `load_fixtures_yaml` / `load_fixtures` against an in-process mock: the typed answer names
//! what the mock created, a second load reports everything unchanged with the same ids, a TOTP
//! secret from the document authenticates with a code computed here, and a bad document is a
//! refusal carrying the mock's location.

use mock_control::{ControlError, LoadOutcome, MockControl, totp};
use mock_stytch::config::{DEFAULT_PROJECT_ID, DEFAULT_SECRET};
use mock_stytch::{Config, MockServer};
use serde_json::json;

const SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

const DOC: &str = "
organizations:
  acme: {name: Acme Corp, mfa_policy: OPTIONAL}
members:
  bob: {org: acme, email: bob@acme.example, totp_secret: JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP}
sessions:
  bob_in: {member: bob}
";

#[tokio::test]
async fn a_yaml_document_loads_once_and_its_totp_secret_works() {
    let mock = MockServer::spawn(Config::for_tests()).await.unwrap();
    let control = MockControl::new(&mock.base_url, DEFAULT_PROJECT_ID, DEFAULT_SECRET);

    let first = control.load_fixtures_yaml(DOC).await.unwrap();
    let again = control.load_fixtures_yaml(DOC).await.unwrap();

    let org = first.organization_id("acme").unwrap();
    let bob = first.member_id("bob").unwrap();
    assert_eq!(first.members["bob"].outcome, LoadOutcome::Created);
    assert_eq!(first.counts["members"].created, 1);
    assert_eq!(
        first.members["bob"].recovery_codes.as_ref().unwrap().len(),
        10
    );
    assert_eq!(again.member_id("bob"), Some(bob));
    assert_eq!(again.counts["members"].unchanged, 1);
    assert_eq!(
        again.sessions["bob_in"].session_token,
        first.sessions["bob_in"].session_token
    );
    // The mock's current code for the member is the one computed here from the document.
    let now = control.now().await.unwrap().timestamp();
    let shown = control.totp(org, bob).await.unwrap();
    let local: Vec<String> = [now - 1, now, now + 1]
        .iter()
        .filter_map(|t| totp::code_at(SECRET, *t))
        .collect();
    assert!(local.contains(&shown.code), "{shown:?} vs {local:?}");
    assert_eq!(
        Some(shown.totp_registration_id),
        first.members["bob"].totp_registration_id
    );
    mock.stop().await.unwrap();
}

#[tokio::test]
async fn a_json_document_loads_and_a_bad_one_is_refused_with_its_location() {
    let mock = MockServer::spawn(Config::for_tests()).await.unwrap();
    let control = MockControl::new(&mock.base_url, DEFAULT_PROJECT_ID, DEFAULT_SECRET);

    let loaded = control
        .load_fixtures(&json!({"organizations": {"globex": {"mfa_policy": "REQUIRED_FOR_ALL"}}}))
        .await
        .unwrap();
    let bad = control
        .load_fixtures(&json!({"organizations": {"globex": {"mfa_polcy": "OPTIONAL"}}}))
        .await
        .unwrap_err();

    assert_eq!(loaded.organizations["globex"].organization_slug, "globex");
    match bad {
        ControlError::Refused {
            status,
            error_type,
            error_message,
            ..
        } => {
            assert_eq!((status, error_type.as_str()), (400, "invalid_fixture"));
            assert!(
                error_message.contains("organizations.globex"),
                "{error_message}"
            );
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    mock.stop().await.unwrap();
}
