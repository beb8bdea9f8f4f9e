//! Brute force on passwords is bounded (issue 11 item 5): wrong passwords count toward the same
//! user lock as failed MFA codes, a locked member is refused even with the right password, the
//! lock lifts on the virtual clock (and reads show that at once), and other members keep being
//! served while one is attacked.

use futures_util::future::join_all;
use mock_stytch::Config;
use serde_json::{Value, json};

use crate::helpers::{FROZEN, TestMock, assert_error, spawn_with};
use crate::mfa_helpers::{body, code_for, now};
use crate::primary_helpers::{PASSWORD, member, org, set_password};

const AUTH: &str = "/v1/b2b/passwords/authenticate";
const THRESHOLD: u32 = 3;
const LOCK_SECONDS: i64 = 300;

async fn strict() -> TestMock {
    spawn_with(Config {
        frozen_clock: Some(FROZEN.parse().unwrap()),
        lockout_threshold: THRESHOLD,
        lockout_seconds: LOCK_SECONDS,
        ..Config::for_tests()
    })
    .await
}

fn login(org_id: &str, email: &str, password: &str) -> Value {
    json!({"organization_id": org_id, "email_address": email, "password": password})
}

async fn member_json(mock: &TestMock, org_id: &str, member_id: &str) -> Value {
    mock.ok_get(&format!(
        "/v1/b2b/organizations/{org_id}/member?member_id={member_id}"
    ))
    .await["member"]
        .clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_attacked_member_is_locked_while_another_member_keeps_signing_in() {
    // Arrange: an OPTIONAL org (a right password gives a session), two members with passwords
    let mock = strict().await;
    let org_id = org(&mock, "acme", json!({})).await;
    let victim = member(&mock, &org_id, "victim@acme.test", json!({})).await;
    member(&mock, &org_id, "bystander@acme.test", json!({})).await;
    set_password(&mock, &org_id, "victim@acme.test").await;
    set_password(&mock, &org_id, "bystander@acme.test").await;

    // Act: 40 wrong guesses at the victim interleaved with 40 good logins of the bystander
    const N: usize = 40;
    let attacks = (0..N).map(|i| {
        mock.post(
            AUTH,
            login(&org_id, "victim@acme.test", &format!("guess-{i}")),
        )
    });
    let logins = (0..N).map(|_| mock.post(AUTH, login(&org_id, "bystander@acme.test", PASSWORD)));
    let (attacks, logins) = tokio::join!(join_all(attacks), join_all(logins));

    // Assert: the bystander always got in; the victim's guesses were bounded by the threshold
    for resp in &logins {
        assert_eq!(resp.0, 200, "{}", resp.1);
        assert_eq!(resp.1["member_authenticated"], true);
    }
    let wrong = attacks.iter().filter(|r| r.0 == 401).count();
    let locked = attacks.iter().filter(|r| r.0 == 429).count();
    assert_eq!(
        (wrong, locked),
        (THRESHOLD as usize, N - THRESHOLD as usize),
        "only {THRESHOLD} guesses were judged"
    );
    for r in &attacks {
        let expected = if r.0 == 401 {
            "unauthorized_credentials"
        } else {
            "user_lock_limit_reached"
        };
        assert_error(r, r.0, expected);
    }

    // the right password does not get through a lock, and the member object shows the lock
    assert_error(
        &mock
            .post(AUTH, login(&org_id, "victim@acme.test", PASSWORD))
            .await,
        429,
        "user_lock_limit_reached",
    );
    let m = member_json(&mock, &org_id, &victim).await;
    assert_eq!(
        (m["is_locked"].as_bool(), m["lock_expires_at"].as_str()),
        (Some(true), Some("2030-01-01T00:05:00Z"))
    );

    // Act: the lock expires on the virtual clock
    mock.advance_clock(LOCK_SECONDS).await;

    // Assert: reads show it lifted before any new attempt; then the right password works
    assert_eq!(
        member_json(&mock, &org_id, &victim).await["is_locked"],
        false,
        "is_locked must not be stale"
    );
    let search = mock
        .ok_post(
            "/v1/b2b/organizations/members/search",
            json!({"organization_ids": [org_id]}),
        )
        .await;
    assert!(
        search["members"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["is_locked"] == false),
        "{search}"
    );
    mock.ok_post(
        "/v1/b2b/magic_links/email/login_or_signup",
        json!({"organization_id": org_id, "email_address": "victim@acme.test"}),
    )
    .await;
    let link = mock
        .outbox(&format!("member_id={victim}&kind=magic_link_login"))
        .await[0]["token"]
        .clone();
    let by_link = mock
        .ok_post(
            "/v1/b2b/magic_links/authenticate",
            json!({"magic_links_token": link}),
        )
        .await;
    assert_eq!(
        by_link["member"]["is_locked"], false,
        "a primary-auth answer shows the lift too"
    );
    let ok = mock
        .ok_post(AUTH, login(&org_id, "victim@acme.test", PASSWORD))
        .await;
    assert_eq!(ok["member"]["is_locked"], false);
}

#[tokio::test]
async fn password_and_mfa_failures_share_one_count_and_an_mfa_owing_login_does_not_reset_it() {
    // Arrange: REQUIRED_FOR_ALL org, member with a password and an active TOTP
    let mock = strict().await;
    let org_id = org(&mock, "acme", json!({"mfa_policy": "REQUIRED_FOR_ALL"})).await;
    let m = member(&mock, &org_id, "ada@acme.test", json!({})).await;
    set_password(&mock, &org_id, "ada@acme.test").await;
    let ist = mock
        .ok_post(AUTH, login(&org_id, "ada@acme.test", PASSWORD))
        .await["intermediate_session_token"]
        .clone();
    let created = mock
        .ok_post(
            "/v1/b2b/totp",
            body(&org_id, &m, json!({"intermediate_session_token": ist})),
        )
        .await;
    let secret = created["secret"].as_str().unwrap().to_owned();
    mock.ok_post(
        "/v1/b2b/totp/authenticate",
        body(
            &org_id,
            &m,
            json!({"code": code_for(&secret, now(&mock)), "intermediate_session_token": ist}),
        ),
    )
    .await;

    // Act: wrong password, right password (IST: MFA still owed), wrong TOTP
    assert_error(
        &mock
            .post(AUTH, login(&org_id, "ada@acme.test", "nope"))
            .await,
        401,
        "unauthorized_credentials",
    );
    let pending = mock
        .ok_post(AUTH, login(&org_id, "ada@acme.test", PASSWORD))
        .await;
    assert_eq!(pending["member_authenticated"], false);
    let ist = pending["intermediate_session_token"].clone();
    let wrong_totp = body(
        &org_id,
        &m,
        json!({"code": "000000", "intermediate_session_token": ist}),
    );
    assert_error(
        &mock
            .post("/v1/b2b/totp/authenticate", wrong_totp.clone())
            .await,
        401,
        "unable_to_authenticate_totp",
    );
    assert_eq!(
        member_json(&mock, &org_id, &m).await["is_locked"],
        false,
        "2 failures so far"
    );
    assert_error(
        &mock.post("/v1/b2b/totp/authenticate", wrong_totp).await,
        401,
        "unable_to_authenticate_totp",
    );

    // Assert: 1 password + 2 TOTP failures reach the threshold of 3 across both kinds
    assert_eq!(member_json(&mock, &org_id, &m).await["is_locked"], true);
    assert_error(
        &mock
            .post(AUTH, login(&org_id, "ada@acme.test", PASSWORD))
            .await,
        429,
        "user_lock_limit_reached",
    );
}

#[tokio::test]
async fn a_password_login_that_ends_in_a_session_resets_the_count() {
    let mock = strict().await;
    let org_id = org(&mock, "acme", json!({})).await;
    let m = member(&mock, &org_id, "ada@acme.test", json!({})).await;
    set_password(&mock, &org_id, "ada@acme.test").await;
    for round in 0..3 {
        for _ in 0..THRESHOLD - 1 {
            assert_error(
                &mock
                    .post(AUTH, login(&org_id, "ada@acme.test", "nope"))
                    .await,
                401,
                "unauthorized_credentials",
            );
        }
        let ok = mock
            .ok_post(AUTH, login(&org_id, "ada@acme.test", PASSWORD))
            .await;
        assert_eq!(ok["member_authenticated"], true, "round {round}");
    }
    assert_eq!(member_json(&mock, &org_id, &m).await["is_locked"], false);
    // unknown emails are refused alike and lock no one
    for _ in 0..THRESHOLD {
        assert_error(
            &mock
                .post(AUTH, login(&org_id, "nobody@acme.test", "x"))
                .await,
            401,
            "unauthorized_credentials",
        );
    }
}
