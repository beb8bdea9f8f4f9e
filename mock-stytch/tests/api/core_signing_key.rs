//! The JWT signing key (issue 10): derived from the seed off the startup path, then stored. It
//! must be the seed's key (checked against an independent derivation), stored so a restart
//! loads it at once and old JWTs still verify, and the same for any fresh database with that seed.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use mock_stytch::config::DEFAULT_PROJECT_ID;
use mock_stytch::db::get_meta;
use mock_stytch::{Config, DbLocation};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use rsa::traits::PublicKeyParts;
use serde_json::json;

use crate::helpers::{FROZEN, TestMock, spawn_with};
use crate::mfa_helpers::{org_and_member, primary_session};

/// Used by no other test, so this test really generates the key instead of hitting the cache.
const SEED: u64 = 0x5EED_0010;

fn config(path: &std::path::Path) -> Config {
    Config {
        db: DbLocation::File(path.to_owned()),
        seed: Some(SEED),
        frozen_clock: Some(FROZEN.parse().unwrap()),
        ..Config::for_tests()
    }
}

async fn jwk_n(mock: &TestMock) -> String {
    let jwks = mock
        .ok_get(&format!("/v1/b2b/sessions/jwks/{DEFAULT_PROJECT_ID}"))
        .await;
    jwks["keys"][0]["n"].as_str().unwrap().to_owned()
}

/// Wait (bounded) until the background generation has stored the key.
async fn stored_key(mock: &TestMock) -> String {
    for _ in 0..500 {
        let mut conn = mock.server.state.db.pool.acquire().await.unwrap();
        if let Some(k) = get_meta(&mut conn, "jwt_signing_key").await.unwrap() {
            return k;
        }
        drop(conn);
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("the signing key was never stored");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_signing_key_is_the_seeds_key_stored_once_and_reloaded() {
    // Arrange: a fresh database; routes without JWTs answer whether or not the key is ready
    let dir = tempfile::tempdir().unwrap();
    let mock = spawn_with(config(&dir.path().join("a.db"))).await;
    let (org, member) = org_and_member(&mock, json!({}), json!({})).await;

    // Act: a JWT (waits for the key if needed), the JWKS, the stored key
    let (_, jwt) = primary_session(&mock, &org, &member).await;
    let n = jwk_n(&mock).await;
    let stored = stored_key(&mock).await;

    // Assert: it is the seed's key, derived independently here
    let expected = rsa::RsaPrivateKey::new(&mut ChaCha20Rng::seed_from_u64(SEED), 2048).unwrap();
    assert_eq!(n, URL_SAFE_NO_PAD.encode(expected.n().to_bytes_be()));

    // Act: restart on the same file
    mock.stop().await;
    let mock = spawn_with(config(&dir.path().join("a.db"))).await;

    // Assert: loaded at startup (no generation), same key, the old JWT still verifies
    assert!(
        mock.server.state.signing.is_ready(),
        "a stored key is ready at once"
    );
    assert_eq!(jwk_n(&mock).await, n);
    let (status, body) = mock
        .post("/v1/b2b/sessions/authenticate", json!({"session_jwt": jwt}))
        .await;
    assert_eq!(status, 200, "{body}");
    mock.stop().await;

    // A second fresh database with the same seed gets the same key, stored the same way.
    let other = spawn_with(config(&dir.path().join("b.db"))).await;
    assert_eq!(jwk_n(&other).await, n);
    assert_eq!(stored_key(&other).await, stored);
    other.stop().await;
}
