//! Helpers for the primary-auth and session tests: drive each primary endpoint the way a client
//! would (send a link / mint an IdP token, read the outbox, authenticate), give a member MFA
//! factors, and check the §2.6 response shape.
//!
//! Factors are set by writing the member row directly (a verified phone, an active TOTP id):
//! the subject here is what primary auth *decides* given the factors, not how they are enrolled.

#![allow(dead_code)]

use serde_json::{Value, json};

use crate::helpers::{TestMock, merge};

pub const PHONE: &str = "+14155552671";
pub const TOTP_ID: &str = "member-totp-test-00000000-0000-4000-8000-000000000001";
pub const PASSWORD: &str = "Tr0ub4dor&3-correct-horse";
pub const NEW_PASSWORD: &str = "battery-Staple-9!-zebra-quartz";

/// The seven primary endpoints of the seed guide, plus organization-scoped email OTP.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endpoint {
    MagicLink,
    Password,
    Sso,
    Oauth,
    SessionExchange,
    PasswordResetByEmail,
    ExistingPasswordReset,
    EmailOtp,
}

impl Endpoint {
    pub const ALL: [Endpoint; 8] = [
        Endpoint::MagicLink,
        Endpoint::Password,
        Endpoint::Sso,
        Endpoint::Oauth,
        Endpoint::SessionExchange,
        Endpoint::PasswordResetByEmail,
        Endpoint::ExistingPasswordReset,
        Endpoint::EmailOtp,
    ];

    /// The `allowed_auth_methods` name of the factor this endpoint proves.
    pub fn method(self) -> &'static str {
        match self {
            Endpoint::MagicLink | Endpoint::SessionExchange => "magic_link",
            Endpoint::Password
            | Endpoint::ExistingPasswordReset
            | Endpoint::PasswordResetByEmail => "password",
            Endpoint::Sso => "sso",
            Endpoint::Oauth => "google_oauth",
            Endpoint::EmailOtp => "email_otp",
        }
    }

    /// An allowed-methods list that excludes this endpoint's method(s).
    pub fn other_method(self) -> &'static str {
        match self {
            Endpoint::Sso => "password",
            _ => "sso",
        }
    }

    /// The schema file of the success body.
    pub fn schema(self) -> &'static str {
        match self {
            Endpoint::MagicLink => "magic_links.AuthenticateResponse",
            Endpoint::Password => "passwords.AuthenticateResponse",
            Endpoint::Sso => "sso.AuthenticateResponse",
            Endpoint::Oauth => "oauth.AuthenticateResponse",
            Endpoint::SessionExchange => "sessions.ExchangeResponse",
            Endpoint::PasswordResetByEmail => "passwords_email.ResetResponse",
            Endpoint::ExistingPasswordReset => "passwords_existing_password.ResetResponse",
            // Same shape as magic links (primary-auth + method_id); reset_sessions is extra there.
            Endpoint::EmailOtp => "passwords.AuthenticateResponse",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Endpoint::MagicLink => "magic_link",
            Endpoint::Password => "password",
            Endpoint::Sso => "sso",
            Endpoint::Oauth => "oauth",
            Endpoint::SessionExchange => "session_exchange",
            Endpoint::PasswordResetByEmail => "password_reset_by_email",
            Endpoint::ExistingPasswordReset => "existing_password_reset",
            Endpoint::EmailOtp => "email_otp",
        }
    }
}

pub fn s(v: &Value) -> String {
    v.as_str()
        .unwrap_or_else(|| panic!("not a string: {v}"))
        .to_owned()
}

/// Create an organization; returns its id.
pub async fn org(mock: &TestMock, slug: &str, settings: Value) -> String {
    s(&mock
        .create_org(&format!("Org {slug}"), slug, settings)
        .await["organization_id"])
}

/// Create a member; returns its id.
pub async fn member(mock: &TestMock, org_id: &str, email: &str, settings: Value) -> String {
    s(&mock.create_member(org_id, email, settings).await["member_id"])
}

/// Change stored member fields directly (factor state the factor endpoints would set).
pub async fn patch_member(mock: &TestMock, member_id: &str, patch: Value) {
    let pool = &mock.server.state.db.sqlx;
    for (k, v) in patch.as_object().unwrap() {
        sqlx::query("UPDATE members SET data = json_set(data, ?, json(?)) WHERE member_id = ?")
            .bind(format!("$.{k}"))
            .bind(v.to_string())
            .bind(member_id)
            .execute(pool)
            .await
            .unwrap();
    }
}

/// Give the member a verified MFA phone.
pub async fn verified_phone(mock: &TestMock, member_id: &str) {
    patch_member(
        mock,
        member_id,
        json!({"mfa_phone_number": PHONE, "mfa_phone_number_verified": true}),
    )
    .await;
}

/// Give the member an active TOTP registration (by id only).
pub async fn active_totp(mock: &TestMock, member_id: &str) {
    patch_member(mock, member_id, json!({"totp_registration_id": TOTP_ID})).await;
}

/// The newest outbox message of `kind` for `member_id`.
pub async fn last_message(mock: &TestMock, member_id: &str, kind: &str) -> Value {
    let msgs = mock
        .outbox(&format!("member_id={member_id}&kind={kind}"))
        .await;
    msgs.first()
        .unwrap_or_else(|| panic!("no {kind} message for {member_id}"))
        .clone()
}

/// Give the member a password through `passwords.migrate` (a bcrypt hash made here).
pub async fn set_password(mock: &TestMock, org_id: &str, email: &str) {
    let hash = bcrypt::hash(PASSWORD, 4).unwrap();
    mock.ok_post(
        "/v1/b2b/passwords/migrate",
        json!({"organization_id": org_id, "email_address": email, "hash": hash, "hash_type": "bcrypt"}),
    )
    .await;
}

/// A magic-link token for the member (login_or_signup, then the outbox).
pub async fn magic_link_token(
    mock: &TestMock,
    org_id: &str,
    member_id: &str,
    email: &str,
) -> String {
    mock.ok_post(
        "/v1/b2b/magic_links/email/login_or_signup",
        json!({"organization_id": org_id, "email_address": email}),
    )
    .await;
    let msgs = mock
        .outbox(&format!("member_id={member_id}&channel=email"))
        .await;
    s(&msgs[0]["token"])
}

/// A full session of `email` in a fresh OPTIONAL organization `slug` (via magic link); returns
/// `(session_token, session_jwt)`.
pub async fn session_elsewhere(mock: &TestMock, slug: &str, email: &str) -> (String, String) {
    let org_id = org(mock, slug, json!({})).await;
    let member_id = member(mock, &org_id, email, json!({})).await;
    let token = magic_link_token(mock, &org_id, &member_id, email).await;
    let r = mock
        .ok_post(
            "/v1/b2b/magic_links/authenticate",
            json!({"magic_links_token": token}),
        )
        .await;
    (s(&r["session_token"]), s(&r["session_jwt"]))
}

/// Everything an endpoint needs before its authenticate call (tokens, passwords, a session in
/// another organization); then the call itself. `extra` is merged into the final body (session
/// arguments, IST, duration). Returns status and body of the primary-auth call.
pub async fn run(
    mock: &TestMock,
    ep: Endpoint,
    org_id: &str,
    member_id: &str,
    email: &str,
    extra: Value,
) -> (u16, Value) {
    let (path, mut body) = prepare(mock, ep, org_id, member_id, email).await;
    merge(&mut body, extra);
    mock.post(path, body).await
}

/// The path and body of the primary-auth call, after its preparation steps.
pub async fn prepare(
    mock: &TestMock,
    ep: Endpoint,
    org_id: &str,
    member_id: &str,
    email: &str,
) -> (&'static str, Value) {
    match ep {
        Endpoint::MagicLink => {
            let token = magic_link_token(mock, org_id, member_id, email).await;
            (
                "/v1/b2b/magic_links/authenticate",
                json!({"magic_links_token": token}),
            )
        }
        Endpoint::Password => {
            set_password(mock, org_id, email).await;
            (
                "/v1/b2b/passwords/authenticate",
                json!({"organization_id": org_id, "email_address": email, "password": PASSWORD}),
            )
        }
        Endpoint::Sso => {
            let t = mock
                .ok_post(
                    "/_mock/sso/token",
                    json!({"organization_id": org_id, "email_address": email}),
                )
                .await;
            ("/v1/b2b/sso/authenticate", json!({"sso_token": t["token"]}))
        }
        Endpoint::Oauth => {
            let t = mock
                .ok_post("/_mock/oauth/token", json!({"organization_id": org_id, "email_address": email, "provider": "google"}))
                .await;
            (
                "/v1/b2b/oauth/authenticate",
                json!({"oauth_token": t["token"]}),
            )
        }
        Endpoint::SessionExchange => {
            let (token, _) = session_elsewhere(
                mock,
                &format!("elsewhere-{}", &member_id[member_id.len() - 8..]),
                email,
            )
            .await;
            (
                "/v1/b2b/sessions/exchange",
                json!({"organization_id": org_id, "session_token": token}),
            )
        }
        Endpoint::PasswordResetByEmail => {
            mock.ok_post(
                "/v1/b2b/passwords/email/reset/start",
                json!({"organization_id": org_id, "email_address": email}),
            )
            .await;
            let token = s(&last_message(mock, member_id, "password_reset").await["token"]);
            (
                "/v1/b2b/passwords/email/reset",
                json!({"password_reset_token": token, "password": NEW_PASSWORD}),
            )
        }
        Endpoint::ExistingPasswordReset => {
            set_password(mock, org_id, email).await;
            (
                "/v1/b2b/passwords/existing_password/reset",
                json!({"organization_id": org_id, "email_address": email, "existing_password": PASSWORD,
                       "new_password": NEW_PASSWORD}),
            )
        }
        Endpoint::EmailOtp => {
            mock.ok_post(
                "/v1/b2b/otps/email/login_or_signup",
                json!({"organization_id": org_id, "email_address": email}),
            )
            .await;
            let code = s(&last_message(mock, member_id, "email_otp").await["code"]);
            (
                "/v1/b2b/otps/email/authenticate",
                json!({"organization_id": org_id, "email_address": email, "code": code}),
            )
        }
    }
}

/// §2.6 invariants of a fully authenticated answer.
#[track_caller]
pub fn assert_authenticated(body: &Value) {
    assert_eq!(body["member_authenticated"], true, "{body:#}");
    assert!(
        body["session_token"]
            .as_str()
            .is_some_and(|t| t.len() == 44),
        "{body:#}"
    );
    assert!(
        body["session_jwt"]
            .as_str()
            .is_some_and(|t| t.split('.').count() == 3),
        "{body:#}"
    );
    assert!(body["member_session"].is_object(), "{body:#}");
    assert_eq!(body["intermediate_session_token"], "", "{body:#}");
    assert!(body["mfa_required"].is_null(), "{body:#}");
    assert!(body["primary_required"].is_null(), "{body:#}");
}

/// §2.6 invariants of a pending answer (MFA or another primary factor owed).
#[track_caller]
pub fn assert_pending(body: &Value) {
    assert_eq!(body["member_authenticated"], false, "{body:#}");
    assert_eq!(body["session_token"], "", "{body:#}");
    assert_eq!(body["session_jwt"], "", "{body:#}");
    assert!(body["member_session"].is_null(), "{body:#}");
    assert!(
        body["intermediate_session_token"]
            .as_str()
            .is_some_and(|t| t.len() == 44),
        "{body:#}"
    );
    assert!(
        body["intermediate_session_token_expires_at"].is_string(),
        "{body:#}"
    );
}
