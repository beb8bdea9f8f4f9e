//! Single use under concurrency: 64 simultaneous requests presenting the same one-time secret
//! (magic link, password reset token, SSO token, OAuth token, SMS code, TOTP code, recovery
//! code) — exactly one succeeds, the others get the documented refusal.

use futures_util::future::join_all;
use serde_json::{Value, json};

use mock_stytch::Config;

use crate::helpers::{TestMock, spawn, spawn_with};
use crate::mfa_helpers::{
    PHONE, another_member, body, code_for, enroll_totp, last_sms_code, now, org_and_member,
    primary_ist, required_org_and_member,
};

const N: usize = 64;

/// Fire all `bodies` at `path` at once; assert one 200 and that every refusal is one of `refusals`.
async fn race(mock: &TestMock, path: &str, bodies: Vec<Value>, refusals: &[&str]) -> Value {
    assert_eq!(bodies.len(), N);
    let answers = join_all(bodies.into_iter().map(|b| mock.post(path, b))).await;
    let wins: Vec<&Value> = answers
        .iter()
        .filter(|(s, _)| *s == 200)
        .map(|(_, b)| b)
        .collect();
    assert_eq!(wins.len(), 1, "{path}: {} successes out of {N}", wins.len());
    for (status, b) in &answers {
        if *status != 200 {
            assert!((400..500).contains(status), "{path}: {status} {b}");
            let t = b["error_type"].as_str().unwrap_or("");
            assert!(refusals.contains(&t), "{path}: unexpected refusal {t}: {b}");
        }
    }
    wins[0].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn primary_one_time_tokens_work_exactly_once() {
    let mock = spawn().await;
    let (org_id, member_id) = org_and_member(
        &mock,
        json!({"sso_jit_provisioning": "ALL_ALLOWED"}),
        json!({}),
    )
    .await;

    // magic link
    mock.ok_post(
        "/v1/b2b/magic_links/email/login_or_signup",
        json!({"organization_id": org_id, "email_address": "ada@acme.com"}),
    )
    .await;
    let token = mock
        .outbox(&format!("member_id={member_id}&channel=email"))
        .await[0]["token"]
        .clone();
    race(
        &mock,
        "/v1/b2b/magic_links/authenticate",
        vec![json!({"magic_links_token": token}); N],
        &["unable_to_auth_magic_link"],
    )
    .await;

    // password reset token
    mock.ok_post(
        "/v1/b2b/passwords/email/reset/start",
        json!({"organization_id": org_id, "email_address": "ada@acme.com"}),
    )
    .await;
    let token = mock
        .outbox(&format!("member_id={member_id}&kind=password_reset"))
        .await[0]["token"]
        .clone();
    race(
        &mock,
        "/v1/b2b/passwords/email/reset",
        vec![
            json!({"password_reset_token": token, "password": "correct-horse-battery-staple-42"});
            N
        ],
        &[
            "unable_to_auth_magic_link",
            "unable_to_auth_password_reset_token",
            "password_reset_token_not_found",
        ],
    )
    .await;

    // SSO and OAuth tokens minted by the control API
    let sso = mock
        .ok_post(
            "/_mock/sso/token",
            json!({"organization_id": org_id, "email_address": "ada@acme.com"}),
        )
        .await;
    race(
        &mock,
        "/v1/b2b/sso/authenticate",
        vec![json!({"sso_token": sso["token"]}); N],
        &["unable_to_auth_sso_token"],
    )
    .await;
    let oauth = mock
        .ok_post("/_mock/oauth/token", json!({"organization_id": org_id, "email_address": "ada@acme.com", "provider": "google"}))
        .await;
    race(
        &mock,
        "/v1/b2b/oauth/authenticate",
        vec![json!({"oauth_token": oauth["token"]}); N],
        &["unable_to_auth_oauth_token"],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mfa_codes_work_exactly_once_even_with_distinct_intermediate_sessions() {
    // Replays count as failed attempts; lift the member lock so it does not mask single use
    // (the lock has its own tests in mfa_lockout).
    let mock = spawn_with(Config {
        lockout_threshold: 10_000,
        ..Config::for_tests()
    })
    .await;
    let (org_id, member_id) = required_org_and_member(&mock).await;

    // SMS: one code, the same IST on every request
    let ist = primary_ist(&mock, &org_id, &member_id).await;
    mock.ok_post(
        "/v1/b2b/otps/sms/send",
        body(
            &org_id,
            &member_id,
            json!({"mfa_phone_number": PHONE, "intermediate_session_token": ist}),
        ),
    )
    .await;
    let code = last_sms_code(&mock, &member_id).await;
    race(
        &mock,
        "/v1/b2b/otps/sms/authenticate",
        vec![
            body(
                &org_id,
                &member_id,
                json!({"code": code, "intermediate_session_token": ist})
            );
            N
        ],
        &["unable_to_auth_otp_code", "intermediate_session_not_found"],
    )
    .await;

    // TOTP (a second member, who has no factor yet): one code, 64 different ISTs — only the code
    // is shared
    let member_id = another_member(&mock, &org_id, "bob@acme.com").await;
    let (created, _) = enroll_totp(&mock, &org_id, &member_id).await;
    mock.advance_clock(30).await; // a fresh window, so the enrollment's code is not the one raced
    let code = code_for(created["secret"].as_str().unwrap(), now(&mock));
    let mut bodies = vec![];
    for _ in 0..N {
        let ist = primary_ist(&mock, &org_id, &member_id).await;
        bodies.push(body(
            &org_id,
            &member_id,
            json!({"code": code, "intermediate_session_token": ist}),
        ));
    }
    race(
        &mock,
        "/v1/b2b/totp/authenticate",
        bodies,
        &["totp_code_already_authenticated"],
    )
    .await;

    // Recovery code: one code, 64 different ISTs
    let recovery = created["recovery_codes"][0].clone();
    let mut bodies = vec![];
    for _ in 0..N {
        let ist = primary_ist(&mock, &org_id, &member_id).await;
        bodies.push(body(
            &org_id,
            &member_id,
            json!({"recovery_code": recovery, "intermediate_session_token": ist}),
        ));
    }
    let won = race(
        &mock,
        "/v1/b2b/recovery_codes/recover",
        bodies,
        &["unable_to_authenticate_recovery_code"],
    )
    .await;
    assert_eq!(won["recovery_codes_remaining"], 9);
}
