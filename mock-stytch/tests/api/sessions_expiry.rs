//! Every lifetime on the virtual clock (`POST /_mock/clock`): an IST dies after 10 minutes, a
//! magic link after its expiry, a session JWT's `exp` is 5 minutes after `iat` (yet
//! sessions.authenticate still accepts it while the session lives, and returns a fresh one), a
//! session dies after `session_duration_minutes`; and a JWT issued before a restart verifies
//! after it (same file database, same key id).

use mock_stytch::{Config, DbLocation};
use serde_json::json;

use crate::helpers::{FROZEN, assert_error, spawn_frozen, spawn_with};
use crate::primary_helpers::{PASSWORD, magic_link_token, member, org, s, set_password};
use crate::sessions_api::{jwks, now_of, verify_locally};

const AUTH: &str = "/v1/b2b/sessions/authenticate";

#[tokio::test]
async fn an_ist_lives_ten_minutes() {
    let mock = spawn_frozen().await;
    let org_id = org(&mock, "acme", json!({"mfa_policy": "REQUIRED_FOR_ALL"})).await;
    let ada = member(&mock, &org_id, "ada@acme.com", json!({})).await;
    set_password(&mock, &org_id, "ada@acme.com").await;
    let token = magic_link_token(&mock, &org_id, &ada, "ada@acme.com").await;
    let pending = mock
        .ok_post(
            "/v1/b2b/magic_links/authenticate",
            json!({"magic_links_token": token}),
        )
        .await;
    let ist = s(&pending["intermediate_session_token"]);
    assert_eq!(
        pending["intermediate_session_token_expires_at"],
        "2030-01-01T00:10:00Z"
    );
    let with_ist = json!({"organization_id": org_id, "email_address": "ada@acme.com", "password": PASSWORD,
                          "intermediate_session_token": ist});

    mock.advance_clock(599).await;
    let r = mock
        .ok_post("/v1/b2b/passwords/authenticate", with_ist.clone())
        .await;
    assert_eq!(
        r["intermediate_session_token"],
        ist.as_str(),
        "still alive at 9:59"
    );
    mock.advance_clock(1).await;
    assert_error(
        &mock.post("/v1/b2b/passwords/authenticate", with_ist).await,
        404,
        "intermediate_session_not_found",
    );
}

#[tokio::test]
async fn a_magic_link_lives_until_its_expiry() {
    let mock = spawn_frozen().await;
    let org_id = org(&mock, "acme", json!({})).await;
    let ada = member(&mock, &org_id, "ada@acme.com", json!({})).await;
    let token = magic_link_token(&mock, &org_id, &ada, "ada@acme.com").await;
    mock.advance_clock(3600).await;
    assert_error(
        &mock
            .post(
                "/v1/b2b/magic_links/authenticate",
                json!({"magic_links_token": token}),
            )
            .await,
        401,
        "unable_to_auth_magic_link",
    );
}

#[tokio::test]
async fn a_jwt_expires_after_five_minutes_but_its_session_does_not() {
    let mock = spawn_frozen().await;
    let org_id = org(&mock, "acme", json!({})).await;
    let ada = member(&mock, &org_id, "ada@acme.com", json!({})).await;
    let token = magic_link_token(&mock, &org_id, &ada, "ada@acme.com").await;
    let login = mock
        .ok_post(
            "/v1/b2b/magic_links/authenticate",
            json!({"magic_links_token": token}),
        )
        .await;
    let jwt = s(&login["session_jwt"]);
    let keys = jwks(&mock).await;
    let claims = verify_locally(&keys, &jwt, true, now_of(&mock)).unwrap();
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        300
    );
    assert_eq!(claims["nbf"], claims["iat"]);

    mock.advance_clock(299).await;
    verify_locally(&keys, &jwt, true, now_of(&mock)).expect("valid until exp");
    mock.advance_clock(1).await;
    assert_eq!(
        verify_locally(&keys, &jwt, true, now_of(&mock)).unwrap_err(),
        "expired"
    );

    // The session behind it lives on (60 minutes): the API accepts the old JWT and renews it.
    let r = mock.ok_post(AUTH, json!({"session_jwt": jwt})).await;
    let fresh = s(&r["session_jwt"]);
    assert_ne!(fresh, jwt);
    let claims = verify_locally(&keys, &fresh, true, now_of(&mock)).unwrap();
    assert_eq!(claims["iat"].as_i64().unwrap(), now_of(&mock));
}

#[tokio::test]
async fn a_session_dies_after_its_duration() {
    let mock = spawn_frozen().await;
    let org_id = org(&mock, "acme", json!({})).await;
    let ada = member(&mock, &org_id, "ada@acme.com", json!({})).await;
    let token = magic_link_token(&mock, &org_id, &ada, "ada@acme.com").await;
    let login = mock
        .ok_post(
            "/v1/b2b/magic_links/authenticate",
            json!({"magic_links_token": token, "session_duration_minutes": 5}),
        )
        .await;
    assert_eq!(
        login["member_session"]["expires_at"],
        "2030-01-01T00:05:00Z"
    );
    mock.advance_clock(299).await;
    mock.ok_post(AUTH, json!({"session_token": login["session_token"]}))
        .await;
    mock.advance_clock(1).await;
    assert_error(
        &mock
            .post(AUTH, json!({"session_token": login["session_token"]}))
            .await,
        404,
        "session_not_found",
    );
    assert_error(
        &mock
            .post(AUTH, json!({"session_jwt": login["session_jwt"]}))
            .await,
        404,
        "session_not_found",
    );
}

#[tokio::test]
async fn a_jwt_issued_before_a_restart_verifies_after_it() {
    // Arrange: a file database; a session and its JWT
    let dir = tempfile::tempdir().unwrap();
    let config = || Config {
        db: DbLocation::File(dir.path().join("mock.db")),
        frozen_clock: Some(FROZEN.parse().unwrap()),
        ..Config::for_tests()
    };
    let mock = spawn_with(config()).await;
    let org_id = org(&mock, "acme", json!({})).await;
    let ada = member(&mock, &org_id, "ada@acme.com", json!({})).await;
    let token = magic_link_token(&mock, &org_id, &ada, "ada@acme.com").await;
    let login = mock
        .ok_post(
            "/v1/b2b/magic_links/authenticate",
            json!({"magic_links_token": token}),
        )
        .await;
    let kid_before = jwks(&mock).await["keys"][0]["kid"].clone();
    mock.stop().await;

    // Act: the same file, a new instance
    let mock = spawn_with(config()).await;

    // Assert
    let keys = jwks(&mock).await;
    assert_eq!(keys["keys"][0]["kid"], kid_before);
    verify_locally(&keys, &s(&login["session_jwt"]), true, now_of(&mock))
        .expect("old JWT verifies with the new JWKS");
    let r = mock
        .ok_post(AUTH, json!({"session_jwt": login["session_jwt"]}))
        .await;
    assert_eq!(
        r["member_session"]["member_session_id"],
        login["member_session"]["member_session_id"]
    );
    mock.stop().await;
}
