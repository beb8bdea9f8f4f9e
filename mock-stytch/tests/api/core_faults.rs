//! Fault injection (`/_mock/faults`): each kind, matching by method / path / pattern / body
//! field, `times` and `probability`, the rule list and its deletion, the request log and HAR
//! marks, and that a fault never half-applies a write.

use std::time::Duration;

use mock_stytch::Config;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{TestMock, assert_error, spawn, spawn_with};

const ORGS: &str = "/v1/b2b/organizations";
const ORG_SEARCH: &str = "/v1/b2b/organizations/search";

async fn add_fault(mock: &TestMock, rule: Value) -> Value {
    mock.ok_post("/_mock/faults", rule).await["fault"].clone()
}

fn new_org(slug: &str) -> Value {
    json!({"organization_name": slug, "organization_slug": slug})
}

async fn count(mock: &TestMock, table: &str) -> i64 {
    let mut conn = mock.server.state.db.sqlx.acquire().await.unwrap();
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(&mut *conn)
        .await
        .unwrap()
}

/// The newest request-log entry for `path`.
async fn logged(mock: &TestMock, path: &str) -> Value {
    let log = mock.ok_get("/_mock/requests?limit=50").await;
    log["requests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["path"] == path)
        .cloned()
        .unwrap_or_else(|| panic!("{path} not in the request log: {log}"))
}

/// The raw bytes a plain-HTTP client gets for `POST path` with `body`, up to the close.
async fn raw_post(mock: &TestMock, path: &str, body: &str) -> Vec<u8> {
    let mut tcp = tokio::net::TcpStream::connect(mock.server.addr)
        .await
        .unwrap();
    let auth = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            mock_stytch::config::DEFAULT_PROJECT_ID,
            mock_stytch::config::DEFAULT_SECRET
        ))
    };
    let req = format!(
        "POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {auth}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    tcp.write_all(req.as_bytes()).await.unwrap();
    let mut got = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), tcp.read_to_end(&mut got)).await;
    // A reset instead of a clean close is also "no answer"; either way nothing was read.
    let _ = read.expect("the mock closes the connection");
    got
}

#[tokio::test]
async fn an_error_fault_answers_the_catalog_error_and_writes_nothing() {
    let mock = spawn().await;
    let rule = add_fault(
        &mock,
        json!({"method": "POST", "path": ORGS,
               "action": {"kind": "error", "error_type": "organization_slug_already_used"}}),
    )
    .await;
    assert_eq!(rule["id"], "fault-1");
    assert_eq!(
        (rule["hits"].clone(), rule["remaining"].clone()),
        (json!(0), Value::Null)
    );
    let before = count(&mock, "organizations").await;
    let resp = mock.post(ORGS, new_org("acme")).await;
    assert_error(&resp, 400, "organization_slug_already_used");
    assert_eq!(
        resp.1["error_message"],
        "That organization_slug is already used."
    );
    assert_eq!(
        count(&mock, "organizations").await,
        before,
        "the handler never ran"
    );
    let entry = logged(&mock, ORGS).await;
    assert_eq!(entry["status"], 400);
    assert_eq!(entry["fault"], json!({"rule": "fault-1", "kind": "error"}));

    // Overrides of status and message.
    mock.delete("/_mock/faults").await;
    add_fault(
        &mock,
        json!({"path": ORGS, "action": {"kind": "error", "error_type": "internal_server_error",
               "status": 503, "error_message": "Stytch is down."}}),
    )
    .await;
    let resp = mock.post(ORGS, new_org("acme")).await;
    assert_error(&resp, 503, "internal_server_error");
    assert_eq!(resp.1["error_message"], "Stytch is down.");
    assert_eq!(
        resp.1["error_url"],
        "https://stytch.com/docs/api/errors/503"
    );
    assert_eq!(count(&mock, "organizations").await, before);
}

#[tokio::test]
async fn too_many_requests_is_a_429_before_the_handler() {
    let mock = spawn().await;
    add_fault(
        &mock,
        json!({"path": ORGS, "action": {"kind": "too_many_requests"}}),
    )
    .await;
    let resp = mock.post(ORGS, new_org("acme")).await;
    assert_error(&resp, 429, "too_many_requests");
    assert_eq!(count(&mock, "organizations").await, 0);
}

#[tokio::test]
async fn a_delay_waits_then_answers_normally() {
    let mock = spawn().await;
    add_fault(
        &mock,
        json!({"path": ORG_SEARCH, "action": {"kind": "delay", "ms": 300}}),
    )
    .await;
    let started = std::time::Instant::now();
    let (status, _) = mock.post(ORG_SEARCH, json!({})).await;
    assert_eq!(status, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
    let entry = logged(&mock, ORG_SEARCH).await;
    assert!(entry["duration_us"].as_u64().unwrap() >= 300_000, "{entry}");
    assert_eq!(entry["fault"]["kind"], "delay");
}

#[tokio::test]
async fn drop_closes_the_connection_with_zero_bytes_and_writes_nothing() {
    let mock = spawn().await;
    add_fault(&mock, json!({"path": ORGS, "action": {"kind": "drop"}})).await;
    let got = raw_post(&mock, ORGS, &new_org("acme").to_string()).await;
    assert!(
        got.is_empty(),
        "the client read {:?}",
        String::from_utf8_lossy(&got)
    );
    assert_eq!(
        count(&mock, "organizations").await,
        0,
        "the handler never ran"
    );
    let entry = logged(&mock, ORGS).await;
    assert_eq!(entry["status"], 0, "{entry}");
    assert_eq!(entry["fault"], json!({"rule": "fault-1", "kind": "drop"}));
    // The mock keeps serving (other connections, and the next request on this route).
    mock.delete("/_mock/faults").await;
    assert_eq!(mock.post(ORGS, new_org("acme")).await.0, 200);
}

#[tokio::test]
async fn lose_answer_commits_the_write_then_answers_nothing() {
    let mock = spawn().await;
    let org = mock.create_org("Acme", "acme", json!({})).await;
    let org_id = org["organization_id"].as_str().unwrap();
    let members = format!("{ORGS}/{org_id}/members");
    add_fault(
        &mock,
        json!({"method": "POST", "path": "/v1/b2b/organizations/*/members",
               "action": {"kind": "lose_answer"}}),
    )
    .await;
    let body = json!({"email_address": "ada@acme.com"}).to_string();
    let got = raw_post(&mock, &members, &body).await;
    assert!(
        got.is_empty(),
        "the client read {:?}",
        String::from_utf8_lossy(&got)
    );
    // Stytch did it: the member exists, and a retry is the duplicate a real client would meet.
    assert_eq!(count(&mock, "members").await, 1);
    let entry = logged(&mock, &members).await;
    assert_eq!(entry["status"], 200, "the handler's status: {entry}");
    assert_eq!(entry["fault"]["kind"], "lose_answer");
    mock.delete("/_mock/faults").await;
    let retry = mock
        .post(&members, json!({"email_address": "ada@acme.com"}))
        .await;
    assert_error(&retry, 400, "duplicate_member_email");
}

async fn add_member(mock: &TestMock, org: &str, email: &str) -> (u16, Value) {
    mock.post(
        &format!("{ORGS}/{org}/members"),
        json!({"email_address": email}),
    )
    .await
}

#[tokio::test]
async fn rules_match_by_method_pattern_and_body_field() {
    let mock = spawn().await;
    let a = mock.create_org("A", "org-a", json!({})).await["organization_id"].clone();
    let b = mock.create_org("B", "org-b", json!({})).await["organization_id"].clone();
    let (a, b) = (a.as_str().unwrap(), b.as_str().unwrap());
    // Only GET of one organization (a `*` segment), only for org A (a body field would not
    // exist on a GET; the path names it).
    add_fault(
        &mock,
        json!({"method": "GET", "path": format!("{ORGS}/{a}"), "action": {"kind": "too_many_requests"}}),
    )
    .await;
    assert_eq!(mock.get(&format!("{ORGS}/{a}")).await.0, 429);
    assert_eq!(mock.get(&format!("{ORGS}/{b}")).await.0, 200);
    assert_eq!(
        mock.put(&format!("{ORGS}/{a}"), json!({})).await.0,
        200,
        "PUT is not GET"
    );
    mock.delete("/_mock/faults").await;

    add_fault(
        &mock,
        json!({"path": "/v1/b2b/organizations/*/members", "body": {"email_address": "ada@x.com"},
               "action": {"kind": "error", "error_type": "invalid_email"}}),
    )
    .await;
    assert_error(
        &add_member(&mock, a, "ada@x.com").await,
        400,
        "invalid_email",
    );
    assert_error(
        &add_member(&mock, b, "ada@x.com").await,
        400,
        "invalid_email",
    );
    assert_eq!(
        add_member(&mock, a, "bob@x.com").await.0,
        200,
        "another email is not matched"
    );
    mock.delete("/_mock/faults").await;

    // `**` as the last segment: every route under it.
    add_fault(
        &mock,
        json!({"path": "/v1/b2b/organizations/**", "action": {"kind": "too_many_requests"}}),
    )
    .await;
    assert_eq!(mock.post(ORG_SEARCH, json!({})).await.0, 429);
    assert_eq!(mock.get(&format!("{ORGS}/{b}")).await.0, 429);
    assert_eq!(
        mock.post("/v1/b2b/sessions/authenticate", json!({}))
            .await
            .1["error_type"],
        "no_session_arguments",
        "outside the pattern"
    );
}

#[tokio::test]
async fn times_exhausts_and_the_list_counts_hits() {
    let mock = spawn().await;
    add_fault(
        &mock,
        json!({"path": ORG_SEARCH, "action": {"kind": "too_many_requests"}, "times": 2}),
    )
    .await;
    let statuses: Vec<u16> = {
        let mut v = Vec::new();
        for _ in 0..4 {
            v.push(mock.post(ORG_SEARCH, json!({})).await.0);
        }
        v
    };
    assert_eq!(statuses, [429, 429, 200, 200]);
    let list = mock.ok_get("/_mock/faults").await;
    assert_eq!(list["faults"][0]["hits"], 2);
    assert_eq!(list["faults"][0]["remaining"], 0);
    assert_eq!(list["faults"][0]["times"], 2);
}

/// The hit pattern of 20 searches under a `probability: 0.5` rule on a fresh mock with `seed`.
async fn pattern(seed: u64) -> Vec<bool> {
    let mock = spawn_with(Config {
        seed: Some(seed),
        ..Config::for_tests()
    })
    .await;
    add_fault(
        &mock,
        json!({"path": ORG_SEARCH, "action": {"kind": "too_many_requests"}, "probability": 0.5}),
    )
    .await;
    let mut hits = Vec::new();
    for _ in 0..20 {
        hits.push(mock.post(ORG_SEARCH, json!({})).await.0 == 429);
    }
    let listed = mock.ok_get("/_mock/faults").await;
    assert_eq!(
        listed["faults"][0]["hits"],
        hits.iter().filter(|h| **h).count(),
        "hits counts the fired draws"
    );
    mock.stop().await;
    hits
}

#[tokio::test]
async fn probability_replays_exactly_for_the_same_seed() {
    let first = pattern(42).await;
    assert_eq!(
        first,
        pattern(42).await,
        "same seed, same requests, same hits"
    );
    assert!(
        first.iter().any(|h| *h) && first.iter().any(|h| !*h),
        "{first:?}"
    );
    assert_ne!(first, pattern(43).await, "another seed draws otherwise");
}

#[tokio::test]
async fn delete_one_or_all_and_reset_clear_rules() {
    let mock = spawn().await;
    for _ in 0..3 {
        add_fault(
            &mock,
            json!({"path": ORG_SEARCH, "action": {"kind": "too_many_requests"}}),
        )
        .await;
    }
    assert_eq!(
        mock.ok_get("/_mock/faults").await["faults"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    let (status, _) = mock.delete("/_mock/faults/fault-2").await;
    assert_eq!(status, 200);
    assert_error(
        &mock.delete("/_mock/faults/fault-2").await,
        404,
        "fault_not_found",
    );
    let ids: Vec<Value> = mock.ok_get("/_mock/faults").await["faults"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].clone())
        .collect();
    assert_eq!(ids, [json!("fault-1"), json!("fault-3")]);
    assert_eq!(mock.delete("/_mock/faults").await.1["removed"], 2);
    assert_eq!(mock.post(ORG_SEARCH, json!({})).await.0, 200);
    assert_eq!(
        add_fault(
            &mock,
            json!({"path": ORG_SEARCH, "action": {"kind": "drop"}})
        )
        .await["id"],
        "fault-1"
    );
    mock.ok_post("/_mock/reset", json!({})).await;
    assert_eq!(mock.ok_get("/_mock/faults").await["faults"], json!([]));
    assert_eq!(mock.post(ORG_SEARCH, json!({})).await.0, 200);
}

#[tokio::test]
async fn the_control_api_is_never_faulted() {
    let mock = spawn().await;
    add_fault(&mock, json!({"path": "/**", "action": {"kind": "drop"}})).await;
    assert_eq!(mock.get("/_mock/faults").await.0, 200);
    assert_eq!(mock.get("/_mock/outbox").await.0, 200);
    assert_eq!(mock.get("/_mock/requests").await.0, 200);
}

#[tokio::test]
async fn bad_rules_are_refused_in_the_error_shape() {
    let mock = spawn().await;
    let drop = json!({"kind": "drop"});
    for (rule, says) in [
        (
            json!({"path": ORGS, "action": {"kind": "error", "error_type": "no_such_error"}}),
            "member_not_found",
        ),
        (
            json!({"path": ORGS, "action": {"kind": "error", "error_type": "member_not_found", "status": 200}}),
            "status",
        ),
        (
            json!({"path": ORGS, "action": drop, "probability": 1.5}),
            "probability",
        ),
        (json!({"path": ORGS, "action": drop, "times": 0}), "times"),
        (json!({"path": "v1/x", "action": drop}), "path"),
        (
            json!({"path": "/_mock/outbox", "action": drop}),
            "control API",
        ),
        (json!({"path": "/v1/mem*", "action": drop}), "segment"),
        (
            json!({"path": ORGS, "method": "BREW", "action": drop}),
            "method",
        ),
        (
            json!({"path": ORGS, "action": {"kind": "delay", "ms": 600000}}),
            "ms",
        ),
        (
            json!({"path": ORGS, "action": {"kind": "explode"}}),
            "explode",
        ),
        (
            json!({"path": ORGS, "action": drop, "sometimes": true}),
            "sometimes",
        ),
        (json!({"action": drop}), "path"),
    ] {
        let resp = mock.post("/_mock/faults", rule.clone()).await;
        assert_error(&resp, 400, "invalid_argument");
        let msg = resp.1["error_message"].as_str().unwrap();
        assert!(msg.contains(says), "{rule}: {msg}");
    }
    assert_eq!(
        mock.ok_get("/_mock/faults").await["faults"],
        json!([]),
        "nothing was added"
    );
}

#[tokio::test]
async fn the_har_marks_faulted_requests() {
    let mock = spawn().await;
    add_fault(
        &mock,
        json!({"path": ORG_SEARCH, "action": {"kind": "too_many_requests"}, "times": 1}),
    )
    .await;
    mock.post(ORG_SEARCH, json!({})).await;
    mock.post(ORG_SEARCH, json!({})).await;
    let har = mock.ok_get("/_mock/requests.har").await;
    let entries: Vec<&Value> = har["log"]["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["request"]["url"].as_str().unwrap().ends_with(ORG_SEARCH))
        .collect();
    assert_eq!(entries.len(), 2);
    assert_eq!(
        entries[0]["_fault"],
        json!({"rule": "fault-1", "kind": "too_many_requests"})
    );
    assert_eq!(entries[0]["response"]["status"], 429);
    assert!(entries[1].get("_fault").is_none(), "{}", entries[1]);
}

#[tokio::test]
async fn over_tls_a_drop_is_no_answer_too() {
    let server =
        mock_stytch::MockServer::spawn_tls(Config::for_tests(), mock_stytch::TlsDir::Temporary)
            .await
            .unwrap();
    let ca = std::fs::read(&server.tls.as_ref().unwrap().ca_file).unwrap();
    let http = reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(&ca).unwrap())
        .build()
        .unwrap();
    let post = |path: &str, body: Value| {
        http.post(format!("{}{path}", server.base_url))
            .basic_auth(
                mock_stytch::config::DEFAULT_PROJECT_ID,
                Some(mock_stytch::config::DEFAULT_SECRET),
            )
            .json(&body)
            .send()
    };
    let added = post(
        "/_mock/faults",
        json!({"path": ORG_SEARCH, "action": {"kind": "drop"}}),
    )
    .await
    .unwrap();
    assert_eq!(added.status(), 200);
    let err = post(ORG_SEARCH, json!({}))
        .await
        .expect_err("no answer over TLS");
    assert!(!err.is_status() && err.status().is_none(), "{err:?}");
    let chain = format!("{err:?}");
    assert!(
        chain.contains("IncompleteMessage") || chain.contains("closed"),
        "{chain}"
    );
    server.stop().await.unwrap();
}

#[tokio::test]
async fn bad_credentials_get_their_401_and_the_open_jwks_route_can_be_faulted() {
    let mock = spawn().await;
    add_fault(
        &mock,
        json!({"path": "/v1/b2b/**", "action": {"kind": "too_many_requests"}, "times": 1}),
    )
    .await;
    // Wrong credentials: the 401, and the rule is not used up by it.
    let resp = reqwest::Client::new()
        .post(mock.url(ORG_SEARCH))
        .basic_auth("project-test-wrong", Some("wrong"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(mock.ok_get("/_mock/faults").await["faults"][0]["hits"], 0);
    // The JWKS route needs no credentials and is faulted like any other.
    let jwks = format!(
        "/v1/b2b/sessions/jwks/{}",
        mock_stytch::config::DEFAULT_PROJECT_ID
    );
    assert_error(&mock.get(&jwks).await, 429, "too_many_requests");
    assert_eq!(mock.get(&jwks).await.0, 200);
}
