//! Snapshots and restores (issue 18 item 4), the acceptance first: snapshot → 50 requests →
//! restore → the same 50 requests get byte-identical bodies (request ids, tokens, codes and
//! session JWTs included), on a database file, in memory (download + upload form), and in a
//! fresh process started with `--restore`. The refusals and the snapshot under concurrent
//! writes are in `core_snapshot_guards`.

use std::process::Command;

use mock_stytch::{Config, DbLocation, MockServer};
use serde_json::{Value, json};

use crate::helpers::FROZEN;
use crate::process::MockProcess;
use crate::snapshot_script::{
    Answer, Run, SCRIPT_LEN, World, assert_same_answers, build_world, script,
};

pub const SEED: u64 = 4242;

/// A mock with a frozen clock and [`SEED`] on `db`.
pub async fn frozen_mock(db: DbLocation) -> MockServer {
    MockServer::spawn(Config {
        db,
        seed: Some(SEED),
        frozen_clock: Some(FROZEN.parse().unwrap()),
        ..Config::for_tests()
    })
    .await
    .expect("mock starts")
}

/// The script's answers were not trivially equal: every request id differs, and the session
/// JWTs, tokens and codes are in them.
fn assert_rich(answers: &[Answer]) {
    let bodies: Vec<Value> = answers
        .iter()
        .map(|a| serde_json::from_slice(&a.body).unwrap())
        .collect();
    let mut ids: Vec<&str> = bodies
        .iter()
        .map(|b| b["request_id"].as_str().unwrap())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), SCRIPT_LEN, "every answer has its own request id");
    let jwts = bodies
        .iter()
        .filter(|b| b["session_jwt"].as_str().is_some_and(|j| j.len() > 100))
        .count();
    assert!(jwts >= 6, "{jwts} answers carry a session JWT");
    let statuses: Vec<u16> = answers.iter().map(|a| a.status).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        SCRIPT_LEN - 1
    );
}

async fn post(mock: &MockServer, path: &str, body: Value) -> (u16, Value) {
    let mut run = Run::new(&mock.base_url);
    run.call("POST", path, Some(body)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_requests_after_a_restore_get_byte_identical_answers() {
    let dir = tempfile::tempdir().unwrap();
    let mock = frozen_mock(DbLocation::File(dir.path().join("live.db"))).await;
    let world = build_world(&mock.base_url).await;
    let file = dir.path().join("point.sqlite");
    let (status, taken) = post(
        &mock,
        "/_mock/snapshot",
        json!({"path": file.to_str().unwrap()}),
    )
    .await;
    assert_eq!(status, 200, "{taken}");
    assert_eq!(taken["path"], file.to_str().unwrap());
    let size = std::fs::metadata(&file).unwrap().len();
    assert_eq!(taken["size_bytes"], size);

    let before = script(&mock.base_url, &world).await;
    assert_rich(&before);
    let (status, restored) = post(
        &mock,
        "/_mock/restore",
        json!({"path": file.to_str().unwrap()}),
    )
    .await;
    assert_eq!(status, 200, "{restored}");
    assert_eq!(restored["restored"], true);
    let after = script(&mock.base_url, &world).await;
    assert_same_answers(&before, &after);

    // Restorable again and again: the snapshot file is not consumed.
    post(
        &mock,
        "/_mock/restore",
        json!({"path": file.to_str().unwrap()}),
    )
    .await;
    assert_same_answers(&before, &script(&mock.base_url, &world).await);
    mock.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_memory_state_downloads_as_a_file_and_uploads_back() {
    let mock = frozen_mock(DbLocation::Memory).await;
    let world = build_world(&mock.base_url).await;
    let resp = reqwest::Client::new()
        .post(format!("{}/_mock/snapshot", mock.base_url))
        .basic_auth(
            mock_stytch::config::DEFAULT_PROJECT_ID,
            Some(mock_stytch::config::DEFAULT_SECRET),
        )
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/vnd.sqlite3");
    let disposition = resp.headers()["content-disposition"].to_str().unwrap();
    assert!(
        disposition.starts_with("attachment; filename=") && disposition.contains(".sqlite"),
        "{disposition}"
    );
    let bytes = resp.bytes().await.unwrap().to_vec();
    assert_eq!(&bytes[..16], b"SQLite format 3\0");

    let before = script(&mock.base_url, &world).await;
    assert_rich(&before);
    let restored = reqwest::Client::new()
        .post(format!("{}/_mock/restore", mock.base_url))
        .basic_auth(
            mock_stytch::config::DEFAULT_PROJECT_ID,
            Some(mock_stytch::config::DEFAULT_SECRET),
        )
        .header("content-type", "application/vnd.sqlite3")
        .body(bytes)
        .send()
        .await
        .unwrap();
    assert_eq!(restored.status(), 200, "{}", restored.text().await.unwrap());
    let after = script(&mock.base_url, &world).await;
    assert_same_answers(&before, &after);
    mock.stop().await.unwrap();
}

/// `mock-stytch` with a frozen clock and `args`, on a free port.
fn start_binary(args: &[&str]) -> MockProcess {
    let mut all = vec!["--frozen-clock", FROZEN];
    all.extend(args);
    MockProcess::serving(&all)
}

/// `--restore FILE` at start, with `--db` (an existing database, overwritten) and with
/// `--in-memory`: the fresh process answers the script as the snapshotted one did.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_process_started_with_restore_answers_as_after_the_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let mock = frozen_mock(DbLocation::File(dir.path().join("live.db"))).await;
    let world: World = build_world(&mock.base_url).await;
    let file = dir.path().join("point.sqlite");
    let (status, _) = post(
        &mock,
        "/_mock/snapshot",
        json!({"path": file.to_str().unwrap()}),
    )
    .await;
    assert_eq!(status, 200);
    let before = script(&mock.base_url, &world).await;
    mock.stop().await.unwrap();

    // An existing database with other data: the snapshot replaces it.
    let other = dir.path().join("other.db");
    {
        let seeded = frozen_mock(DbLocation::File(other.clone())).await;
        post(
            &seeded,
            "/v1/b2b/organizations",
            json!({"organization_name": "Elsewhere", "organization_slug": "elsewhere"}),
        )
        .await;
        seeded.stop().await.unwrap();
    }
    let file_arg = file.to_str().unwrap();
    for storage in [vec!["--db", other.to_str().unwrap()], vec!["--in-memory"]] {
        let mut args = storage.clone();
        args.extend(["--restore", file_arg]);
        let child = start_binary(&args);
        let after = script(&child.base_url, &world).await;
        child.stop();
        assert_same_answers(&before, &after);
    }

    // The seed is part of the snapshot: another --seed is refused, with exit code 1.
    let out = Command::new(env!("CARGO_BIN_EXE_mock-stytch"))
        .args(["--listen", "127.0.0.1:0", "--in-memory", "--seed", "7"])
        .args(["--restore", file_arg])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("seed 4242") && err.contains("seed 7"), "{err}");
    // A file that is not a snapshot: a one-line error, exit code 1.
    let out = Command::new(env!("CARGO_BIN_EXE_mock-stytch"))
        .args(["--listen", "127.0.0.1:0", "--in-memory", "--restore"])
        .arg(dir.path().join("missing.sqlite"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("cannot restore"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
