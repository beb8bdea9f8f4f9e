//! Durability and determinism: what was answered survives a restart on the same file, and the
//! same seed + clock + request sequence gives byte-identical bodies.

use mock_stytch::{Config, DbLocation};
use serde_json::{Value, json};

use crate::helpers::{FROZEN, TestMock, spawn_frozen, spawn_with};

fn file_config(path: &std::path::Path) -> Config {
    Config {
        db: DbLocation::File(path.to_owned()),
        frozen_clock: Some(FROZEN.parse().unwrap()),
        ..Config::for_tests()
    }
}

#[tokio::test]
async fn everything_written_survives_a_restart() {
    // Arrange: write through HTTP on a file database
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("mock.db");
    let mock = spawn_with(file_config(&db)).await;
    let org = mock
        .create_org("Acme", "acme", json!({"mfa_policy": "REQUIRED_FOR_ALL"}))
        .await;
    let member = mock
        .create_member(
            "acme",
            "ada@acme.com",
            json!({"mfa_phone_number": "+14155552671"}),
        )
        .await;
    mock.advance_clock(120).await;
    mock.stop().await;

    // Act: a new process-equivalent on the same file
    let mock = spawn_with(file_config(&db)).await;

    // Assert
    assert_eq!(
        mock.ok_get("/v1/b2b/organizations/acme").await["organization"],
        org
    );
    let got = mock
        .ok_get(&format!(
            "/v1/b2b/organizations/acme/member?member_id={}",
            member["member_id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(got["member"], member);
    assert_eq!(
        mock.ok_get("/_mock/clock").await["now"],
        "2030-01-01T00:02:00Z",
        "the clock offset persists"
    );
    // new ids do not repeat old ones
    let next = mock.create_member("acme", "bob@acme.com", json!({})).await;
    assert_ne!(next["member_id"], member["member_id"]);
    mock.stop().await;
}

#[tokio::test]
async fn a_database_refuses_a_different_seed() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("mock.db");
    spawn_with(file_config(&db)).await.stop().await;
    let err = mock_stytch::MockServer::spawn(Config {
        seed: Some(7),
        ..file_config(&db)
    })
    .await
    .err()
    .expect("refused");
    assert!(err.to_string().contains("seed"), "{err}");
}

async fn script(mock: &TestMock) -> Vec<Value> {
    let mut bodies = vec![];
    bodies.push(
        mock.post(
            "/v1/b2b/organizations",
            json!({"organization_name": "Acme", "organization_slug": "acme"}),
        )
        .await
        .1,
    );
    bodies.push(
        mock.post(
            "/v1/b2b/organizations/acme/members",
            json!({"email_address": "ada@acme.com"}),
        )
        .await
        .1,
    );
    bodies.push(
        mock.post(
            "/v1/b2b/organizations/acme/members",
            json!({"email_address": "ada@acme.com"}),
        )
        .await
        .1,
    );
    bodies.push(
        mock.put(
            "/v1/b2b/organizations/acme",
            json!({"mfa_policy": "REQUIRED_FOR_ALL"}),
        )
        .await
        .1,
    );
    bodies.push(
        mock.post(
            "/v1/b2b/organizations/members/search",
            json!({"organization_ids": ["acme"]}),
        )
        .await
        .1,
    );
    bodies.push(mock.get("/v1/b2b/organizations/nope").await.1);
    bodies
}

#[tokio::test]
async fn two_fresh_seeded_instances_answer_byte_identically() {
    let (a, b) = (spawn_frozen().await, spawn_frozen().await);
    let (ra, rb) = (script(&a).await, script(&b).await);
    assert_eq!(
        serde_json::to_string(&ra).unwrap(),
        serde_json::to_string(&rb).unwrap()
    );
    // and a different seed gives different ids
    let c = spawn_with(Config {
        seed: Some(43),
        frozen_clock: Some(FROZEN.parse().unwrap()),
        ..Config::for_tests()
    })
    .await;
    let rc = script(&c).await;
    assert_ne!(
        ra[0]["organization"]["organization_id"],
        rc[0]["organization"]["organization_id"]
    );
}
