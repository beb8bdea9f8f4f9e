//! `stytch-mfa record --har FILE`: a HAR 1.2 capture of a backend's calls to Stytch becomes a
//! scenario that replays green on a fresh in-process mock, and none of the capture's secrets
//! (codes, tokens, passwords, TOTP secrets, session tokens — all in clear in a HAR) reaches the
//! recording.
//!
//! The fixture `tests/fixtures/session.har` was produced by this file's ignored test: the
//! session below played through the engine against an in-process mock behind a capturing
//! layer, the mock's own control calls left out (a backend's HAR has none). Regenerate it with
//! `cargo test -p qa-replay --test record_har -- --ignored`.

mod recording;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

use axum::extract::{Request, State};
use axum::middleware::Next;
use qa_replay::runner::{Target, Verdict, run_scenario};
use qa_replay::scenario::load;
use serde_json::{Value, json};

const SESSION: &str = "\
name: the captured session
organizations:
  acme: { mfa_policy: REQUIRED_FOR_ALL }
  open: { mfa_policy: OPTIONAL }
members:
  alice: { org: acme, email: alice@acme.test }
  bob: { org: acme, email: bob@acme.test, password: \"Correct-Horse-Battery-9\" }
  carl: { org: open, email: carl@open.test }
steps:
  - login: { member: alice, via: magic_link }
  - enroll_sms: { phone: \"+14155550131\" }
  - submit_code: wrong
  - expect: { error: wrong_code }
  - submit_code: from_outbox
  - sign_out
  - login: { member: alice, via: magic_link }
  - submit_code: from_outbox
  - sign_out
  - login: { member: bob, via: password }
  - enroll_totp
  - submit_code: totp_now
  - sign_out
  - login: { member: carl, via: magic_link }
  - begin_enrollment: {}
  - enroll_sms: { phone: \"+14155550132\" }
  - submit_code: from_outbox
  - step_up
  - submit_code: from_outbox
  - sign_out
";

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/session.har")
}

type Entries = Arc<Mutex<Vec<Value>>>;

/// Keep each API exchange as a HAR 1.2 entry (the URL normalised to port 9010 so the fixture
/// does not depend on the port the test got).
async fn capture(
    State(entries): State<Entries>,
    req: Request,
    next: Next,
) -> axum::response::Response {
    let started = chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.6fZ")
        .to_string();
    let (parts, body) = req.into_parts();
    let req_bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let method = parts.method.to_string();
    let path = parts
        .uri
        .path_and_query()
        .map_or("/".into(), |p| p.to_string());
    let resp = next
        .run(Request::from_parts(
            parts,
            axum::body::Body::from(req_bytes.clone()),
        ))
        .await;
    let (rparts, rbody) = resp.into_parts();
    let resp_bytes = axum::body::to_bytes(rbody, usize::MAX)
        .await
        .unwrap_or_default();
    if !path.starts_with("/_mock") {
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        let mut request = json!({
            "method": method, "url": format!("http://127.0.0.1:9010{path}"),
            "httpVersion": "HTTP/1.1", "headers": [], "queryString": [], "cookies": [],
            "headersSize": -1, "bodySize": req_bytes.len(),
        });
        if !req_bytes.is_empty() {
            request["postData"] = json!({"mimeType": "application/json", "text": text(&req_bytes)});
        }
        entries.lock().expect("entries").push(json!({
            "startedDateTime": started, "time": 0, "request": request,
            "response": {
                "status": rparts.status.as_u16(), "statusText": "", "httpVersion": "HTTP/1.1",
                "headers": [], "cookies": [], "redirectURL": "", "headersSize": -1,
                "bodySize": resp_bytes.len(),
                "content": {"size": resp_bytes.len(), "mimeType": "application/json", "text": text(&resp_bytes)},
            },
            "cache": {}, "timings": {"send": 0, "wait": 0, "receive": 0},
        }));
    }
    axum::response::Response::from_parts(rparts, axum::body::Body::from(resp_bytes))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "regenerates tests/fixtures/session.har; run by hand"]
async fn regenerate_the_har_fixture() {
    let state = mock_stytch::AppState::open(mock_stytch::Config::for_tests())
        .await
        .expect("mock state");
    let entries: Entries = Arc::default();
    let app = mock_stytch::routes::router(state).layer(axum::middleware::from_fn_with_state(
        entries.clone(),
        capture,
    ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base_url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("session.yaml");
    std::fs::write(&path, SESSION).expect("write");
    let loaded = load(&path).expect("the session loads");
    let target = Target::Url {
        base_url,
        project_id: mock_stytch::config::DEFAULT_PROJECT_ID.into(),
        secret: mock_stytch::config::DEFAULT_SECRET.into(),
    };
    let report = run_scenario(&loaded, &target).await;
    assert_eq!(
        report.verdict,
        Verdict::Passed,
        "{}",
        qa_replay::report::render(std::slice::from_ref(&report))
    );
    let har = json!({"log": {
        "version": "1.2",
        "creator": {"name": "qa-replay tests/record_har.rs", "version": "1"},
        "entries": *entries.lock().expect("entries"),
    }});
    std::fs::write(
        fixture(),
        serde_json::to_string_pretty(&har).expect("json") + "\n",
    )
    .expect("write the fixture");
}

/// Every value in the HAR's request and response bodies that is a secret.
fn secrets_in(har: &Value) -> Vec<String> {
    const SECRET_KEYS: &[&str] = &[
        "code",
        "magic_links_token",
        "password",
        "password_reset_token",
        "session_token",
        "session_jwt",
        "intermediate_session_token",
        "recovery_code",
        "secret",
        "hash",
    ];
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    match x.as_str() {
                        Some(s) if SECRET_KEYS.contains(&k.as_str()) && s.len() >= 6 => {
                            out.push(s.to_owned())
                        }
                        _ => walk(x, out),
                    }
                }
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for e in har["log"]["entries"].as_array().expect("entries") {
        for text in [
            &e["request"]["postData"]["text"],
            &e["response"]["content"]["text"],
        ] {
            if let Some(v) = text
                .as_str()
                .and_then(|t| serde_json::from_str::<Value>(t).ok())
            {
                walk(&v, &mut out);
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recorded_har_replays_green_and_holds_no_secret() {
    // Arrange
    let har: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture()).expect("fixture")).expect("json");
    let secrets = secrets_in(&har);
    assert!(
        secrets.len() > 20,
        "the fixture holds secrets to leak: {}",
        secrets.len()
    );
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("recorded.yaml");

    // Act
    let yaml = recording::record_har(&fixture(), &out);

    // Assert
    recording::assert_replays_green(&out, &yaml).await;
    let steps = recording::recorded_steps(&yaml);
    let expected = [
        r#"  - login: {"member":"alice","via":"magic_link"}"#,
        r#"  - enroll_sms: {"phone":"+14155550131"}"#,
        r#"  - submit_code: "wrong""#,
        r#"  - submit_code: "from_outbox""#,
        "  - sign_out",
        r#"  - login: {"member":"alice","via":"magic_link"}"#,
        r#"  - submit_code: "from_outbox""#,
        "  - sign_out",
        r#"  - login: {"member":"bob","via":"password"}"#,
        "  - enroll_totp",
        r#"  - submit_code: "totp_now""#,
        "  - sign_out",
        r#"  - login: {"member":"carl","via":"magic_link"}"#,
        "  - begin_enrollment: {}",
        r#"  - enroll_sms: {"phone":"+14155550132"}"#,
        r#"  - submit_code: "from_outbox""#,
        "  - step_up",
        r#"  - submit_code: "from_outbox""#,
        "  - sign_out",
    ];
    assert_eq!(steps, expected, "{yaml}");
    for s in &secrets {
        assert!(
            !yaml.contains(s.as_str()),
            "a secret from the HAR reached the recording: {s}\n{yaml}"
        );
    }
}

#[test]
fn a_file_that_is_not_a_har_exits_2() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let bad = tmp.path().join("x.har");
    std::fs::write(&bad, "{\"not\": \"a har\"}").expect("write");
    let run = Command::new(env!("CARGO_BIN_EXE_stytch-mfa"))
        .args(["record", "--har"])
        .arg(&bad)
        .output()
        .expect("runs");
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("not a HAR 1.2 file"));
}
