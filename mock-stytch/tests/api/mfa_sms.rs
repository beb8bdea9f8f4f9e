//! SMS OTP: every refusal with its status and error_type, code and IST lifetimes on the virtual
//! clock, the organization's method restriction, and the §3 R6 enrollment guard.

use mock_stytch::Config;
use serde_json::{Value, json};

use crate::helpers::{FROZEN, TestMock, assert_error, spawn_frozen, spawn_with};
use crate::mfa_helpers::*;

const SEND: &str = "/v1/b2b/otps/sms/send";
const AUTH: &str = "/v1/b2b/otps/sms/authenticate";

/// REQUIRED_FOR_ALL org, member with an unverified phone, an IST and a sent code.
async fn sent() -> (TestMock, String, String, String, String) {
    let mock = spawn_frozen().await;
    let (org, m) = org_and_member(
        &mock,
        json!({"mfa_policy": "REQUIRED_FOR_ALL"}),
        json!({"mfa_phone_number": PHONE}),
    )
    .await;
    let ist = primary_ist(&mock, &org, &m).await;
    mock.ok_mfa(
        SEND,
        body(&org, &m, json!({"intermediate_session_token": ist})),
    )
    .await;
    let code = last_sms_code(&mock, &m).await;
    (mock, org, m, ist, code)
}

fn auth(org: &str, m: &str, code: &str, ist: &str) -> Value {
    body(
        org,
        m,
        json!({"code": code, "intermediate_session_token": ist}),
    )
}

/// A six-digit code that is not `code`.
fn wrong(code: &str) -> String {
    let last = code.as_bytes()[5];
    format!(
        "{}{}",
        &code[..5],
        if last == b'9' {
            '0'
        } else {
            char::from(last + 1)
        }
    )
}

#[tokio::test]
async fn a_wrong_code_is_otp_code_not_found_and_the_ist_survives() {
    let (mock, org, m, ist, code) = sent().await;
    assert_error(
        &mock.post(AUTH, auth(&org, &m, &wrong(&code), &ist)).await,
        404,
        "otp_code_not_found",
    );
    mock.ok_mfa(AUTH, auth(&org, &m, &code, &ist)).await;
}

#[tokio::test]
async fn no_code_sent_is_otp_code_not_found() {
    let mock = spawn_frozen().await;
    let (org, m) = org_and_member(&mock, json!({}), json!({"mfa_phone_number": PHONE})).await;
    let ist = primary_ist(&mock, &org, &m).await;
    assert_error(
        &mock.post(AUTH, auth(&org, &m, "123456", &ist)).await,
        404,
        "otp_code_not_found",
    );
}

#[tokio::test]
async fn the_code_lives_two_minutes_on_the_virtual_clock() {
    // alive at 119 s
    let (mock, org, m, ist, code) = sent().await;
    mock.advance_clock(119).await;
    mock.ok_mfa(AUTH, auth(&org, &m, &code, &ist)).await;
    // dead at 120 s
    let (mock, org, m, ist, code) = sent().await;
    mock.advance_clock(120).await;
    assert_error(
        &mock.post(AUTH, auth(&org, &m, &code, &ist)).await,
        401,
        "unable_to_auth_otp_code",
    );
}

#[tokio::test]
async fn a_used_code_is_unable_to_auth_otp_code() {
    let (mock, org, m, ist, code) = sent().await;
    mock.ok_mfa(AUTH, auth(&org, &m, &code, &ist)).await;
    let ist2 = primary_ist(&mock, &org, &m).await;
    assert_error(
        &mock.post(AUTH, auth(&org, &m, &code, &ist2)).await,
        401,
        "unable_to_auth_otp_code",
    );
}

#[tokio::test]
async fn too_many_wrong_attempts_kill_the_code() {
    // default max_code_attempts = 5 (below the lockout threshold of 10)
    let (mock, org, m, ist, code) = sent().await;
    for _ in 0..5 {
        assert_error(
            &mock.post(AUTH, auth(&org, &m, &wrong(&code), &ist)).await,
            404,
            "otp_code_not_found",
        );
    }
    assert_error(
        &mock.post(AUTH, auth(&org, &m, &code, &ist)).await,
        401,
        "otp_code_attempts_exceeded",
    );
    // a new send gives a fresh code with a fresh budget
    mock.ok_mfa(
        SEND,
        body(&org, &m, json!({"intermediate_session_token": ist})),
    )
    .await;
    let fresh = last_sms_code(&mock, &m).await;
    mock.ok_mfa(AUTH, auth(&org, &m, &fresh, &ist)).await;
}

#[tokio::test]
async fn ist_consumed_expired_or_of_another_member_is_refused() {
    // consumed
    let (mock, org, m, ist, code) = sent().await;
    mock.ok_mfa(AUTH, auth(&org, &m, &code, &ist)).await;
    mock.ok_mfa(SEND, body(&org, &m, json!({}))).await;
    let code = last_sms_code(&mock, &m).await;
    assert_error(
        &mock.post(AUTH, auth(&org, &m, &code, &ist)).await,
        404,
        "intermediate_session_not_found",
    );

    // expired: alive at 599 s, dead at 600 s (a fresh code each time)
    let (mock, org, m, ist, _) = sent().await;
    mock.advance_clock(599).await;
    mock.ok_mfa(
        SEND,
        body(&org, &m, json!({"intermediate_session_token": ist})),
    )
    .await;
    let code = last_sms_code(&mock, &m).await;
    mock.advance_clock(1).await;
    assert_error(
        &mock.post(AUTH, auth(&org, &m, &code, &ist)).await,
        404,
        "intermediate_session_not_found",
    );
    assert_refused(
        &mock,
        SEND,
        (&org, &m),
        json!({"intermediate_session_token": ist}),
        404,
        "intermediate_session_not_found",
    )
    .await;

    // another member's IST, on both endpoints
    let (mock, org, m, _, code) = sent().await;
    let bob = another_member(&mock, &org, "bob@acme.com").await;
    let bobs_ist = primary_ist(&mock, &org, &bob).await;
    assert_error(
        &mock.post(AUTH, auth(&org, &m, &code, &bobs_ist)).await,
        403,
        "session_authorization_error",
    );
    assert_refused(
        &mock,
        SEND,
        (&org, &m),
        json!({"intermediate_session_token": bobs_ist}),
        403,
        "session_authorization_error",
    )
    .await;
    // an unknown IST
    assert_error(
        &mock.post(AUTH, auth(&org, &m, &code, "no-such-ist")).await,
        404,
        "intermediate_session_not_found",
    );
}

#[tokio::test]
async fn sessions_of_another_member_or_unknown_sessions_are_refused() {
    let (mock, org, m, _, code) = sent().await;
    let bob = another_member(&mock, &org, "bob@acme.com").await;
    let (bob_token, bob_jwt) = primary_session(&mock, &org, &bob).await;
    assert_refused(
        &mock,
        AUTH,
        (&org, &m),
        json!({"code": code, "session_token": bob_token}),
        403,
        "session_authorization_error",
    )
    .await;
    assert_refused(
        &mock,
        AUTH,
        (&org, &m),
        json!({"code": code, "session_jwt": bob_jwt}),
        403,
        "session_authorization_error",
    )
    .await;
    assert_error(
        &mock
            .post(SEND, body(&org, &m, json!({"session_token": bob_token})))
            .await,
        403,
        "session_authorization_error",
    );
    assert_refused(
        &mock,
        AUTH,
        (&org, &m),
        json!({"code": code, "session_token": "nope"}),
        404,
        "session_not_found",
    )
    .await;
}

#[tokio::test]
async fn token_arguments_must_be_exactly_one() {
    let (mock, org, m, ist, code) = sent().await;
    let (token, _) = primary_session(&mock, &org, &m).await;
    assert_error(
        &mock.post(AUTH, body(&org, &m, json!({"code": code}))).await,
        400,
        "no_session_arguments",
    );
    assert_error(
        &mock.post(AUTH, body(&org, &m, json!({"code": code, "intermediate_session_token": ist, "session_token": token}))).await,
        400,
        "too_many_session_arguments",
    );
    assert_error(
        &mock.post(AUTH, body(&org, &m, json!({"code": code, "intermediate_session_token": ist, "session_duration_minutes": 4}))).await,
        400,
        "invalid_session_duration_minutes",
    );
    assert_error(
        &mock.post(AUTH, body(&org, &m, json!({"code": code, "intermediate_session_token": ist, "set_mfa_enrollment": true}))).await,
        400,
        "invalid_argument",
    );
    assert_error(
        &mock.post(AUTH, body(&org, &m, json!({"code": code, "intermediate_session_token": ist, "set_mfa_enrollment": "yes"}))).await,
        400,
        "invalid_argument",
    );
    assert_refused(
        &mock,
        AUTH,
        (&org, &m),
        json!({"intermediate_session_token": ist}),
        400,
        "invalid_argument",
    )
    .await;
}

#[tokio::test]
async fn phone_number_errors() {
    let mock = spawn_frozen().await;
    let (org, m) = org_and_member(&mock, json!({}), json!({})).await;
    let ist = primary_ist(&mock, &org, &m).await;
    // no phone anywhere
    assert_refused(
        &mock,
        SEND,
        (&org, &m),
        json!({"intermediate_session_token": ist}),
        404,
        "member_phone_number_not_found",
    )
    .await;
    assert_error(
        &mock.post(AUTH, auth(&org, &m, "123456", &ist)).await,
        404,
        "member_phone_number_not_found",
    );
    // not E.164
    for bad in ["4155552671", "+1 415 555 2671", "+1415"] {
        assert_refused(
            &mock,
            SEND,
            (&org, &m),
            json!({"mfa_phone_number": bad, "intermediate_session_token": ist}),
            400,
            "invalid_phone_number",
        )
        .await;
    }
    // a different number than the member's
    send_sms_with_ist(&mock, &org, &m, PHONE, &ist).await;
    assert_refused(
        &mock,
        SEND,
        (&org, &m),
        json!({"mfa_phone_number": OTHER_PHONE, "intermediate_session_token": ist}),
        400,
        "duplicate_member_phone_number_for_member",
    )
    .await;
    // the same number again is just a resend
    send_sms_with_ist(&mock, &org, &m, PHONE, &ist).await;
    // unknown organization / member; bad locale
    assert_error(
        &mock.post(SEND, body("nope", &m, json!({}))).await,
        404,
        "organization_not_found",
    );
    assert_error(
        &mock
            .post(SEND, body(&org, "member-test-nope", json!({})))
            .await,
        404,
        "member_not_found",
    );
    assert_error(
        &mock
            .post(SEND, body(&org, &m, json!({"locale": "xx"})))
            .await,
        400,
        "invalid_argument",
    );
}

#[tokio::test]
async fn a_code_sent_to_a_deleted_phone_verifies_nothing() {
    let (mock, org, m, ist, code) = sent().await;
    mock.delete(&format!(
        "/v1/b2b/organizations/{org}/members/mfa_phone_numbers/{m}"
    ))
    .await;
    mock.put(
        &format!("/v1/b2b/organizations/{org}/members/{m}"),
        json!({"mfa_phone_number": OTHER_PHONE}),
    )
    .await;
    assert_error(
        &mock.post(AUTH, auth(&org, &m, &code, &ist)).await,
        404,
        "otp_code_not_found",
    );
}

#[tokio::test]
async fn sms_is_refused_where_the_org_allows_only_totp_except_for_breakglass() {
    let mock = spawn_frozen().await;
    let (org, m) = org_and_member(
        &mock,
        json!({"mfa_methods": "RESTRICTED", "allowed_mfa_methods": ["totp"]}),
        json!({"mfa_phone_number": PHONE}),
    )
    .await;
    let ist = primary_ist(&mock, &org, &m).await;
    assert_refused(
        &mock,
        SEND,
        (&org, &m),
        json!({"intermediate_session_token": ist}),
        403,
        "operation_restricted_by_organization_mfa_methods",
    )
    .await;
    assert_error(
        &mock.post(AUTH, auth(&org, &m, "123456", &ist)).await,
        403,
        "operation_restricted_by_organization_mfa_methods",
    );
    assert!(mock.outbox(&format!("member_id={m}")).await.is_empty());

    // breakglass is exempt
    let admin = mock
        .create_member(
            &org,
            "root@acme.com",
            json!({"is_breakglass": true, "mfa_phone_number": PHONE}),
        )
        .await;
    let admin = admin["member_id"].as_str().unwrap();
    let ist = primary_ist(&mock, &org, admin).await;
    mock.ok_mfa(
        SEND,
        body(&org, admin, json!({"intermediate_session_token": ist})),
    )
    .await;
    let code = last_sms_code(&mock, admin).await;
    mock.ok_mfa(AUTH, auth(&org, admin, &code, &ist)).await;
}

#[tokio::test]
async fn enrolling_sms_over_an_active_totp_needs_an_mfa_session() {
    // Arrange: TOTP is the member's active factor
    let mock = spawn_frozen().await;
    let (org, m) = required_org_and_member(&mock).await;
    let (_, totp_session) = enroll_totp(&mock, &org, &m).await;

    // a primary-only IST may not attach a phone
    let ist = primary_ist(&mock, &org, &m).await;
    assert_refused(
        &mock,
        SEND,
        (&org, &m),
        json!({"mfa_phone_number": PHONE, "intermediate_session_token": ist}),
        403,
        "session_enforced_factor_matching_session_required",
    )
    .await;
    // nor may a call without any token
    assert_error(
        &mock
            .post(SEND, body(&org, &m, json!({"mfa_phone_number": PHONE})))
            .await,
        403,
        "session_enforced_factor_matching_session_required",
    );
    let member = mock
        .ok_get(&format!("/v1/b2b/organizations/{org}/member?member_id={m}"))
        .await;
    assert_eq!(
        member["member"]["mfa_phone_number"], "",
        "a refused send attaches nothing"
    );
    assert!(
        mock.outbox(&format!("member_id={m}&channel=sms"))
            .await
            .is_empty()
    );

    // the session that completed TOTP may
    mock.ok_mfa(
        SEND,
        body(
            &org,
            &m,
            json!({"mfa_phone_number": PHONE, "session_token": totp_session}),
        ),
    )
    .await;
    let code = last_sms_code(&mock, &m).await;
    let done = mock
        .ok_mfa(
            AUTH,
            body(
                &org,
                &m,
                json!({"code": code, "session_token": totp_session}),
            ),
        )
        .await;
    assert_eq!(done["member"]["mfa_phone_number_verified"], true);
    assert_eq!(
        done["member"]["default_mfa_method"], "totp",
        "the first method stays the default"
    );
}

#[tokio::test]
async fn fixed_otp_makes_every_code_the_configured_one() {
    let mock = spawn_with(Config {
        fixed_otp: Some("000000".into()),
        frozen_clock: Some(FROZEN.parse().unwrap()),
        ..Config::for_tests()
    })
    .await;
    let (org, m) = org_and_member(&mock, json!({}), json!({"mfa_phone_number": PHONE})).await;
    let ist = primary_ist(&mock, &org, &m).await;
    mock.ok_mfa(
        SEND,
        body(&org, &m, json!({"intermediate_session_token": ist})),
    )
    .await;
    assert_eq!(last_sms_code(&mock, &m).await, "000000");
    mock.ok_mfa(AUTH, auth(&org, &m, "000000", &ist)).await;
}
