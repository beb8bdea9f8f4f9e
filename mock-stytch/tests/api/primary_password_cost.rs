//! Passwords the mock hashes itself are cheap (bcrypt cost 4 by default, `password_hash_cost` to
//! choose), imported hashes keep their own algorithm and cost, and verifying outside the write
//! lock still counts every wrong password (issue 16).

use futures_util::future::join_all;
use mock_stytch::Config;
use serde_json::json;

use crate::helpers::{TestMock, assert_error, spawn_with};
use crate::primary_helpers::{NEW_PASSWORD, PASSWORD, last_message, member, org, s};

async fn stored_hash(mock: &TestMock, member_id: &str) -> String {
    sqlx::query_scalar("SELECT password_hash FROM members WHERE member_id = ?")
        .bind(member_id)
        .fetch_one(&mock.server.state.db.sqlx)
        .await
        .unwrap()
}

/// Reset `email`'s password to [`NEW_PASSWORD`] by the email flow.
async fn reset(mock: &TestMock, org_id: &str, member_id: &str, email: &str) {
    mock.ok_post(
        "/v1/b2b/passwords/email/reset/start",
        json!({"organization_id": org_id, "email_address": email}),
    )
    .await;
    let token = s(&last_message(mock, member_id, "password_reset").await["token"]);
    mock.ok_post(
        "/v1/b2b/passwords/email/reset",
        json!({"password_reset_token": token, "password": NEW_PASSWORD}),
    )
    .await;
}

#[tokio::test]
async fn a_reset_hashes_at_the_configured_cost_and_the_default_is_four() {
    for (config, prefix) in [
        (Config::for_tests(), "$2b$04$"),
        (
            Config {
                password_hash_cost: 6,
                ..Config::for_tests()
            },
            "$2b$06$",
        ),
    ] {
        // Arrange
        let mock = spawn_with(config).await;
        let org_id = org(&mock, "acme", json!({})).await;
        let ada = member(&mock, &org_id, "ada@acme.com", json!({})).await;

        // Act
        reset(&mock, &org_id, &ada, "ada@acme.com").await;

        // Assert
        assert!(stored_hash(&mock, &ada).await.starts_with(prefix));
        let login = mock
            .ok_post(
                "/v1/b2b/passwords/authenticate",
                json!({"organization_id": org_id, "email_address": "ada@acme.com", "password": NEW_PASSWORD}),
            )
            .await;
        assert_eq!(login["member_authenticated"], true);
    }
    assert_eq!(Config::default().password_hash_cost, 4);
}

#[tokio::test]
async fn an_imported_hash_keeps_its_own_cost() {
    // Arrange
    let mock = spawn_with(Config::for_tests()).await;
    let org_id = org(&mock, "acme", json!({})).await;
    let imported = bcrypt::hash(PASSWORD, 7).unwrap();

    // Act
    let m = mock
        .ok_post(
            "/v1/b2b/passwords/migrate",
            json!({"organization_id": org_id, "email_address": "ada@acme.com", "hash": imported, "hash_type": "bcrypt"}),
        )
        .await;
    let login = mock
        .post(
            "/v1/b2b/passwords/authenticate",
            json!({"organization_id": org_id, "email_address": "ada@acme.com", "password": PASSWORD}),
        )
        .await;

    // Assert
    assert_eq!(stored_hash(&mock, &s(&m["member_id"])).await, imported);
    assert_eq!(login.0, 200, "{}", login.1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_wrong_passwords_are_each_counted_once() {
    // Arrange: a member with a password, the default threshold of 10
    let mock = spawn_with(Config::for_tests()).await;
    let org_id = org(&mock, "acme", json!({})).await;
    let ada = member(&mock, &org_id, "ada@acme.com", json!({})).await;
    reset(&mock, &org_id, &ada, "ada@acme.com").await;
    let wrong = json!({"organization_id": org_id, "email_address": "ada@acme.com", "password": "not-the-password"});

    // Act: 16 wrong passwords at once (each verified outside the lock, counted inside it)
    let answers =
        join_all((0..16).map(|_| mock.post("/v1/b2b/passwords/authenticate", wrong.clone()))).await;

    // Assert: exactly the first 10 are judged (the 10th locks), the other 6 meet the lock
    let status = |code: u16| answers.iter().filter(|(s, _)| *s == code).count();
    assert_eq!((status(401), status(429)), (10, 6), "{answers:?}");
    assert_error(
        &mock
            .post(
                "/v1/b2b/passwords/authenticate",
                json!({"organization_id": org_id, "email_address": "ada@acme.com", "password": NEW_PASSWORD}),
            )
            .await,
        429,
        "user_lock_limit_reached",
    );
}
