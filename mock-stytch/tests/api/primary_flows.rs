//! Primary authentication flows, endpoint by endpoint: what each sends to the outbox, how tokens
//! and codes are spent, member status transitions, JIT provisioning, Stytch's sandbox values,
//! and the cross-endpoint rules (a same-member session skips MFA; an IST accumulates factors and
//! comes back unchanged while pending, R7; IST exchange).

use base64::Engine;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::{TestMock, assert_error, spawn_frozen};
use crate::primary_helpers::{
    NEW_PASSWORD, PASSWORD, PHONE, assert_authenticated, assert_pending, last_message,
    magic_link_token, member, org, s, set_password, verified_phone,
};
use crate::schema::assert_valid;

const ML_AUTH: &str = "/v1/b2b/magic_links/authenticate";
const ML_SEND: &str = "/v1/b2b/magic_links/email/login_or_signup";
const INVITE: &str = "/v1/b2b/magic_links/email/invite";

async fn login_link(mock: &TestMock, org_id: &str, email: &str) -> (Value, Value) {
    let r = mock
        .ok_post(
            ML_SEND,
            json!({"organization_id": org_id, "email_address": email}),
        )
        .await;
    let msg = mock
        .outbox(&format!("member_id={}&channel=email", s(&r["member_id"])))
        .await[0]
        .clone();
    (r, msg)
}

fn factor_types(body: &Value) -> Vec<String> {
    body["member_session"]["authentication_factors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| s(&f["type"]))
        .collect()
}

#[tokio::test]
async fn magic_links_signup_login_invite_and_single_use() {
    let mock = spawn_frozen().await;
    let org_id = org(
        &mock,
        "acme",
        json!({"email_jit_provisioning": "RESTRICTED", "email_allowed_domains": ["acme.com"]}),
    )
    .await;

    // A new address in an allowed domain: JIT-provisioned as pending, sent a signup link.
    let (created, msg) = login_link(&mock, &org_id, "New@Acme.com").await;
    assert_valid("magic_links_email.LoginOrSignupResponse", &created);
    assert_eq!(created["member_created"], true);
    assert_eq!(created["member"]["status"], "pending");
    assert_eq!(msg["kind"], "magic_link_signup");
    assert_eq!(msg["to"], "new@acme.com");
    let token = s(&msg["token"]);
    assert!(token.len() == 44 && token.ends_with('='), "{token}");

    // Other domains may not join.
    assert_error(
        &mock
            .post(
                ML_SEND,
                json!({"organization_id": org_id, "email_address": "x@other.com"}),
            )
            .await,
        400,
        "invalid_email_for_jit_provisioning",
    );

    // Authenticate: active, verified, single use.
    let r = mock
        .ok_post(ML_AUTH, json!({"magic_links_token": token}))
        .await;
    assert_valid("magic_links.AuthenticateResponse", &r);
    assert_authenticated(&r);
    assert_eq!(r["member"]["status"], "active");
    assert_eq!(r["member"]["email_address_verified"], true);
    assert!(s(&r["method_id"]).starts_with("member-email-test-"));
    assert_eq!(
        r["member_session"]["authentication_factors"][0]["delivery_method"],
        "email"
    );
    assert_error(
        &mock
            .post(ML_AUTH, json!({"magic_links_token": token}))
            .await,
        401,
        "unable_to_auth_magic_link",
    );
    assert_error(
        &mock
            .post(ML_AUTH, json!({"magic_links_token": "nope"}))
            .await,
        404,
        "magic_link_not_found",
    );

    // An active member gets a login link.
    let (again, msg) = login_link(&mock, &org_id, "new@acme.com").await;
    assert_eq!(again["member_created"], false);
    assert_eq!(msg["kind"], "magic_link_login");

    // Invite: invited, then active on authenticate; inviting an active member is refused.
    let inv = mock
        .ok_post(INVITE, json!({"organization_id": org_id, "email_address": "bob@elsewhere.org", "name": "Bob", "roles": ["stytch_admin"]}))
        .await;
    assert_valid("magic_links_email.InviteResponse", &inv);
    assert_eq!(inv["member"]["status"], "invited");
    assert_eq!(inv["member"]["is_admin"], true);
    let bob = s(&inv["member_id"]);
    let invite_token = s(&last_message(&mock, &bob, "magic_link_invite").await["token"]);
    let r = mock
        .ok_post(ML_AUTH, json!({"magic_links_token": invite_token}))
        .await;
    assert_eq!(r["member"]["status"], "active");
    assert_error(
        &mock
            .post(
                INVITE,
                json!({"organization_id": org_id, "email_address": "bob@elsewhere.org"}),
            )
            .await,
        400,
        "member_already_active",
    );

    // Deleting an invited member revokes the invite.
    let carol = mock
        .ok_post(
            INVITE,
            json!({"organization_id": org_id, "email_address": "carol@acme.com"}),
        )
        .await;
    let carol_id = s(&carol["member_id"]);
    let carol_token = s(&last_message(&mock, &carol_id, "magic_link_invite").await["token"]);
    mock.delete(&format!(
        "/v1/b2b/organizations/{org_id}/members/{carol_id}"
    ))
    .await;
    assert_error(
        &mock
            .post(ML_AUTH, json!({"magic_links_token": carol_token}))
            .await,
        404,
        "magic_link_not_found",
    );

    // Invites follow email_invites.
    let closed = org(&mock, "closed", json!({"email_invites": "NOT_ALLOWED"})).await;
    assert_error(
        &mock
            .post(
                INVITE,
                json!({"organization_id": closed, "email_address": "d@acme.com"}),
            )
            .await,
        400,
        "invalid_email_for_invites",
    );
}

#[tokio::test]
async fn magic_links_expire_and_check_pkce() {
    let mock = spawn_frozen().await;
    let org_id = org(&mock, "acme", json!({})).await;
    let ada = member(&mock, &org_id, "ada@acme.com", json!({})).await;

    // A 5-minute link dies at 5 minutes.
    mock.ok_post(ML_SEND, json!({"organization_id": org_id, "email_address": "ada@acme.com", "login_expiration_minutes": 5}))
        .await;
    let short = s(&last_message(&mock, &ada, "magic_link_login").await["token"]);
    mock.advance_clock(300).await;
    assert_error(
        &mock
            .post(ML_AUTH, json!({"magic_links_token": short}))
            .await,
        401,
        "unable_to_auth_magic_link",
    );
    assert_error(
        &mock.post(ML_SEND, json!({"organization_id": org_id, "email_address": "ada@acme.com", "login_expiration_minutes": 4})).await,
        400,
        "invalid_argument",
    );

    // The default lasts 60 minutes.
    let token = magic_link_token(&mock, &org_id, &ada, "ada@acme.com").await;
    mock.advance_clock(3599).await;
    mock.ok_post(ML_AUTH, json!({"magic_links_token": token}))
        .await;

    // PKCE: a refused verifier does not spend the token.
    let verifier = "a-long-random-pkce-code-verifier-0123456789";
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(Sha256::digest(verifier.as_bytes()));
    mock.ok_post(ML_SEND, json!({"organization_id": org_id, "email_address": "ada@acme.com", "pkce_code_challenge": challenge}))
        .await;
    let pkce = s(&last_message(&mock, &ada, "magic_link_login").await["token"]);
    assert_error(
        &mock.post(ML_AUTH, json!({"magic_links_token": pkce})).await,
        400,
        "pkce_mismatch",
    );
    assert_error(
        &mock
            .post(
                ML_AUTH,
                json!({"magic_links_token": pkce, "pkce_code_verifier": "wrong"}),
            )
            .await,
        400,
        "pkce_mismatch",
    );
    mock.ok_post(
        ML_AUTH,
        json!({"magic_links_token": pkce, "pkce_code_verifier": verifier}),
    )
    .await;
}

#[tokio::test]
async fn sandbox_values_behave_as_documented() {
    let mock = spawn_frozen().await;
    let sandbox_org = "organization-test-007d9d4a-deac-4a87-ba0a-e6e8afba4d4b";
    let r = mock
        .ok_post(
            ML_SEND,
            json!({"organization_id": sandbox_org, "email_address": "sandbox@stytch.com"}),
        )
        .await;
    assert_valid("magic_links_email.LoginOrSignupResponse", &r);
    assert_eq!(r["member"]["email_address"], "sandbox@stytch.com");
    let r = mock
        .ok_post(
            INVITE,
            json!({"organization_id": sandbox_org, "email_address": "sandbox@stytch.com"}),
        )
        .await;
    assert_valid("magic_links_email.InviteResponse", &r);
    assert!(
        mock.outbox("channel=email").await.is_empty(),
        "no email for the sandbox address"
    );

    for _ in 0..2 {
        let ok = mock
            .ok_post(
                ML_AUTH,
                json!({"magic_links_token": "DOYoip3rvIMMW5lgItikFK-Ak1CfMsgjuiCyI7uuU94="}),
            )
            .await;
        assert_valid("magic_links.AuthenticateResponse", &ok);
        assert_authenticated(&ok);
        assert_eq!(ok["organization_id"], sandbox_org);
    }
    assert_error(
        &mock
            .post(
                ML_AUTH,
                json!({"magic_links_token": "3pzjQpgksDlGKWEwUq2Up--hCHC_0oamfLHyfspKDFU="}),
            )
            .await,
        401,
        "unable_to_auth_magic_link",
    );
    assert_error(
        &mock
            .post(
                ML_AUTH,
                json!({"magic_links_token": "CprTtwhnRNiMBiUS2jSLcWYrfuO2POeBNdo5HhW6qTM="}),
            )
            .await,
        404,
        "magic_link_not_found",
    );
}

#[tokio::test]
async fn email_otp_codes_are_single_use_and_checked() {
    let mock = spawn_frozen().await;
    let org_id = org(&mock, "acme", json!({})).await;
    let ada = member(
        &mock,
        &org_id,
        "ada@acme.com",
        json!({"create_member_as_pending": true}),
    )
    .await;
    let sent = mock
        .ok_post(
            "/v1/b2b/otps/email/login_or_signup",
            json!({"organization_id": org_id, "email_address": "ada@acme.com"}),
        )
        .await;
    assert_eq!(sent["member_created"], false);
    let code = s(&last_message(&mock, &ada, "email_otp").await["code"]);
    assert_eq!(code.len(), 6);
    let auth = "/v1/b2b/otps/email/authenticate";
    let body = |code: &str| json!({"organization_id": org_id, "email_address": "ada@acme.com", "code": code});
    let wrong = if code == "000000" { "111111" } else { "000000" };
    assert_error(
        &mock.post(auth, body(wrong)).await,
        404,
        "otp_code_not_found",
    );
    let r = mock.ok_post(auth, body(&code)).await;
    assert_authenticated(&r);
    assert_eq!(r["member"]["status"], "active");
    assert_eq!(factor_types(&r), ["email_otp"]);
    assert!(s(&r["method_id"]).starts_with("member-email-test-"));
    assert_error(
        &mock.post(auth, body(&code)).await,
        401,
        "unable_to_auth_otp_code",
    );
}

#[tokio::test]
async fn passwords_strength_migrate_authenticate_and_resets() {
    let mock = spawn_frozen().await;
    let org_id = org(&mock, "acme", json!({})).await;

    // strength_check: zxcvbn, valid at score >= 3
    let weak = mock
        .ok_post(
            "/v1/b2b/passwords/strength_check",
            json!({"password": "password1"}),
        )
        .await;
    assert_valid("passwords.StrengthCheckResponse", &weak);
    assert_eq!(weak["valid_password"], false);
    assert_eq!(weak["strength_policy"], "zxcvbn");
    assert!(weak["luds_feedback"].is_null());
    assert!(weak["zxcvbn_feedback"]["suggestions"].is_array());
    let strong = mock
        .ok_post(
            "/v1/b2b/passwords/strength_check",
            json!({"password": NEW_PASSWORD}),
        )
        .await;
    assert_eq!(strong["valid_password"], true);
    assert!(strong["score"].as_u64().unwrap() >= 3);

    // migrate: bcrypt creates the member, verified, with a password id
    let hash = bcrypt::hash(PASSWORD, 4).unwrap();
    let m = mock
        .ok_post(
            "/v1/b2b/passwords/migrate",
            json!({"organization_id": org_id, "email_address": "ada@acme.com", "hash": hash, "hash_type": "bcrypt", "name": "Ada"}),
        )
        .await;
    assert_valid("passwords.MigrateResponse", &m);
    assert_eq!(m["member_created"], true);
    assert_eq!(m["member"]["email_address_verified"], true);
    assert!(s(&m["member"]["member_password_id"]).starts_with("member-password-test-"));
    assert!(!m.to_string().contains("$2"), "no hash in the response");
    let ada = s(&m["member_id"]);

    // argon2id PHC migrates and authenticates too
    use argon2::password_hash::{PasswordHasher, SaltString};
    let salt = SaltString::encode_b64(b"0123456789abcdef").unwrap();
    let phc = argon2::Argon2::default()
        .hash_password(PASSWORD.as_bytes(), &salt)
        .unwrap()
        .to_string();
    mock.ok_post(
        "/v1/b2b/passwords/migrate",
        json!({"organization_id": org_id, "email_address": "bob@acme.com", "hash": phc, "hash_type": "argon_2id"}),
    )
    .await;
    let auth = "/v1/b2b/passwords/authenticate";
    let creds = |email: &str, pw: &str| json!({"organization_id": org_id, "email_address": email, "password": pw});
    let bob = mock.ok_post(auth, creds("bob@acme.com", PASSWORD)).await;
    assert_eq!(factor_types(&bob), ["password"]);
    assert_eq!(
        bob["member_session"]["authentication_factors"][0]["delivery_method"],
        "knowledge"
    );
    assert_error(
        &mock.post("/v1/b2b/passwords/migrate", json!({"organization_id": org_id, "email_address": "c@acme.com", "hash": "x", "hash_type": "md_5"})).await,
        400,
        "invalid_hash_type",
    );

    // wrong password, unknown email: the same 401
    assert_error(
        &mock.post(auth, creds("ada@acme.com", "wrong")).await,
        401,
        "unauthorized_credentials",
    );
    assert_error(
        &mock.post(auth, creds("nobody@acme.com", PASSWORD)).await,
        401,
        "unauthorized_credentials",
    );

    // reset by email: start (outbox), weak refused, reset revokes the member's sessions
    let before = mock.ok_post(auth, creds("ada@acme.com", PASSWORD)).await;
    let start = mock
        .ok_post(
            "/v1/b2b/passwords/email/reset/start",
            json!({"organization_id": org_id, "email_address": "ada@acme.com"}),
        )
        .await;
    assert_valid("passwords_email.ResetStartResponse", &start);
    let token = s(&last_message(&mock, &ada, "password_reset").await["token"]);
    let reset = "/v1/b2b/passwords/email/reset";
    assert_error(
        &mock
            .post(
                reset,
                json!({"password_reset_token": token, "password": "password1"}),
            )
            .await,
        400,
        "weak_password",
    );
    let r = mock
        .ok_post(
            reset,
            json!({"password_reset_token": token, "password": NEW_PASSWORD}),
        )
        .await;
    assert_valid("passwords_email.ResetResponse", &r);
    assert_eq!(factor_types(&r), ["magic_link", "password"]);
    assert_error(
        &mock
            .post(
                reset,
                json!({"password_reset_token": token, "password": NEW_PASSWORD}),
            )
            .await,
        401,
        "unable_to_auth_magic_link",
    );
    assert_error(
        &mock
            .post(
                "/v1/b2b/sessions/authenticate",
                json!({"session_token": before["session_token"]}),
            )
            .await,
        404,
        "session_not_found",
    );
    assert_error(
        &mock.post(auth, creds("ada@acme.com", PASSWORD)).await,
        401,
        "unauthorized_credentials",
    );
    mock.ok_post(auth, creds("ada@acme.com", NEW_PASSWORD))
        .await;
    assert_error(
        &mock
            .post(
                "/v1/b2b/passwords/email/reset/start",
                json!({"organization_id": org_id, "email_address": "zed@acme.com"}),
            )
            .await,
        404,
        "member_not_found",
    );

    // existing password reset: no organization_id field; old password checked
    let ex = "/v1/b2b/passwords/existing_password/reset";
    let body = |old: &str, new: &str| json!({"organization_id": org_id, "email_address": "ada@acme.com", "existing_password": old, "new_password": new});
    assert_error(
        &mock.post(ex, body("wrong", PASSWORD)).await,
        401,
        "unauthorized_credentials",
    );
    assert_error(
        &mock.post(ex, body(NEW_PASSWORD, "abc")).await,
        400,
        "weak_password",
    );
    let r = mock.ok_post(ex, body(NEW_PASSWORD, PASSWORD)).await;
    assert_valid("passwords_existing_password.ResetResponse", &r);
    assert!(r.get("organization_id").is_none());
}

#[tokio::test]
async fn session_reset_needs_a_recent_factor_and_keeps_the_session() {
    let mock = spawn_frozen().await;
    let org_id = org(&mock, "acme", json!({})).await;
    member(&mock, &org_id, "ada@acme.com", json!({})).await;
    set_password(&mock, &org_id, "ada@acme.com").await;
    let login = mock
        .ok_post("/v1/b2b/passwords/authenticate", json!({"organization_id": org_id, "email_address": "ada@acme.com", "password": PASSWORD}))
        .await;
    let other = mock
        .ok_post("/v1/b2b/passwords/authenticate", json!({"organization_id": org_id, "email_address": "ada@acme.com", "password": PASSWORD}))
        .await;
    let path = "/v1/b2b/passwords/session/reset";
    let r = mock
        .ok_post(path, json!({"organization_id": org_id, "password": NEW_PASSWORD, "session_token": login["session_token"]}))
        .await;
    assert_valid("passwords_session.ResetResponse", &r);
    assert_authenticated(&r);
    assert_eq!(
        r["member_session"]["member_session_id"],
        login["member_session"]["member_session_id"]
    );
    assert!(r.get("primary_required").is_none());
    assert_error(
        &mock
            .post(
                "/v1/b2b/sessions/authenticate",
                json!({"session_token": other["session_token"]}),
            )
            .await,
        404,
        "session_not_found",
    );

    mock.advance_clock(301).await;
    assert_error(
        &mock.post(path, json!({"organization_id": org_id, "password": PASSWORD, "session_token": login["session_token"]})).await,
        400,
        "session_too_old_to_reset_password",
    );
}

#[tokio::test]
async fn sso_and_oauth_provision_just_in_time_and_spend_tokens_once() {
    let mock = spawn_frozen().await;
    let open = org(&mock, "open", json!({})).await; // sso_jit_provisioning ALL_ALLOWED by default

    // SSO: JIT member, active and verified, with a registration; reset_session singular
    let t = mock
        .ok_post(
            "/_mock/sso/token",
            json!({"organization_id": open, "email_address": "sam@corp.com"}),
        )
        .await;
    let r = mock
        .ok_post("/v1/b2b/sso/authenticate", json!({"sso_token": t["token"]}))
        .await;
    assert_valid("sso.AuthenticateResponse", &r);
    assert_eq!(r["reset_session"], false);
    assert_eq!(r["member"]["status"], "active");
    assert_eq!(
        r["member"]["sso_registrations"][0]["connection_id"],
        t["connection_id"]
    );
    assert_eq!(
        r["member_session"]["authentication_factors"][0]["delivery_method"],
        "sso_saml"
    );
    assert_error(
        &mock
            .post("/v1/b2b/sso/authenticate", json!({"sso_token": t["token"]}))
            .await,
        401,
        "unable_to_auth_sso_token",
    );
    assert_error(
        &mock
            .post("/v1/b2b/sso/authenticate", json!({"sso_token": "nope"}))
            .await,
        404,
        "sso_token_not_found",
    );
    let oidc = mock
        .ok_post(
            "/_mock/sso/token",
            json!({"organization_id": open, "email_address": "sam@corp.com", "connection_id": "oidc-connection-test-1"}),
        )
        .await;
    let r = mock
        .ok_post(
            "/v1/b2b/sso/authenticate",
            json!({"sso_token": oidc["token"]}),
        )
        .await;
    assert_eq!(
        r["member_session"]["authentication_factors"][0]["oidc_sso_factor"]["provider_id"],
        "oidc-connection-test-1"
    );
    assert_eq!(
        r["member"]["sso_registrations"].as_array().unwrap().len(),
        2
    );
    let closed = org(
        &mock,
        "closed",
        json!({"sso_jit_provisioning": "NOT_ALLOWED"}),
    )
    .await;
    let t = mock
        .ok_post(
            "/_mock/sso/token",
            json!({"organization_id": closed, "email_address": "sam@corp.com"}),
        )
        .await;
    assert_error(
        &mock
            .post("/v1/b2b/sso/authenticate", json!({"sso_token": t["token"]}))
            .await,
        403,
        "sso_jit_provisioning_not_allowed",
    );

    // OAuth: JIT only by allowed email domain; provider fields
    let t = mock
        .ok_post(
            "/_mock/oauth/token",
            json!({"organization_id": open, "email_address": "gil@corp.com", "provider": "github"}),
        )
        .await;
    assert_error(
        &mock
            .post(
                "/v1/b2b/oauth/authenticate",
                json!({"oauth_token": t["token"]}),
            )
            .await,
        400,
        "invalid_email_for_jit_provisioning",
    );
    let jit = org(
        &mock,
        "jit",
        json!({"email_jit_provisioning": "RESTRICTED", "email_allowed_domains": ["corp.com"]}),
    )
    .await;
    let t = mock
        .ok_post(
            "/_mock/oauth/token",
            json!({"organization_id": jit, "email_address": "gil@corp.com", "provider": "github"}),
        )
        .await;
    let r = mock
        .ok_post(
            "/v1/b2b/oauth/authenticate",
            json!({"oauth_token": t["token"]}),
        )
        .await;
    assert_valid("oauth.AuthenticateResponse", &r);
    assert_eq!(r["provider_type"], "GitHub");
    assert_eq!(r["reset_sessions"], false);
    assert_eq!(
        r["member"]["email_address_verified"], false,
        "GitHub does not verify the email"
    );
    assert_eq!(
        r["member"]["oauth_registrations"][0]["provider_subject"],
        r["provider_subject"]
    );
    assert_eq!(
        r["member_session"]["authentication_factors"][0]["delivery_method"],
        "oauth_github"
    );
    assert!(r["provider_values"]["scopes"].is_array());
    assert_error(
        &mock
            .post(
                "/v1/b2b/oauth/authenticate",
                json!({"oauth_token": t["token"]}),
            )
            .await,
        401,
        "unable_to_auth_oauth_token",
    );
    assert_error(
        &mock.post("/_mock/oauth/token", json!({"organization_id": jit, "email_address": "gil@corp.com", "provider": "myspace"})).await,
        400,
        "invalid_argument",
    );
}

#[tokio::test]
async fn an_ist_accumulates_factors_and_comes_back_while_pending() {
    let mock = spawn_frozen().await;
    // Primary needs SSO, then MFA: magic link alone is not enough.
    let org_id = org(
        &mock,
        "acme",
        json!({"mfa_policy": "REQUIRED_FOR_ALL", "auth_methods": "RESTRICTED", "allowed_auth_methods": ["sso"]}),
    )
    .await;
    let ada = member(&mock, &org_id, "ada@acme.com", json!({})).await;
    verified_phone(&mock, &ada).await;

    let token = magic_link_token(&mock, &org_id, &ada, "ada@acme.com").await;
    let first = mock
        .ok_post(ML_AUTH, json!({"magic_links_token": token}))
        .await;
    assert_pending(&first);
    assert_eq!(
        first["primary_required"],
        json!({"allowed_auth_methods": ["sso"]})
    );
    assert!(first["mfa_required"].is_null());
    assert!(
        mock.outbox("channel=sms").await.is_empty(),
        "no SMS while a primary factor is owed"
    );
    let ist = s(&first["intermediate_session_token"]);

    mock.advance_clock(60).await;
    let t = mock
        .ok_post(
            "/_mock/sso/token",
            json!({"organization_id": org_id, "email_address": "ada@acme.com"}),
        )
        .await;
    let second = mock
        .ok_post(
            "/v1/b2b/sso/authenticate",
            json!({"sso_token": t["token"], "intermediate_session_token": ist}),
        )
        .await;
    assert_pending(&second);
    assert_eq!(
        second["intermediate_session_token"],
        ist.as_str(),
        "R7: the same IST comes back"
    );
    assert_eq!(
        second["intermediate_session_token_expires_at"],
        first["intermediate_session_token_expires_at"]
    );
    assert!(second["primary_required"].is_null());
    assert_eq!(
        second["mfa_required"]["secondary_auth_initiated"],
        "sms_otp"
    );
    assert_eq!(
        second["mfa_required"]["member_options"]["mfa_phone_number"],
        PHONE
    );
    assert_eq!(mock.outbox("channel=sms").await.len(), 1);

    // When the requirements are met, the IST is consumed and the session has every factor.
    let optional = org(
        &mock,
        "optional",
        json!({"auth_methods": "RESTRICTED", "allowed_auth_methods": ["sso"]}),
    )
    .await;
    let bob = member(&mock, &optional, "bob@acme.com", json!({})).await;
    let token = magic_link_token(&mock, &optional, &bob, "bob@acme.com").await;
    let pending = mock
        .ok_post(ML_AUTH, json!({"magic_links_token": token}))
        .await;
    let ist = s(&pending["intermediate_session_token"]);
    let t = mock
        .ok_post(
            "/_mock/sso/token",
            json!({"organization_id": optional, "email_address": "bob@acme.com"}),
        )
        .await;
    let done = mock
        .ok_post(
            "/v1/b2b/sso/authenticate",
            json!({"sso_token": t["token"], "intermediate_session_token": ist}),
        )
        .await;
    assert_authenticated(&done);
    assert_eq!(factor_types(&done), ["magic_link", "sso"]);
    let t = mock
        .ok_post(
            "/_mock/sso/token",
            json!({"organization_id": optional, "email_address": "bob@acme.com"}),
        )
        .await;
    assert_error(
        &mock
            .post(
                "/v1/b2b/sso/authenticate",
                json!({"sso_token": t["token"], "intermediate_session_token": ist}),
            )
            .await,
        404,
        "intermediate_session_not_found",
    );

    // An IST of another email address is refused.
    let carol = member(&mock, &org_id, "carol@acme.com", json!({})).await;
    let token = magic_link_token(&mock, &org_id, &carol, "carol@acme.com").await;
    let theirs = mock
        .ok_post(ML_AUTH, json!({"magic_links_token": token}))
        .await;
    let t = mock
        .ok_post(
            "/_mock/sso/token",
            json!({"organization_id": org_id, "email_address": "ada@acme.com"}),
        )
        .await;
    assert_error(
        &mock.post("/v1/b2b/sso/authenticate", json!({"sso_token": t["token"], "intermediate_session_token": theirs["intermediate_session_token"]})).await,
        404,
        "intermediate_session_not_found",
    );
}

#[tokio::test]
async fn a_session_of_the_same_member_skips_mfa_and_gains_the_factor() {
    let mock = spawn_frozen().await;
    let org_id = org(&mock, "acme", json!({})).await;
    let ada = member(&mock, &org_id, "ada@acme.com", json!({})).await;
    let bob = member(&mock, &org_id, "bob@acme.com", json!({})).await;
    verified_phone(&mock, &ada).await;
    set_password(&mock, &org_id, "ada@acme.com").await;
    let token = magic_link_token(&mock, &org_id, &ada, "ada@acme.com").await;
    let session = mock
        .ok_post(ML_AUTH, json!({"magic_links_token": token}))
        .await;
    let bob_token = magic_link_token(&mock, &org_id, &bob, "bob@acme.com").await;
    let bob_session = mock
        .ok_post(ML_AUTH, json!({"magic_links_token": bob_token}))
        .await;

    // The organization starts requiring MFA: existing sessions stay valid (R1).
    mock.put(
        &format!("/v1/b2b/organizations/{org_id}"),
        json!({"mfa_policy": "REQUIRED_FOR_ALL"}),
    )
    .await;
    let creds =
        json!({"organization_id": org_id, "email_address": "ada@acme.com", "password": PASSWORD});
    let mut with_session = creds.clone();
    with_session["session_jwt"] = session["session_jwt"].clone();
    let r = mock
        .ok_post("/v1/b2b/passwords/authenticate", with_session)
        .await;
    assert_authenticated(&r);
    assert_eq!(
        r["member_session"]["member_session_id"],
        session["member_session"]["member_session_id"]
    );
    assert_eq!(factor_types(&r), ["magic_link", "password"]);
    assert!(mock.outbox("channel=sms").await.is_empty());

    // Another member's session is ignored: MFA is owed as usual.
    let mut with_bobs = creds.clone();
    with_bobs["session_token"] = bob_session["session_token"].clone();
    let r = mock
        .ok_post("/v1/b2b/passwords/authenticate", with_bobs)
        .await;
    assert_pending(&r);
    assert_eq!(r["mfa_required"]["secondary_auth_initiated"], "sms_otp");

    // Both a token and a JWT is an error; a dead session too.
    let mut both = creds.clone();
    both["session_token"] = session["session_token"].clone();
    both["session_jwt"] = session["session_jwt"].clone();
    assert_error(
        &mock.post("/v1/b2b/passwords/authenticate", both).await,
        400,
        "too_many_session_arguments",
    );
    let mut dead = creds.clone();
    dead["session_token"] = json!("x".repeat(44));
    assert_error(
        &mock.post("/v1/b2b/passwords/authenticate", dead).await,
        404,
        "session_not_found",
    );
    let mut bad_duration = creds;
    bad_duration["session_duration_minutes"] = json!(4);
    assert_error(
        &mock
            .post("/v1/b2b/passwords/authenticate", bad_duration)
            .await,
        400,
        "invalid_session_duration_minutes",
    );
}

#[tokio::test]
async fn an_ist_is_exchanged_into_another_organization() {
    let mock = spawn_frozen().await;
    let strict = org(&mock, "strict", json!({"mfa_policy": "REQUIRED_FOR_ALL"})).await;
    let ada = member(&mock, &strict, "ada@acme.com", json!({})).await;
    let token = magic_link_token(&mock, &strict, &ada, "ada@acme.com").await;
    let pending = mock
        .ok_post(ML_AUTH, json!({"magic_links_token": token}))
        .await;
    assert_eq!(
        pending["mfa_required"],
        json!({"member_options": null, "secondary_auth_initiated": null})
    );
    let ist = s(&pending["intermediate_session_token"]);
    let exchange = "/v1/b2b/discovery/intermediate_sessions/exchange";

    // Another organization that also requires MFA: the same IST comes back.
    let other_strict = org(
        &mock,
        "other-strict",
        json!({"mfa_policy": "REQUIRED_FOR_ALL"}),
    )
    .await;
    member(&mock, &other_strict, "ada@acme.com", json!({})).await;
    let r = mock
        .ok_post(
            exchange,
            json!({"intermediate_session_token": ist, "organization_id": other_strict}),
        )
        .await;
    assert_valid("discovery_intermediate_sessions.ExchangeResponse", &r);
    assert_pending(&r);
    assert_eq!(r["intermediate_session_token"], ist.as_str());

    // No membership and no JIT: refused.
    let closed = org(&mock, "closed", json!({})).await;
    assert_error(
        &mock
            .post(
                exchange,
                json!({"intermediate_session_token": ist, "organization_id": closed}),
            )
            .await,
        400,
        "invalid_email_for_jit_provisioning",
    );

    // An OPTIONAL organization admits by JIT: a session, and the IST is spent.
    let jit = org(
        &mock,
        "jit",
        json!({"email_jit_provisioning": "RESTRICTED", "email_allowed_domains": ["acme.com"]}),
    )
    .await;
    let r = mock
        .ok_post(
            exchange,
            json!({"intermediate_session_token": ist, "organization_id": jit}),
        )
        .await;
    assert_valid("discovery_intermediate_sessions.ExchangeResponse", &r);
    assert_authenticated(&r);
    assert_eq!(r["member"]["organization_id"], jit.as_str());
    assert_eq!(factor_types(&r), ["magic_link"]);
    assert_error(
        &mock
            .post(
                exchange,
                json!({"intermediate_session_token": ist, "organization_id": jit}),
            )
            .await,
        404,
        "intermediate_session_not_found",
    );
}
