//! The real binary: graceful shutdown on SIGTERM, and durability under SIGKILL mid-write.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use mock_stytch::config::{DEFAULT_PROJECT_ID, DEFAULT_SECRET};
use serde_json::{Value, json};
use sqlx::Connection;

use crate::process::MockProcess;

/// Start `mock-stytch` on a free port with `db`; returns the process and its base URL.
fn start(db: &std::path::Path) -> (MockProcess, String) {
    let child = MockProcess::serving(&["--seed", "5", "--db", db.to_str().unwrap()]);
    let base = child.base_url.clone();
    (child, base)
}

/// Wait (bounded) until `done` reaches `n`.
async fn until(done: &AtomicUsize, n: usize) {
    for _ in 0..2000 {
        if done.load(Ordering::SeqCst) >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    panic!("the load never reached {n} answered writes");
}

async fn create_member(
    http: reqwest::Client,
    base: String,
    i: usize,
    done: Arc<AtomicUsize>,
) -> Option<String> {
    let id = create_member_once(http, base, i).await;
    if id.is_some() {
        done.fetch_add(1, Ordering::SeqCst);
    }
    id
}

async fn create_member_once(http: reqwest::Client, base: String, i: usize) -> Option<String> {
    let resp = http
        .post(format!("{base}/v1/b2b/organizations/acme/members"))
        .basic_auth(DEFAULT_PROJECT_ID, Some(DEFAULT_SECRET))
        .json(&json!({"email_address": format!("user{i}@acme.com")}))
        .send()
        .await
        .ok()?;
    if resp.status() != 200 {
        return None;
    }
    let body: Value = resp.json().await.ok()?;
    body["member_id"].as_str().map(str::to_owned)
}

async fn setup_org(http: &reqwest::Client, base: &str) {
    let resp = http
        .post(format!("{base}/v1/b2b/organizations"))
        .basic_auth(DEFAULT_PROJECT_ID, Some(DEFAULT_SECRET))
        .json(&json!({"organization_name": "Acme", "organization_slug": "acme"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn sigterm_finishes_in_flight_requests_and_closes_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("mock.db");
    let (mut child, base) = start(&db);
    let http = reqwest::Client::new();
    setup_org(&http, &base).await;

    // 200 writes in flight, SIGTERM after the first few have been answered.
    let done = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..200)
        .map(|i| tokio::spawn(create_member(http.clone(), base.clone(), i, done.clone())))
        .collect();
    let mut answered = vec![];
    until(&done, 20).await;
    child.signal("-TERM");
    for t in tasks {
        if let Some(id) = t.await.unwrap() {
            answered.push(id);
        }
    }
    let status = child.wait();
    assert!(status.success(), "clean exit on SIGTERM: {status}");
    assert!(!answered.is_empty());

    // The database was closed cleanly: WAL checkpointed away, every answered write present.
    let wal = dir.path().join("mock.db-wal");
    assert!(
        !wal.exists() || std::fs::metadata(&wal).unwrap().len() == 0,
        "WAL left behind"
    );
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    for id in &answered {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM members WHERE member_id = ?")
            .bind(id)
            .fetch_one(&mut conn)
            .await
            .unwrap();
        assert_eq!(n, 1, "answered member {id} is missing");
    }
}

/// Tiny deterministic PRNG for kill timings (reproducible rounds, no extra dependency).
fn next(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

#[tokio::test]
async fn sigkill_under_write_load_loses_no_answered_write() {
    const ROUNDS: usize = 5;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("mock.db");
    let http = reqwest::Client::new();
    let mut rng = 0x5eed_u64;
    let mut answered: Vec<String> = vec![];
    for round in 0..ROUNDS {
        let (mut child, base) = start(&db);
        if round == 0 {
            setup_org(&http, &base).await;
        }
        let done = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..300)
            .map(|i| {
                tokio::spawn(create_member(
                    http.clone(),
                    base.clone(),
                    round * 1000 + i,
                    done.clone(),
                ))
            })
            .collect();
        // kill at a random moment after the load is under way
        until(&done, 1 + (next(&mut rng) % 100) as usize).await;
        child.signal("-KILL");
        child.wait();
        for t in tasks {
            if let Some(id) = t.await.unwrap() {
                answered.push(id);
            }
        }
    }
    // Restart once more: every answered write is there and the file is sound.
    let (mut child, base) = start(&db);
    for id in &answered {
        let resp = http
            .get(format!(
                "{base}/v1/b2b/organizations/acme/member?member_id={id}"
            ))
            .basic_auth(DEFAULT_PROJECT_ID, Some(DEFAULT_SECRET))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "answered member {id} lost");
    }
    child.signal("-TERM");
    child.wait();
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(check, "ok");
    assert!(
        answered.len() > ROUNDS,
        "the load produced answered writes ({})",
        answered.len()
    );
}
