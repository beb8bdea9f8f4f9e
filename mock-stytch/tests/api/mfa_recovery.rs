//! Recovery codes: refusals (wrong, used, no TOTP, pending TOTP, a TOTP code on this endpoint),
//! step-up with a session, and case-insensitive matching.

use serde_json::json;

use crate::helpers::{assert_error, spawn_frozen};
use crate::mfa_helpers::*;

const RECOVER: &str = "/v1/b2b/recovery_codes/recover";

#[tokio::test]
async fn without_an_active_totp_there_are_no_recovery_codes() {
    let mock = spawn_frozen().await;
    let (org, m) = org_and_member(&mock, json!({}), json!({})).await;
    let ist = primary_ist(&mock, &org, &m).await;
    let not_found = "recovery_codes_not_found";
    assert_error(
        &mock
            .post(
                RECOVER,
                body(
                    &org,
                    &m,
                    json!({"recovery_code": "abcd-efgh-ijkl", "intermediate_session_token": ist}),
                ),
            )
            .await,
        404,
        not_found,
    );
    assert_error(
        &mock.get(&format!("/v1/b2b/recovery_codes/{org}/{m}")).await,
        404,
        not_found,
    );
    assert_error(
        &mock
            .post("/v1/b2b/recovery_codes/rotate", body(&org, &m, json!({})))
            .await,
        404,
        not_found,
    );

    // a pending registration's codes redeem nothing yet
    let created = mock
        .ok_mfa(
            "/v1/b2b/totp",
            body(&org, &m, json!({"intermediate_session_token": ist})),
        )
        .await;
    let code = created["recovery_codes"][0].as_str().unwrap();
    assert_error(
        &mock
            .post(
                RECOVER,
                body(
                    &org,
                    &m,
                    json!({"recovery_code": code, "intermediate_session_token": ist}),
                ),
            )
            .await,
        404,
        not_found,
    );
    assert_error(
        &mock.get(&format!("/v1/b2b/recovery_codes/{org}/{m}")).await,
        404,
        not_found,
    );
    assert_error(
        &mock
            .get(&format!("/v1/b2b/recovery_codes/{org}/member-test-nope"))
            .await,
        404,
        "member_not_found",
    );
}

#[tokio::test]
async fn wrong_codes_and_totp_codes_are_refused() {
    let mock = spawn_frozen().await;
    let (org, m) = org_and_member(&mock, json!({}), json!({})).await;
    let (created, session) = enroll_totp(&mock, &org, &m).await;
    assert_refused(
        &mock,
        RECOVER,
        (&org, &m),
        json!({"recovery_code": "zzzz-zzzz-zzzz", "session_token": session}),
        401,
        "unable_to_authenticate_recovery_code",
    )
    .await;
    assert_refused(
        &mock,
        RECOVER,
        (&org, &m),
        json!({"recovery_code": "123456", "session_token": session}),
        400,
        "totp_code_used_as_recovery_code",
    )
    .await;
    assert_refused(
        &mock,
        RECOVER,
        (&org, &m),
        json!({"recovery_code": "zzzz-zzzz-zzzz"}),
        400,
        "no_session_arguments",
    )
    .await;
    // another member's code is no good for this member
    let bob = another_member(&mock, &org, "bob@acme.com").await;
    let (bobs, _) = enroll_totp(&mock, &org, &bob).await;
    assert_refused(
        &mock,
        RECOVER,
        (&org, &m),
        json!({"recovery_code": bobs["recovery_codes"][0], "session_token": session}),
        401,
        "unable_to_authenticate_recovery_code",
    )
    .await;

    // upper case is the same code; with a session, the factor is added to it (step-up)
    let code = created["recovery_codes"][2]
        .as_str()
        .unwrap()
        .to_ascii_uppercase();
    let resp = mock
        .post(
            RECOVER,
            body(
                &org,
                &m,
                json!({"recovery_code": code, "session_token": session}),
            ),
        )
        .await;
    let done = assert_mfa_session(
        &resp,
        "recovery_codes.RecoverResponse",
        &["magic_link", "totp", "recovery_codes"],
    );
    assert_eq!(done["session_token"], session);
    assert_eq!(done["recovery_codes_remaining"], 9);
    assert_eq!(
        done["member"]["default_mfa_method"], "totp",
        "a recovery code never becomes the default"
    );
}
