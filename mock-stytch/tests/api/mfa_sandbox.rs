//! Stytch's SMS sandbox number (`+10000000000`): a send answers 200 and puts nothing in the
//! outbox, the code `000000` completes MFA exactly as a delivered code does (IST and session,
//! enrollment, challenge, a login's auto-send), and a wrong code still fails as usual.

use mock_stytch::model::provision::{SANDBOX_PHONE_NUMBER, SANDBOX_SMS_CODE};
use serde_json::{Value, json};

use crate::helpers::{TestMock, assert_error, spawn_frozen};
use crate::mfa_helpers::*;

const SEND: &str = "/v1/b2b/otps/sms/send";
const AUTH: &str = "/v1/b2b/otps/sms/authenticate";

async fn sms_outbox(mock: &TestMock) -> Vec<Value> {
    mock.outbox("channel=sms").await
}

/// The session a successful MFA answer carries is a real one: both its token and its JWT
/// authenticate for the member.
async fn assert_live_session(mock: &TestMock, done: &Value, member_id: &str) {
    for creds in [
        json!({"session_token": done["session_token"]}),
        json!({"session_jwt": done["session_jwt"]}),
    ] {
        let (status, v) = mock.post("/v1/b2b/sessions/authenticate", creds).await;
        assert_eq!(status, 200, "{v}");
        assert_eq!(v["member_session"]["member_id"], member_id, "{v}");
    }
}

#[tokio::test]
async fn enrollment_via_ist_sends_nothing_and_000000_completes_mfa() {
    // Arrange
    let mock = spawn_frozen().await;
    let (org, m, ist) = required_primary_ist(&mock).await;

    // Act 1: enroll the sandbox number
    send_sms_with_ist(&mock, &org, &m, SANDBOX_PHONE_NUMBER, &ist).await;

    // Assert 1: no SMS; a wrong code is the usual refusal
    assert_eq!(sms_outbox(&mock).await, Vec::<Value>::new());
    assert_refused(
        &mock,
        AUTH,
        (&org, &m),
        json!({"code": "123456", "intermediate_session_token": ist}),
        404,
        "otp_code_not_found",
    )
    .await;

    // Act 2 / Assert 2: 000000 completes MFA with a real session and JWT
    let resp = mock
        .post(
            AUTH,
            body(
                &org,
                &m,
                json!({"code": SANDBOX_SMS_CODE, "intermediate_session_token": ist}),
            ),
        )
        .await;
    let done = assert_mfa_session(
        &resp,
        "otp_sms.AuthenticateResponse",
        &["magic_link", "otp"],
    );
    assert_eq!(done["member"]["mfa_phone_number"], SANDBOX_PHONE_NUMBER);
    assert_eq!(done["member"]["mfa_phone_number_verified"], true);
    assert_eq!(done["member"]["mfa_enrolled"], true);
    assert_live_session(&mock, &done, &m).await;

    // The next login auto-sends to the now verified sandbox number: still nothing delivered,
    // and 000000 completes that challenge too.
    let login = magic_link_login(&mock, &org, &m, json!({})).await;
    assert_eq!(
        login["mfa_required"]["secondary_auth_initiated"], "sms_otp",
        "{login}"
    );
    let ist = pending_ist(&login);
    assert_eq!(sms_outbox(&mock).await, Vec::<Value>::new());
    let resp = mock
        .post(
            AUTH,
            body(
                &org,
                &m,
                json!({"code": SANDBOX_SMS_CODE, "intermediate_session_token": ist}),
            ),
        )
        .await;
    let done = assert_mfa_session(
        &resp,
        "otp_sms.AuthenticateResponse",
        &["magic_link", "otp"],
    );
    assert_live_session(&mock, &done, &m).await;
}

#[tokio::test]
async fn step_up_via_session_accepts_000000_once_per_send() {
    // Arrange: an OPTIONAL org, a member signed in with the primary factor only
    let mock = spawn_frozen().await;
    let (org, m) = org_and_member(&mock, json!({"mfa_policy": "OPTIONAL"}), json!({})).await;
    let (token, _) = primary_session(&mock, &org, &m).await;
    let with_token = |extra: Value| {
        let mut b = body(&org, &m, json!({"session_token": token}));
        crate::helpers::merge(&mut b, extra);
        b
    };

    // Act 1: enroll the sandbox number through the session
    mock.ok_mfa(
        SEND,
        with_token(json!({"mfa_phone_number": SANDBOX_PHONE_NUMBER})),
    )
    .await;
    assert_error(
        &mock.post(AUTH, with_token(json!({"code": "123456"}))).await,
        404,
        "otp_code_not_found",
    );
    let resp = mock
        .post(AUTH, with_token(json!({"code": SANDBOX_SMS_CODE})))
        .await;

    // Assert 1
    let done = assert_mfa_session(
        &resp,
        "otp_sms.AuthenticateResponse",
        &["magic_link", "otp"],
    );
    assert_eq!(done["member"]["mfa_phone_number_verified"], true);
    assert_live_session(&mock, &done, &m).await;

    // The sandbox code is a real code otherwise: single use until the next send.
    assert_error(
        &mock
            .post(AUTH, with_token(json!({"code": SANDBOX_SMS_CODE})))
            .await,
        401,
        "unable_to_auth_otp_code",
    );
    mock.ok_mfa(SEND, with_token(json!({}))).await;
    let again = mock
        .post(AUTH, with_token(json!({"code": SANDBOX_SMS_CODE})))
        .await;
    assert_mfa_session(
        &again,
        "otp_sms.AuthenticateResponse",
        &["magic_link", "otp"],
    );
    assert_eq!(sms_outbox(&mock).await, Vec::<Value>::new());
}

#[tokio::test]
async fn a_real_number_still_gets_its_sms_and_not_the_sandbox_code() {
    let mock = spawn_frozen().await;
    let (org, m, ist) = required_primary_ist(&mock).await;
    send_sms_with_ist(&mock, &org, &m, PHONE, &ist).await;
    let code = last_sms_code(&mock, &m).await;
    assert_ne!(
        code, SANDBOX_SMS_CODE,
        "seed 42 does not happen to derive 000000"
    );
    assert_refused(
        &mock,
        AUTH,
        (&org, &m),
        json!({"code": SANDBOX_SMS_CODE, "intermediate_session_token": ist}),
        404,
        "otp_code_not_found",
    )
    .await;
}
