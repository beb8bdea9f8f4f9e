//! Secrets stay secret (issue 11 item 4): password hashes never leave the mock in any response.
//! Walks a tour of every secret-bearing flow ([`crate::secrets_tour`]).

use crate::helpers::spawn_frozen;
use crate::secrets_tour::{Api, PASSWORDS, occurs, tour};

const HASH_PREFIXES: &[&str] = &["$2a$", "$2b$", "$2x$", "$2y$", "$argon2"];

#[tokio::test]
async fn password_hashes_and_passwords_never_appear_in_a_response() {
    // Arrange
    let mock = spawn_frozen().await;
    let api = Api { http: reqwest::Client::new(), base: mock.server.base_url.clone() };

    // Act
    let t = tour(&api).await;

    // Assert: no body carries a hash (any format), the migrated hash's salt+digest, or a password
    let stored: Vec<String> = sqlx::query_scalar("SELECT password_hash FROM members WHERE password_hash IS NOT NULL")
        .fetch_all(&mock.server.state.db.pool)
        .await
        .unwrap();
    assert!(!stored.is_empty(), "the tour leaves a member with a password");
    let mut needles: Vec<String> = HASH_PREFIXES.iter().map(|p| p.to_string()).collect();
    needles.extend(stored.iter().cloned());
    needles.push(t.migrated_hash[7..].to_owned()); // "$2b$04$" stripped: salt and digest alone
    needles.extend(PASSWORDS.iter().map(|p| p.to_string()));
    assert!(t.bodies.len() >= 50, "the tour walked {} calls", t.bodies.len());
    for (at, body) in &t.bodies {
        for n in &needles {
            assert!(!body.contains(n.as_str()), "{at} leaks {n}: {body}");
        }
    }
}
