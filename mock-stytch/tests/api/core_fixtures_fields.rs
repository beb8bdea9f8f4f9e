//! Every field of a fixture takes effect the way the API would have made it: the policy, a
//! verified phone (the SMS challenge comes at login, no enrollment), a TOTP secret (a code
//! computed here authenticates), recovery codes (given and generated), the default method,
//! breakglass, passwords and live sessions.

use serde_json::{Value, json};

use crate::core_fixtures::{load_yaml, post_fixtures};
use crate::helpers::{assert_error, spawn};
use crate::mfa_helpers::{body, code_for, last_sms_code, magic_link_login, now, pending_ist};

const SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

fn id<'a>(v: &'a Value, section: &str, alias: &str, field: &str) -> &'a str {
    v[section][alias][field]
        .as_str()
        .unwrap_or_else(|| panic!("{section}.{alias}.{field} in {v}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn organizations_get_their_name_slug_and_policy() {
    let mock = spawn().await;
    let v = load_yaml(
        &mock,
        "organizations:\n  acme:\n    mfa_policy: REQUIRED_FOR_ALL\n    allowed_mfa_methods: [totp]\n    allowed_auth_methods: [sso, password]\n  globex:\n    name: Globex Corporation\n    slug: globex-corp\n",
    )
    .await;
    let acme = mock
        .ok_get(&format!(
            "/v1/b2b/organizations/{}",
            id(&v, "organizations", "acme", "organization_id")
        ))
        .await["organization"]
        .clone();
    assert_eq!(acme["organization_name"], "acme");
    assert_eq!(acme["organization_slug"], "acme");
    assert_eq!(acme["mfa_policy"], "REQUIRED_FOR_ALL");
    assert_eq!(acme["mfa_methods"], "RESTRICTED");
    assert_eq!(acme["allowed_mfa_methods"], json!(["totp"]));
    assert_eq!(acme["auth_methods"], "RESTRICTED");
    assert_eq!(acme["allowed_auth_methods"], json!(["sso", "password"]));
    let globex = mock.ok_get("/v1/b2b/organizations/globex-corp").await["organization"].clone();
    assert_eq!(globex["organization_name"], "Globex Corporation");
    assert_eq!(globex["mfa_policy"], "OPTIONAL");
    assert_eq!(globex["mfa_methods"], "ALL_ALLOWED");
    mock.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_verified_phone_gets_the_sms_challenge_at_login_without_enrolling() {
    let mock = spawn().await;
    let v = load_yaml(
        &mock,
        "organizations:\n  acme: {mfa_policy: REQUIRED_FOR_ALL}\nmembers:\n  alice: {org: acme, email: alice@acme.example, mfa_phone_number: '+14155552671', mfa_phone_number_verified: true, mfa_enrolled: true}\n  ursula: {org: acme, email: ursula@acme.example, mfa_phone_number: '+14155552672'}\n",
    )
    .await;
    let org = id(&v, "organizations", "acme", "organization_id");
    let alice = id(&v, "members", "alice", "member_id");
    let ursula = id(&v, "members", "ursula", "member_id");

    let login = magic_link_login(&mock, org, alice, json!({})).await;
    let ist = pending_ist(&login);
    assert_eq!(
        login["mfa_required"]["member_options"]["mfa_phone_number"],
        "+14155552671"
    );
    let code = last_sms_code(&mock, alice).await; // sent by the login itself
    let done = mock
        .ok_post(
            "/v1/b2b/otps/sms/authenticate",
            body(
                org,
                alice,
                json!({"code": code, "intermediate_session_token": ist}),
            ),
        )
        .await;
    assert_eq!(
        done["member_session"]["authentication_factors"][1]["type"],
        "otp"
    );

    // The unverified number is no challenge: the login offers enrollment and texts nothing.
    let login = magic_link_login(&mock, org, ursula, json!({})).await;
    pending_ist(&login);
    assert!(login["mfa_required"]["member_options"].is_null(), "{login}");
    assert!(
        mock.outbox(&format!("member_id={ursula}&channel=sms"))
            .await
            .is_empty()
    );
    mock.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_given_totp_secret_authenticates_with_a_code_computed_here() {
    let mock = spawn().await;
    let v = load_yaml(
        &mock,
        &format!("organizations:\n  acme: {{mfa_policy: REQUIRED_FOR_ALL}}\nmembers:\n  bob: {{org: acme, email: bob@acme.example, totp_secret: '{}', mfa_enrolled: true, default_mfa_method: totp}}\n", SECRET.to_lowercase()),
    )
    .await;
    let org = id(&v, "organizations", "acme", "organization_id");
    let bob = id(&v, "members", "bob", "member_id");
    let reg = id(&v, "members", "bob", "totp_registration_id");
    let member = mock
        .ok_get(&format!(
            "/v1/b2b/organizations/{org}/member?member_id={bob}"
        ))
        .await;
    assert_eq!(member["member"]["totp_registration_id"], reg);
    assert_eq!(member["member"]["default_mfa_method"], "totp");

    let ist = pending_ist(&magic_link_login(&mock, org, bob, json!({})).await);
    let code = code_for(SECRET, now(&mock));
    let done = mock
        .ok_post(
            "/v1/b2b/totp/authenticate",
            body(
                org,
                bob,
                json!({"code": code, "intermediate_session_token": ist}),
            ),
        )
        .await;
    assert_eq!(
        done["member_session"]["authentication_factors"][1]["type"],
        "totp"
    );
    mock.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_and_generated_recovery_codes_redeem_once() {
    let mock = spawn().await;
    let v = load_yaml(
        &mock,
        &format!("organizations:\n  acme: {{mfa_policy: REQUIRED_FOR_ALL}}\nmembers:\n  given: {{org: acme, email: g@acme.example, totp_secret: {SECRET}, recovery_codes: [AAAA-bbbb-cccc, dddd-eeee-ffff]}}\n  minted: {{org: acme, email: m@acme.example, totp_secret: {SECRET}}}\n"),
    )
    .await;
    let org = id(&v, "organizations", "acme", "organization_id");
    assert_eq!(
        v["members"]["given"]["recovery_codes"],
        json!(["aaaa-bbbb-cccc", "dddd-eeee-ffff"])
    );
    let minted = v["members"]["minted"]["recovery_codes"].as_array().unwrap();
    assert_eq!(minted.len(), 10);
    for (alias, code) in [
        ("given", json!("dddd-eeee-ffff")),
        ("minted", minted[3].clone()),
    ] {
        let member = id(&v, "members", alias, "member_id");
        let recover = |ist: String| {
            body(
                org,
                member,
                json!({"recovery_code": code, "intermediate_session_token": ist}),
            )
        };
        let ist = pending_ist(&magic_link_login(&mock, org, member, json!({})).await);
        mock.ok_post("/v1/b2b/recovery_codes/recover", recover(ist))
            .await;
        let ist = pending_ist(&magic_link_login(&mock, org, member, json!({})).await);
        let again = mock
            .post("/v1/b2b/recovery_codes/recover", recover(ist))
            .await;
        assert_error(&again, 401, "unable_to_authenticate_recovery_code");
    }
    mock.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_method_decides_the_login_and_breakglass_lifts_the_method_restriction() {
    let mock = spawn().await;
    let v = load_yaml(
        &mock,
        &format!("organizations:\n  acme: {{mfa_policy: REQUIRED_FOR_ALL, allowed_mfa_methods: [sms_otp]}}\nmembers:\n  both: {{org: acme, email: both@acme.example, mfa_phone_number: '+14155552671', mfa_phone_number_verified: true, mfa_enrolled: true, is_breakglass: true, totp_secret: {SECRET}, default_mfa_method: totp}}\n"),
    )
    .await;
    let org = id(&v, "organizations", "acme", "organization_id");
    let both = id(&v, "members", "both", "member_id");
    let m = mock
        .ok_get(&format!(
            "/v1/b2b/organizations/{org}/member?member_id={both}"
        ))
        .await;
    assert_eq!(m["member"]["is_breakglass"], true);

    // TOTP is the default: the login sends no SMS although the phone is verified …
    let ist = pending_ist(&magic_link_login(&mock, org, both, json!({})).await);
    assert!(
        mock.outbox(&format!("member_id={both}&channel=sms"))
            .await
            .is_empty()
    );
    // … and TOTP works in an SMS-only organization, because the member is breakglass.
    let code = code_for(SECRET, now(&mock));
    mock.ok_post(
        "/v1/b2b/totp/authenticate",
        body(
            org,
            both,
            json!({"code": code, "intermediate_session_token": ist}),
        ),
    )
    .await;

    // Without breakglass, the same TOTP is refused at load, as totp/migrate refuses it.
    let refused = post_fixtures(
        &mock,
        "application/yaml",
        &format!("organizations:\n  acme: {{mfa_policy: REQUIRED_FOR_ALL, allowed_mfa_methods: [sms_otp]}}\nmembers:\n  plain: {{org: acme, email: plain@acme.example, totp_secret: {SECRET}}}\n"),
    )
    .await;
    assert_error(&refused, 400, "invalid_fixture");
    assert!(
        refused.1["error_message"]
            .as_str()
            .unwrap()
            .starts_with("members.plain.totp_secret")
    );
    mock.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_signs_in_and_a_wrong_one_does_not() {
    let mock = spawn().await;
    let v = load_yaml(
        &mock,
        "organizations:\n  globex: {}\nmembers:\n  dave: {org: globex, email: dave@globex.example, password: correct-horse-battery-staple-42}\n",
    )
    .await;
    let org = id(&v, "organizations", "globex", "organization_id");
    let login = |password: &str| json!({"organization_id": org, "email_address": "dave@globex.example", "password": password});
    let ok = mock
        .ok_post(
            "/v1/b2b/passwords/authenticate",
            login("correct-horse-battery-staple-42"),
        )
        .await;
    assert_eq!(ok["member_authenticated"], true, "{ok}");
    assert!(
        !ok["member"]["member_password_id"]
            .as_str()
            .unwrap()
            .is_empty()
    );
    let wrong = mock
        .post(
            "/v1/b2b/passwords/authenticate",
            login("correct-horse-battery-staple-43"),
        )
        .await;
    assert_error(&wrong, 401, "unauthorized_credentials");
    mock.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_authenticate_by_token_and_jwt_and_carry_the_factor_the_policy_demands() {
    let mock = spawn().await;
    let v = load_yaml(
        &mock,
        &format!("organizations:\n  acme: {{mfa_policy: REQUIRED_FOR_ALL}}\n  globex: {{}}\nmembers:\n  bob: {{org: acme, email: bob@acme.example, totp_secret: {SECRET}, mfa_enrolled: true}}\n  dave: {{org: globex, email: dave@globex.example}}\nsessions:\n  bob_in: {{member: bob, duration_minutes: 30}}\n  dave_in: {{member: dave}}\n"),
    )
    .await;
    for (alias, factors) in [
        ("bob_in", vec!["magic_link", "totp"]),
        ("dave_in", vec!["magic_link"]),
    ] {
        let token = id(&v, "sessions", alias, "session_token");
        let jwt = id(&v, "sessions", alias, "session_jwt");
        let by_token = mock
            .ok_post(
                "/v1/b2b/sessions/authenticate",
                json!({"session_token": token}),
            )
            .await;
        let by_jwt = mock
            .ok_post("/v1/b2b/sessions/authenticate", json!({"session_jwt": jwt}))
            .await;
        assert_eq!(
            by_token["member_session"]["member_session_id"],
            v["sessions"][alias]["member_session_id"]
        );
        assert_eq!(
            by_jwt["member_session"]["member_session_id"],
            v["sessions"][alias]["member_session_id"]
        );
        let types: Vec<&str> = by_token["member_session"]["authentication_factors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["type"].as_str().unwrap())
            .collect();
        assert_eq!(types, factors, "{alias}");
    }
    let expires =
        chrono::DateTime::parse_from_rfc3339(id(&v, "sessions", "bob_in", "expires_at")).unwrap();
    assert_eq!(expires.timestamp() - now(&mock), 30 * 60);

    // A member who owes MFA and has no factor gets no session.
    let refused = post_fixtures(
        &mock,
        "application/yaml",
        "organizations:\n  acme: {mfa_policy: REQUIRED_FOR_ALL}\nmembers:\n  carol: {org: acme, email: carol@acme.example}\nsessions:\n  carol_in: {member: carol}\n",
    )
    .await;
    assert_error(&refused, 400, "invalid_fixture");
    assert!(
        refused.1["error_message"]
            .as_str()
            .unwrap()
            .starts_with("sessions.carol_in")
    );
    mock.stop().await;
}
