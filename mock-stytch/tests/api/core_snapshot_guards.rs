//! What a snapshot and a restore must never do: take half a unit into a snapshot while writes
//! run, or change anything when the file offered is not a snapshot of this mock (garbage, a
//! foreign SQLite file, another seed, other migrations, another schema, a truncated file).

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use mock_stytch::config::{DEFAULT_PROJECT_ID, DEFAULT_SECRET};
use mock_stytch::{Config, DbLocation, MockServer};
use serde_json::{Value, json};
use sqlx::{Connection, SqliteConnection};

use crate::core_snapshots::{SEED, frozen_mock};
use crate::snapshot_script::build_world;

fn client() -> reqwest::Client {
    reqwest::Client::new()
}

/// POST `body` (JSON, or raw bytes with `content_type`) to `path`; status and JSON answer.
async fn send(mock: &MockServer, path: &str, content_type: &str, body: Vec<u8>) -> (u16, Value) {
    let resp = client()
        .post(format!("{}{path}", mock.base_url))
        .basic_auth(DEFAULT_PROJECT_ID, Some(DEFAULT_SECRET))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap())
}

async fn restore_path(mock: &MockServer, file: &Path) -> (u16, Value) {
    let body = json!({"path": file.to_str().unwrap()}).to_string();
    send(
        mock,
        "/_mock/restore",
        "application/json",
        body.into_bytes(),
    )
    .await
}

async fn download(mock: &MockServer) -> Vec<u8> {
    let resp = client()
        .post(format!("{}/_mock/snapshot", mock.base_url))
        .basic_auth(DEFAULT_PROJECT_ID, Some(DEFAULT_SECRET))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    resp.bytes().await.unwrap().to_vec()
}

/// Everything a refused restore could have touched: data (search and outbox answers without
/// their request ids), the generator, the clock and the signing key.
async fn probe(mock: &MockServer) -> Value {
    let (_, mut orgs) = send(
        mock,
        "/v1/b2b/organizations/search",
        "application/json",
        b"{}".to_vec(),
    )
    .await;
    let mut outbox: Value = client()
        .get(format!("{}/_mock/outbox", mock.base_url))
        .basic_auth(DEFAULT_PROJECT_ID, Some(DEFAULT_SECRET))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    orgs.as_object_mut().unwrap().remove("request_id");
    outbox.as_object_mut().unwrap().remove("request_id");
    let state = &mock.state;
    json!({
        "orgs": orgs, "outbox": outbox, "counter": state.ids.counter(), "boot": state.ids.boot(),
        "offset": state.clock.offset(), "key": state.signing.stored_form(),
    })
}

/// Copy `good` to `name` in `dir` and run `sql` on the copy.
async fn altered(dir: &Path, good: &Path, name: &str, sql: &str) -> std::path::PathBuf {
    let file = dir.join(name);
    std::fs::copy(good, &file).unwrap();
    let mut conn = SqliteConnection::connect(&format!("sqlite:{}", file.display()))
        .await
        .unwrap();
    sqlx::raw_sql(sql).execute(&mut conn).await.unwrap();
    conn.close().await.unwrap();
    file
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_that_is_not_a_snapshot_of_this_mock_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mock = frozen_mock(DbLocation::File(dir.path().join("live.db"))).await;
    build_world(&mock.base_url).await;
    let good = dir.path().join("good.sqlite");
    assert_eq!(restore_path(&mock, &good).await.0, 400, "no file yet");
    let body = json!({"path": good.to_str().unwrap()}).to_string();
    assert_eq!(
        send(
            &mock,
            "/_mock/snapshot",
            "application/json",
            body.into_bytes()
        )
        .await
        .0,
        200
    );
    // A snapshot goes only where the caller may write a file: else a 400, not a 500.
    let missing_dir = dir.path().join("no/such/dir/x.sqlite");
    for path in [
        "relative.sqlite",
        dir.path().to_str().unwrap(),
        missing_dir.to_str().unwrap(),
        "/proc/x.sqlite",
    ] {
        let body = json!({"path": path}).to_string().into_bytes();
        let (status, err) = send(&mock, "/_mock/snapshot", "application/json", body).await;
        assert_eq!(
            (status, err["error_type"].as_str()),
            (400, Some("invalid_argument")),
            "{path}: {err}"
        );
    }
    // Move the clock so a restore of `good` would visibly move it back.
    send(
        &mock,
        "/_mock/clock",
        "application/json",
        br#"{"advance_seconds": 60}"#.to_vec(),
    )
    .await;
    let before = probe(&mock).await;

    let foreign = dir.path().join("foreign.sqlite");
    {
        let mut conn = SqliteConnection::connect(&format!("sqlite:{}?mode=rwc", foreign.display()))
            .await
            .unwrap();
        sqlx::raw_sql("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT); INSERT INTO meta VALUES ('seed', '4242')")
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
    }
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "SQLite format 3? no, just text").unwrap();
    let old_migrations = altered(
        dir.path(),
        &good,
        "old.sqlite",
        "DELETE FROM _sqlx_migrations WHERE version = (SELECT max(version) FROM _sqlx_migrations)",
    )
    .await;
    let other_schema = altered(dir.path(), &good, "schema.sqlite", "CREATE TABLE extra (x)").await;
    let truncated = dir.path().join("truncated.sqlite");
    let bytes = std::fs::read(&good).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() / 3]).unwrap();
    let other_seed = {
        let seven = MockServer::spawn(Config {
            seed: Some(7),
            ..Config::for_tests()
        })
        .await
        .unwrap();
        let bytes = download(&seven).await;
        seven.stop().await.unwrap();
        bytes
    };

    let by_path: [(&Path, &str); 7] = [
        (&dir.path().join("missing.sqlite"), "cannot read"),
        (dir.path(), "cannot read"),
        (&text, "not an SQLite database"),
        (&foreign, "not a mock-stytch database"),
        (&old_migrations, "other migrations"),
        (&other_schema, "schema"),
        (&truncated, "not a mock-stytch database"),
    ];
    for (file, why) in by_path {
        let (status, err) = restore_path(&mock, file).await;
        assert_eq!(
            (status, err["error_type"].as_str()),
            (400, Some("invalid_snapshot")),
            "{file:?}: {err}"
        );
        let message = err["error_message"].as_str().unwrap();
        assert!(message.contains(why), "{file:?}: {message}");
        assert_eq!(probe(&mock).await, before, "{file:?} changed the state");
    }
    let sqlite = "application/vnd.sqlite3";
    let by_bytes: [(Vec<u8>, &str, u16, &str, &str); 5] = [
        (
            b"garbage".to_vec(),
            sqlite,
            400,
            "invalid_snapshot",
            "not an SQLite",
        ),
        // Past the 1 MiB of other routes: this route reads it, and refuses it for what it is.
        (
            vec![0u8; 2 << 20],
            sqlite,
            400,
            "invalid_snapshot",
            "not an SQLite",
        ),
        (
            other_seed,
            sqlite,
            400,
            "invalid_snapshot",
            "under seed 7, this mock runs seed 4242",
        ),
        (
            b"{}".to_vec(),
            "application/json",
            400,
            "invalid_argument",
            "path",
        ),
        (
            bytes.clone(),
            "text/plain",
            415,
            "invalid_content_type",
            "application/vnd.sqlite3",
        ),
    ];
    for (i, (body, content_type, status, error_type, why)) in by_bytes.into_iter().enumerate() {
        let (got, err) = send(&mock, "/_mock/restore", content_type, body).await;
        assert_eq!(
            (got, err["error_type"].as_str()),
            (status, Some(error_type)),
            "body {i}: {err}"
        );
        let message = err["error_message"].as_str().unwrap();
        assert!(message.contains(why), "body {i}: {message}");
        assert_eq!(probe(&mock).await, before, "body {i} changed the state");
    }

    // The good file is taken, and does move the clock back: the refusals were refusals.
    let (status, restored) = restore_path(&mock, &good).await;
    assert_eq!(status, 200, "{restored}");
    assert_ne!(probe(&mock).await, before);
    assert_eq!(
        mock.state.clock.offset(),
        before["offset"].as_i64().unwrap() - 60
    );
}

/// Counts in a snapshot file: members, and the magic-link emails their signups sent.
async fn counts(bytes: &[u8], dir: &Path, name: &str) -> (usize, usize) {
    let file = dir.join(name);
    std::fs::write(&file, bytes).unwrap();
    let mut conn = SqliteConnection::connect(&format!("sqlite:{}", file.display()))
        .await
        .unwrap();
    let ok: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(ok, "ok");
    let members: i64 = sqlx::query_scalar("SELECT count(*) FROM members")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    let emails: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox WHERE channel = 'email'")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    (members as usize, emails as usize)
}

/// Snapshots taken while 6 clients sign members up (each signup one unit: a member, its token
/// and its email) hold whole units only, and a number of them between the signups answered
/// before the snapshot was asked for and those sent before it was answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_snapshot_under_concurrent_writes_holds_a_moment_of_commits() {
    let dir = tempfile::tempdir().unwrap();
    let mock = MockServer::spawn(Config {
        db: DbLocation::File(dir.path().join("busy.db")),
        seed: Some(SEED),
        ..Config::for_tests()
    })
    .await
    .unwrap();
    let (_, org) = send(
        &mock,
        "/v1/b2b/organizations",
        "application/json",
        json!({"organization_name": "Busy", "organization_slug": "busy",
               "email_jit_provisioning": "RESTRICTED", "email_allowed_domains": ["busy.com"]})
        .to_string()
        .into_bytes(),
    )
    .await;
    let org_id = org["organization"]["organization_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (sent, answered, stop) = (
        Arc::new(AtomicUsize::new(0)),
        Arc::new(AtomicUsize::new(0)),
        Arc::new(AtomicBool::new(false)),
    );
    let mut writers = Vec::new();
    for w in 0..6 {
        let (sent, answered, stop) = (sent.clone(), answered.clone(), stop.clone());
        let (url, org_id) = (mock.base_url.clone(), org_id.clone());
        writers.push(tokio::spawn(async move {
            let http = client();
            let mut i = 0;
            while !stop.load(Ordering::SeqCst) {
                sent.fetch_add(1, Ordering::SeqCst);
                let resp = http
                    .post(format!("{url}/v1/b2b/magic_links/email/login_or_signup"))
                    .basic_auth(DEFAULT_PROJECT_ID, Some(DEFAULT_SECRET))
                    .json(&json!({"organization_id": org_id, "email_address": format!("w{w}-{i}@busy.com")}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(resp.status(), 200);
                answered.fetch_add(1, Ordering::SeqCst);
                i += 1;
            }
        }));
    }
    let mut last = Vec::new();
    for round in 0..5 {
        while answered.load(Ordering::SeqCst) < 20 * (round + 1) {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        let floor = answered.load(Ordering::SeqCst);
        let bytes = download(&mock).await;
        let ceiling = sent.load(Ordering::SeqCst);
        let (members, emails) = counts(&bytes, dir.path(), &format!("round{round}.sqlite")).await;
        assert_eq!(
            members, emails,
            "round {round}: a signup is whole or absent"
        );
        assert!(
            (floor..=ceiling).contains(&members),
            "round {round}: {members} members, answered {floor} before, sent {ceiling} by the end"
        );
        last = bytes;
    }
    stop.store(true, Ordering::SeqCst);
    for w in writers {
        w.await.unwrap();
    }
    // The last one restores into a fresh mock of the same seed, with every member in it.
    let (members, _) = counts(&last, dir.path(), "last.sqlite").await;
    let fresh = MockServer::spawn(Config {
        seed: Some(SEED),
        ..Config::for_tests()
    })
    .await
    .unwrap();
    let (status, restored) = send(&fresh, "/_mock/restore", "application/vnd.sqlite3", last).await;
    assert_eq!(status, 200, "{restored}");
    let (_, found) = send(
        &fresh,
        "/v1/b2b/organizations/members/search",
        "application/json",
        json!({"organization_ids": [org_id], "limit": 1})
            .to_string()
            .into_bytes(),
    )
    .await;
    assert_eq!(found["results_metadata"]["total"], members);
    mock.stop().await.unwrap();
}
