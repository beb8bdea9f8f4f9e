//! Helpers for the MFA tests (SMS OTP, TOTP, recovery codes): set up an organization and member,
//! obtain what primary authentication would hand out (an IST, or a session with only the primary
//! factor), read codes, and check the MFA response shape.
//!
//! The end-to-end flows start from a real magic-link login over HTTP ([`magic_link_login`]). The
//! focused tests (refusals, clocks, locks) use [`primary_ist`] and [`primary_session`] instead:
//! they issue an IST / a session carrying a `magic_link` factor through the mock's own kernel
//! (`Intermediate::issue`, `Session::mint`) as the magic-link route does, without the SMS that a
//! login auto-sends to an enrolled member — which would replace the code a test is holding.

#![allow(dead_code)]

use mock_stytch::model::intermediate::Intermediate;
use mock_stytch::model::session::Session;
use mock_stytch::model::{Member, Organization, factor};
use serde_json::{Value, json};

use crate::helpers::{TestMock, assert_error, merge};
use crate::schema::assert_valid;

pub const PHONE: &str = "+14155552671";
pub const OTHER_PHONE: &str = "+447911123456";

/// An organization (slug `acme`, name `Acme Inc`) with `org_settings`, and a member
/// `ada@acme.com` with `member_settings`; returns `(organization_id, member_id)`.
pub async fn org_and_member(
    mock: &TestMock,
    org_settings: Value,
    member_settings: Value,
) -> (String, String) {
    let org = mock.create_org("Acme Inc", "acme", org_settings).await;
    let org_id = org["organization_id"].as_str().unwrap().to_owned();
    let member = mock
        .create_member(&org_id, "ada@acme.com", member_settings)
        .await;
    (org_id, member["member_id"].as_str().unwrap().to_owned())
}

/// The arrangement most MFA tests start from: an organization whose `mfa_policy` is
/// `REQUIRED_FOR_ALL`, and `ada@acme.com` in it without any factor yet; `(org_id, member_id)`.
pub async fn required_org_and_member(mock: &TestMock) -> (String, String) {
    org_and_member(mock, json!({"mfa_policy": "REQUIRED_FOR_ALL"}), json!({})).await
}

/// [`required_org_and_member`], then a magic-link login over HTTP that still owes MFA;
/// `(org_id, member_id, intermediate_session_token)`.
pub async fn required_login(mock: &TestMock) -> (String, String, String) {
    let (org, m) = required_org_and_member(mock).await;
    let ist = pending_ist(&magic_link_login(mock, &org, &m, json!({})).await);
    (org, m, ist)
}

/// [`required_org_and_member`] holding a [`primary_ist`] (no login, so no SMS was sent);
/// `(org_id, member_id, intermediate_session_token)`.
pub async fn required_primary_ist(mock: &TestMock) -> (String, String, String) {
    let (org, m) = required_org_and_member(mock).await;
    let ist = primary_ist(mock, &org, &m).await;
    (org, m, ist)
}

/// A second member of the same organization.
pub async fn another_member(mock: &TestMock, org_id: &str, email: &str) -> String {
    mock.create_member(org_id, email, json!({})).await["member_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn load(mock: &TestMock, org_id: &str, member_id: &str) -> (Member, Organization) {
    let mut conn = mock.server.state.db.pool.acquire().await.unwrap();
    let org = Organization::get(&mut conn, org_id).await.unwrap();
    let member = Member::get(&mut conn, org_id, member_id).await.unwrap();
    (member, org)
}

/// The IST a primary authentication (magic link) that still owes MFA would return.
pub async fn primary_ist(mock: &TestMock, org_id: &str, member_id: &str) -> String {
    let state = &mock.server.state;
    let (member, org) = load(mock, org_id, member_id).await;
    let mut tx = state.db.write().await.unwrap();
    let f = factor::magic_link(&state.ids, &member, state.clock.now_ts());
    let ist = Intermediate::issue(
        &mut tx,
        state,
        Some(&member.member_id),
        Some(&org.organization_id),
        &member.email_address,
        vec![f],
        None,
    )
    .await
    .unwrap();
    tx.commit(&state.ids).await.unwrap();
    ist.token
}

/// A full session with only the primary (magic link) factor: what an OPTIONAL organization gives
/// a member who is not enrolled. Returns `(session_token, session_jwt)`.
pub async fn primary_session(mock: &TestMock, org_id: &str, member_id: &str) -> (String, String) {
    let state = &mock.server.state;
    let (member, org) = load(mock, org_id, member_id).await;
    let mut tx = state.db.write().await.unwrap();
    let f = factor::magic_link(&state.ids, &member, state.clock.now_ts());
    let minted = Session::mint(&mut tx, state, &member, &org, vec![f], None, None)
        .await
        .unwrap();
    let done = tx.commit(&state.ids).await.unwrap();
    let jwt = minted.jwt.sign(state, done).await.unwrap();
    (minted.session.session_token, jwt)
}

/// The schema of a successful answer of an MFA route (CONTRACT §7).
pub fn schema_for(path: &str) -> &'static str {
    match path {
        "/v1/b2b/otps/sms/send" => "otp_sms.SendResponse",
        "/v1/b2b/otps/sms/authenticate" => "otp_sms.AuthenticateResponse",
        "/v1/b2b/totp" => "totps.CreateResponse",
        "/v1/b2b/totp/authenticate" => "totps.AuthenticateResponse",
        "/v1/b2b/totp/migrate" => "totps.MigrateResponse",
        "/v1/b2b/recovery_codes/recover" => "recovery_codes.RecoverResponse",
        "/v1/b2b/recovery_codes/rotate" => "recovery_codes.RotateResponse",
        other => panic!("no schema known for {other}"),
    }
}

/// POSTs to the MFA routes that must succeed: 200, and the body valid against its schema.
pub trait MfaCalls {
    async fn ok_mfa(&self, path: &str, body: Value) -> Value;
}

impl MfaCalls for TestMock {
    async fn ok_mfa(&self, path: &str, body: Value) -> Value {
        let (status, v) = self.post(path, body).await;
        assert_eq!(status, 200, "POST {path} failed: {v}");
        assert_valid(schema_for(path), &v);
        v
    }
}

/// The factor types of a live session, read from the store (not from a response).
pub async fn stored_session_factor_types(mock: &TestMock, session_token: &str) -> Vec<String> {
    let state = &mock.server.state;
    let mut conn = state.db.pool.acquire().await.unwrap();
    let s = Session::by_token(&mut conn, state, session_token)
        .await
        .expect("session is live");
    s.factors
        .iter()
        .map(|f| f["type"].as_str().unwrap().to_owned())
        .collect()
}

/// The code of the newest SMS to this member.
pub async fn last_sms_code(mock: &TestMock, member_id: &str) -> String {
    let msgs = mock
        .outbox(&format!("member_id={member_id}&channel=sms&kind=sms_otp"))
        .await;
    msgs.first().expect("an SMS was sent")["code"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The current TOTP code of the member's registration, from the control helper.
pub async fn totp_code(mock: &TestMock, org_id: &str, member_id: &str) -> String {
    let v = mock
        .ok_get(&format!(
            "/_mock/totp/code?organization_id={org_id}&member_id={member_id}"
        ))
        .await;
    v["code"].as_str().unwrap().to_owned()
}

/// An RFC 6238 code computed independently of the mock (SHA-1, 6 digits, 30 s) at `at`.
pub fn code_for(secret_b32: &str, at: i64) -> String {
    let bytes = totp_rs::Secret::Encoded(secret_b32.to_owned())
        .to_bytes()
        .expect("base32 secret");
    totp_rs::TOTP::new_unchecked(totp_rs::Algorithm::SHA1, 6, 1, 30, bytes).generate(at as u64)
}

/// The virtual now of the mock, in epoch seconds.
pub fn now(mock: &TestMock) -> i64 {
    mock.server.state.clock.now_ts()
}

/// The fields every MFA call names the member with, plus `extra`.
pub fn body(org_id: &str, member_id: &str, extra: Value) -> Value {
    let mut b = json!({"organization_id": org_id, "member_id": member_id});
    merge(&mut b, extra);
    b
}

/// Assert a successful MFA authenticate answer: schema-valid for `schema`, no IST fields,
/// tokens present, and the session lists exactly `factor_types` (in order). Returns the body.
#[track_caller]
pub fn assert_mfa_session(resp: &(u16, Value), schema: &str, factor_types: &[&str]) -> Value {
    let (status, b) = resp;
    assert_eq!(*status, 200, "{b}");
    assert_valid(schema, b);
    for absent in [
        "intermediate_session_token",
        "mfa_required",
        "member_authenticated",
        "primary_required",
    ] {
        assert!(
            b.get(absent).is_none(),
            "{absent} must not be in an MFA authenticate answer: {b}"
        );
    }
    assert_eq!(b["session_token"].as_str().unwrap().len(), 44, "{b}");
    assert_eq!(
        b["session_jwt"].as_str().unwrap().split('.').count(),
        3,
        "{b}"
    );
    let types: Vec<&str> = b["member_session"]["authentication_factors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, factor_types, "{b}");
    assert_eq!(b["member_session"]["member_id"], b["member_id"]);
    b.clone()
}

/// `otps.sms.send` to `phone` with the IST, as SMS enrollment starts; returns the answer.
pub async fn send_sms_with_ist(
    mock: &TestMock,
    org_id: &str,
    member_id: &str,
    phone: &str,
    ist: &str,
) -> Value {
    mock.ok_mfa(
        "/v1/b2b/otps/sms/send",
        body(
            org_id,
            member_id,
            json!({"mfa_phone_number": phone, "intermediate_session_token": ist}),
        ),
    )
    .await
}

/// POST `path` with the member's fields plus `extra`, and assert the Stytch error answer.
pub async fn assert_refused(
    mock: &TestMock,
    path: &str,
    (org_id, member_id): (&str, &str),
    extra: Value,
    status: u16,
    error_type: &str,
) {
    assert_error(
        &mock.post(path, body(org_id, member_id, extra)).await,
        status,
        error_type,
    );
}

/// Enroll SMS for a member of a REQUIRED_FOR_ALL or OPTIONAL org with a fresh IST; returns the
/// session token the enrollment produced.
pub async fn enroll_sms(mock: &TestMock, org_id: &str, member_id: &str) -> String {
    let ist = primary_ist(mock, org_id, member_id).await;
    send_sms_with_ist(mock, org_id, member_id, PHONE, &ist).await;
    let code = last_sms_code(mock, member_id).await;
    let done = mock
        .ok_mfa(
            "/v1/b2b/otps/sms/authenticate",
            body(
                org_id,
                member_id,
                json!({"code": code, "intermediate_session_token": ist}),
            ),
        )
        .await;
    done["session_token"].as_str().unwrap().to_owned()
}

/// Enroll TOTP with a fresh IST; returns `(create answer, session token)`.
pub async fn enroll_totp(mock: &TestMock, org_id: &str, member_id: &str) -> (Value, String) {
    let ist = primary_ist(mock, org_id, member_id).await;
    let created = mock
        .ok_mfa(
            "/v1/b2b/totp",
            body(
                org_id,
                member_id,
                json!({"intermediate_session_token": ist}),
            ),
        )
        .await;
    let code = code_for(created["secret"].as_str().unwrap(), now(mock));
    let done = mock
        .ok_mfa(
            "/v1/b2b/totp/authenticate",
            body(
                org_id,
                member_id,
                json!({"code": code, "intermediate_session_token": ist}),
            ),
        )
        .await;
    (created, done["session_token"].as_str().unwrap().to_owned())
}

/// Primary authentication over HTTP, as a client does it: magic-link login_or_signup, the link
/// from the outbox, then `magic_links.authenticate` with `extra` merged in (e.g. a session
/// token). Returns the §2.6 primary-auth answer (which may have auto-sent an SMS).
pub async fn magic_link_login(
    mock: &TestMock,
    org_id: &str,
    member_id: &str,
    extra: Value,
) -> Value {
    let email = mock
        .ok_get(&format!(
            "/v1/b2b/organizations/{org_id}/member?member_id={member_id}"
        ))
        .await["member"]["email_address"]
        .clone();
    mock.ok_post(
        "/v1/b2b/magic_links/email/login_or_signup",
        json!({"organization_id": org_id, "email_address": email}),
    )
    .await;
    let msgs = mock
        .outbox(&format!("member_id={member_id}&channel=email"))
        .await;
    let mut req =
        json!({"magic_links_token": msgs.first().expect("a magic link was sent")["token"]});
    merge(&mut req, extra);
    let resp = mock.ok_post("/v1/b2b/magic_links/authenticate", req).await;
    assert_valid("magic_links.AuthenticateResponse", &resp);
    resp
}

/// [`magic_link_login`] for a member who owes MFA: asserts the pending shape, returns the IST.
#[track_caller]
pub fn pending_ist(resp: &Value) -> String {
    assert_eq!(resp["member_authenticated"], false, "{resp}");
    assert_eq!(resp["session_token"], "", "{resp}");
    assert!(resp["mfa_required"].is_object(), "{resp}");
    resp["intermediate_session_token"]
        .as_str()
        .unwrap()
        .to_owned()
}
