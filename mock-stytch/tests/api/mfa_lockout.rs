//! Brute-force limits: consecutive failed MFA attempts (SMS, TOTP and recovery codes together)
//! lock the member for `lockout_seconds` on the virtual clock; every MFA authenticate is then
//! 429 `user_lock_limit_reached`, even with the right code; success resets the count.

use mock_stytch::Config;
use serde_json::{Value, json};

use crate::helpers::{FROZEN, TestMock, assert_error, spawn_frozen, spawn_with};
use crate::mfa_helpers::*;

const SMS_AUTH: &str = "/v1/b2b/otps/sms/authenticate";
const TOTP_AUTH: &str = "/v1/b2b/totp/authenticate";
const RECOVER: &str = "/v1/b2b/recovery_codes/recover";
const LOCKED: &str = "user_lock_limit_reached";

/// Threshold 3, lock 300 s, frozen clock.
async fn strict() -> TestMock {
    spawn_with(Config {
        frozen_clock: Some(FROZEN.parse().unwrap()),
        lockout_threshold: 3,
        lockout_seconds: 300,
        ..Config::for_tests()
    })
    .await
}

/// Member with TOTP enrolled and a verified phone; returns (org, member, secret, recovery codes, session).
async fn fully_enrolled(mock: &TestMock) -> (String, String, String, Vec<String>, String) {
    let (org, m) = required_org_and_member(mock).await;
    let session = enroll_sms(mock, &org, &m).await;
    let created = mock
        .ok_mfa(
            "/v1/b2b/totp",
            body(&org, &m, json!({"session_token": session})),
        )
        .await;
    let secret = created["secret"].as_str().unwrap().to_owned();
    mock.ok_mfa(
        TOTP_AUTH,
        body(
            &org,
            &m,
            json!({"code": code_for(&secret, now(mock)), "session_token": session}),
        ),
    )
    .await;
    let codes = created["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    (org, m, secret, codes, session)
}

async fn member(mock: &TestMock, org: &str, m: &str) -> Value {
    mock.ok_get(&format!("/v1/b2b/organizations/{org}/member?member_id={m}"))
        .await["member"]
        .clone()
}

#[tokio::test]
async fn failures_across_methods_lock_the_member_until_the_lock_expires() {
    // Arrange
    let mock = strict().await;
    let (org, m, secret, codes, _) = fully_enrolled(&mock).await;
    mock.advance_clock(30).await;
    let ist = primary_ist(&mock, &org, &m).await;
    mock.ok_mfa(
        "/v1/b2b/otps/sms/send",
        body(&org, &m, json!({"intermediate_session_token": ist})),
    )
    .await;
    let sms_code = last_sms_code(&mock, &m).await;

    // Act: one wrong attempt on each method
    assert_refused(
        &mock,
        TOTP_AUTH,
        (&org, &m),
        json!({"code": "000000", "intermediate_session_token": ist}),
        401,
        "unable_to_authenticate_totp",
    )
    .await;
    assert_refused(
        &mock,
        RECOVER,
        (&org, &m),
        json!({"recovery_code": "zzzz-zzzz-zzzz", "intermediate_session_token": ist}),
        401,
        "unable_to_authenticate_recovery_code",
    )
    .await;
    let wrong_sms = if sms_code == "111111" {
        "222222"
    } else {
        "111111"
    };
    assert_refused(
        &mock,
        SMS_AUTH,
        (&org, &m),
        json!({"code": wrong_sms, "intermediate_session_token": ist}),
        404,
        "otp_code_not_found",
    )
    .await;

    // Assert: locked; the member object shows it; right codes on every method are refused
    let locked = member(&mock, &org, &m).await;
    assert_eq!(locked["is_locked"], true);
    assert_eq!(locked["lock_created_at"], "2030-01-01T00:00:30Z");
    assert_eq!(locked["lock_expires_at"], "2030-01-01T00:05:30Z");
    let totp_now = code_for(&secret, now(&mock));
    assert_error(
        &mock
            .post(
                SMS_AUTH,
                body(
                    &org,
                    &m,
                    json!({"code": sms_code, "intermediate_session_token": ist}),
                ),
            )
            .await,
        429,
        LOCKED,
    );
    assert_error(
        &mock
            .post(
                TOTP_AUTH,
                body(
                    &org,
                    &m,
                    json!({"code": totp_now, "intermediate_session_token": ist}),
                ),
            )
            .await,
        429,
        LOCKED,
    );
    assert_error(
        &mock
            .post(
                RECOVER,
                body(
                    &org,
                    &m,
                    json!({"recovery_code": codes[0], "intermediate_session_token": ist}),
                ),
            )
            .await,
        429,
        LOCKED,
    );

    // still locked one second before expiry
    mock.advance_clock(299).await;
    assert_error(&mock.post(TOTP_AUTH, body(&org, &m, json!({"code": code_for(&secret, now(&mock)), "intermediate_session_token": primary_ist(&mock, &org, &m).await}))).await, 429, LOCKED);

    // Act: the lock expires
    mock.advance_clock(1).await;
    let ist = primary_ist(&mock, &org, &m).await;
    let resp = mock
        .post(
            TOTP_AUTH,
            body(
                &org,
                &m,
                json!({"code": code_for(&secret, now(&mock)), "intermediate_session_token": ist}),
            ),
        )
        .await;

    // Assert: success, lock fields cleared
    let done = assert_mfa_session(&resp, "totps.AuthenticateResponse", &["magic_link", "totp"]);
    assert_eq!(done["member"]["is_locked"], false);
    assert_eq!(done["member"]["lock_created_at"], Value::Null);
    assert_eq!(done["member"]["lock_expires_at"], Value::Null);
    assert_eq!(member(&mock, &org, &m).await["is_locked"], false);
}

#[tokio::test]
async fn success_resets_the_count() {
    let mock = strict().await;
    let (org, m, _, codes, session) = fully_enrolled(&mock).await;
    let wrong = || {
        body(
            &org,
            &m,
            json!({"recovery_code": "zzzz-zzzz-zzzz", "session_token": session}),
        )
    };
    for _ in 0..2 {
        assert_error(
            &mock.post(RECOVER, wrong()).await,
            401,
            "unable_to_authenticate_recovery_code",
        );
    }
    mock.ok_mfa(
        RECOVER,
        body(
            &org,
            &m,
            json!({"recovery_code": codes[0], "session_token": session}),
        ),
    )
    .await;
    for _ in 0..2 {
        assert_error(
            &mock.post(RECOVER, wrong()).await,
            401,
            "unable_to_authenticate_recovery_code",
        );
    }
    assert_eq!(
        member(&mock, &org, &m).await["is_locked"],
        false,
        "2 + 2 failures with a success between do not reach 3"
    );
    mock.ok_mfa(
        RECOVER,
        body(
            &org,
            &m,
            json!({"recovery_code": codes[1], "session_token": session}),
        ),
    )
    .await;
}

#[tokio::test]
async fn default_limits_lock_after_ten_failures_for_an_hour() {
    // defaults: lockout_threshold 10, lockout_seconds 3600, max_code_attempts 5
    let defaults = Config::default();
    assert_eq!(
        (
            defaults.lockout_threshold,
            defaults.lockout_seconds,
            defaults.max_code_attempts
        ),
        (10, 3600, 5)
    );
    let mock = spawn_frozen().await;
    let (org, m) = org_and_member(&mock, json!({}), json!({})).await;
    let (_, session) = enroll_totp(&mock, &org, &m).await;
    let wrong = || {
        body(
            &org,
            &m,
            json!({"code": "000000", "session_token": session}),
        )
    };
    for i in 0..10 {
        assert_error(
            &mock.post(TOTP_AUTH, wrong()).await,
            401,
            "unable_to_authenticate_totp",
        );
        assert_eq!(
            member(&mock, &org, &m).await["is_locked"],
            i == 9,
            "after {} failures",
            i + 1
        );
    }
    assert_error(&mock.post(TOTP_AUTH, wrong()).await, 429, LOCKED);
    assert_eq!(
        member(&mock, &org, &m).await["lock_expires_at"],
        "2030-01-01T01:00:00Z"
    );
}
