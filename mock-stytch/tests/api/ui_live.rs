//! The dashboard's live parts: the change-event stream (an event after a request, none for the
//! dashboard's own reads, ended by a shutdown), the one-click fault forms (each adds the rule it
//! names, through the control API's store), remove / remove all, the last-requests panel
//! (redacted like `/_mock/requests`), snapshot download and restore upload, and bad form input
//! in Stytch's error shape.

use std::time::Duration;

use mock_stytch::config::{DEFAULT_PROJECT_ID, DEFAULT_SECRET};
use serde_json::{Value, json};

use crate::helpers::{TestMock, assert_error, spawn, spawn_frozen};

const FORM: &str = "application/x-www-form-urlencoded";

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn page(mock: &TestMock) -> String {
    mock.http
        .get(mock.url("/_mock/ui"))
        .basic_auth(DEFAULT_PROJECT_ID, Some(DEFAULT_SECRET))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// POST a dashboard form; (status, Location, JSON body or null).
async fn form(mock: &TestMock, path: &str, body: &str, ct: &str) -> (u16, Option<String>, Value) {
    let resp = no_redirects()
        .post(mock.url(path))
        .basic_auth(DEFAULT_PROJECT_ID, Some(DEFAULT_SECRET))
        .header("content-type", ct)
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let location = resp
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned());
    let text = resp.text().await.unwrap();
    (
        status,
        location,
        serde_json::from_str(&text).unwrap_or(Value::Null),
    )
}

/// The open event stream of `/_mock/ui/events?since=...`.
async fn events(mock: &TestMock, since: u64) -> reqwest::Response {
    let resp = mock
        .http
        .get(mock.url(&format!("/_mock/ui/events?since={since}")))
        .basic_auth(DEFAULT_PROJECT_ID, Some(DEFAULT_SECRET))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "text/event-stream");
    resp
}

/// Read the stream until a `change` event arrives (its data), or `wait` passes (None).
async fn next_change(stream: &mut reqwest::Response, wait: Duration) -> Option<String> {
    let mut buf = String::new();
    tokio::time::timeout(wait, async {
        loop {
            let chunk = stream.chunk().await.unwrap()?;
            buf.push_str(std::str::from_utf8(&chunk).unwrap());
            if let Some(at) = buf.find("event: change\n") {
                let rest = &buf[at..];
                let data = rest.lines().find_map(|l| l.strip_prefix("data: "))?;
                return Some(data.to_owned());
            }
        }
    })
    .await
    .ok()
    .flatten()
}

/// The `data-version` of the page's live region.
fn version(html: &str) -> u64 {
    let at = html.find("data-version=\"").expect("live region") + 14;
    html[at..].split('"').next().unwrap().parse().unwrap()
}

#[tokio::test]
async fn a_request_sends_a_change_event_and_the_dashboards_own_reads_do_not() {
    // Arrange
    let mock = spawn().await;
    let seen = version(&page(&mock).await);
    let mut stream = events(&mock, seen).await;

    // Act: the dashboard reading itself, then one API request
    page(&mock).await;
    let quiet = next_change(&mut stream, Duration::from_millis(600)).await;
    mock.create_org("Live", "live", json!({})).await;
    let change = next_change(&mut stream, Duration::from_secs(2)).await;

    // Assert
    assert_eq!(quiet, None, "a dashboard read is not a change");
    let n: u64 = change.expect("an event within 2 s").parse().unwrap();
    assert!(n > seen, "{n} after {seen}");
    assert_eq!(version(&page(&mock).await), n, "the page shows that change");
}

#[tokio::test]
async fn a_stale_since_gets_an_event_at_once() {
    let mock = spawn().await;
    let seen = version(&page(&mock).await);
    mock.create_org("Before", "before", json!({})).await;
    let mut stream = events(&mock, seen).await;
    assert!(
        next_change(&mut stream, Duration::from_secs(2))
            .await
            .is_some(),
        "a change between render and connect is not lost"
    );
}

#[tokio::test]
async fn an_open_event_stream_does_not_hold_the_shutdown() {
    let mock = spawn().await;
    let mut stream = events(&mock, 0).await;
    let _ = next_change(&mut stream, Duration::from_millis(100)).await;
    tokio::time::timeout(Duration::from_secs(10), mock.stop())
        .await
        .expect("the mock stops although a dashboard is listening");
    assert!(
        stream.chunk().await.map(|c| c.is_none()).unwrap_or(true),
        "the stream ended"
    );
}

#[tokio::test]
async fn each_one_click_form_adds_the_rule_it_names() {
    let mock = spawn().await;
    let cases = [
        (
            "sms_send_429",
            json!({"method": "POST", "path": "/v1/b2b/otps/sms/send",
                   "action": {"kind": "too_many_requests"}, "times": 1}),
        ),
        (
            "sms_authenticate_500",
            json!({"method": "POST", "path": "/v1/b2b/otps/sms/authenticate",
                   "action": {"kind": "error", "error_type": "internal_server_error"}, "times": 1}),
        ),
        (
            "sessions_authenticate_lose_answer",
            json!({"method": "POST", "path": "/v1/b2b/sessions/authenticate",
                   "action": {"kind": "lose_answer"}, "times": 1}),
        ),
        (
            "delay_all_2s",
            json!({"path": "/**", "action": {"kind": "delay", "ms": 2000}}),
        ),
    ];
    for (i, (preset, want)) in cases.iter().enumerate() {
        let (status, location, _) =
            form(&mock, "/_mock/ui/faults", &format!("preset={preset}"), FORM).await;
        assert_eq!(
            (status, location.as_deref()),
            (303, Some("/_mock/ui")),
            "{preset}"
        );
        let listed = mock.ok_get("/_mock/faults").await["faults"][i].clone();
        let id = format!("fault-{}", i + 1);
        for (k, v) in want.as_object().unwrap() {
            assert_eq!(&listed[k], v, "{preset}: {k} in {listed}");
        }
        assert_eq!(listed["id"], id);
        assert_eq!(listed["hits"], 0);
        let html = page(&mock).await;
        assert!(
            html.contains(&format!("<tr class=\"fault-row\" data-fault-id=\"{id}\"")),
            "{preset} is listed"
        );
    }
    // The delay rule would slow every later API call of this test: remove it first.
    let (status, ..) = form(&mock, "/_mock/ui/faults/remove", "id=fault-4", FORM).await;
    assert_eq!(status, 303);
    let ids: Vec<Value> = mock.ok_get("/_mock/faults").await["faults"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].clone())
        .collect();
    assert_eq!(ids, [json!("fault-1"), json!("fault-2"), json!("fault-3")]);
    let (status, ..) = form(&mock, "/_mock/ui/faults/clear", "", FORM).await;
    assert_eq!(status, 303);
    assert_eq!(mock.ok_get("/_mock/faults").await["faults"], json!([]));
    assert!(page(&mock).await.contains("No fault rules."));
}

#[tokio::test]
async fn the_429_preset_fails_the_next_sms_send_once_and_the_panel_shows_it() {
    let mock = spawn().await;
    form(&mock, "/_mock/ui/faults", "preset=sms_send_429", FORM).await;
    let send = json!({"organization_id": "organization-test-nope", "member_id": "member-test-nope",
                      "mfa_phone_number": "+14155552671"});
    let first = mock.post("/v1/b2b/otps/sms/send", send.clone()).await;
    let second = mock.post("/v1/b2b/otps/sms/send", send).await;
    assert_error(&first, 429, "too_many_requests");
    assert_ne!(
        second.0, 429,
        "times: 1 — only the next send fails: {:?}",
        second.1
    );
    let html = page(&mock).await;
    assert!(
        html.contains("<tr class=\"request-row\" data-method=\"POST\" data-path=\"/v1/b2b/otps/sms/send\" data-status=\"429\" data-fault-kind=\"too_many_requests\">"),
        "{html}"
    );
    assert!(html.contains("<td class=\"fault-hits\">1</td><td class=\"fault-remaining\">0</td>"));
}

#[tokio::test]
async fn the_requests_panel_is_newest_first_and_redacted_like_the_request_log() {
    let mock = spawn_frozen().await;
    let secret = "918273";
    mock.post(
        "/v1/b2b/otps/sms/authenticate",
        json!({"organization_id": "organization-test-x", "member_id": "member-test-x", "code": secret}),
    )
    .await;
    mock.get("/_mock/outbox").await;
    let html = page(&mock).await;
    let log = mock.ok_get("/_mock/requests?limit=5").await;
    let logged_body = log["requests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["path"] == "/v1/b2b/otps/sms/authenticate")
        .expect("the request is logged")["body"]
        .to_string();
    assert!(logged_body.contains("[redacted]"), "{logged_body}");
    assert!(!html.contains(secret), "the code reached the page");
    assert!(
        html.contains(&mock_stytch::dashboard::html::escape(&logged_body)),
        "the panel shows the request log's redacted body {logged_body}"
    );
    let outbox = html.find("data-path=\"/_mock/outbox\"").unwrap();
    let auth = html
        .find("data-path=\"/v1/b2b/otps/sms/authenticate\"")
        .unwrap();
    assert!(outbox < auth, "newest first");
    assert!(
        !html.contains("data-path=\"/_mock/ui\""),
        "the dashboard's own reads are left out"
    );
}

#[tokio::test]
async fn a_snapshot_downloads_and_restores_through_the_dashboard() {
    let mock = spawn().await;
    mock.create_org("Kept", "kept", json!({})).await;
    let resp = mock
        .http
        .get(mock.url("/_mock/ui/snapshot"))
        .basic_auth(DEFAULT_PROJECT_ID, Some(DEFAULT_SECRET))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/vnd.sqlite3");
    let file = resp.bytes().await.unwrap();
    assert!(file.starts_with(b"SQLite format 3\0"));
    mock.create_org("Later", "later", json!({})).await;

    let resp = mock
        .http
        .post(mock.url("/_mock/ui/restore"))
        .basic_auth(DEFAULT_PROJECT_ID, Some(DEFAULT_SECRET))
        .header("content-type", "application/vnd.sqlite3")
        .body(file)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.json::<Value>().await.unwrap()["restored"], true);
    let html = page(&mock).await;
    assert!(
        html.contains(">kept<") && !html.contains(">later<"),
        "{html}"
    );
}

#[tokio::test]
async fn bad_dashboard_input_gets_the_stytch_error_shape() {
    let mock = spawn().await;
    let err = |r: (u16, Option<String>, Value)| (r.0, r.2);
    assert_error(
        &err(form(&mock, "/_mock/ui/faults", "preset=everything_fails", FORM).await),
        400,
        "invalid_argument",
    );
    assert_error(
        &err(form(&mock, "/_mock/ui/faults", "", FORM).await),
        400,
        "invalid_argument",
    );
    assert_error(
        &err(form(
            &mock,
            "/_mock/ui/faults",
            "{\"preset\":\"sms_send_429\"}",
            "application/json",
        )
        .await),
        415,
        "invalid_content_type",
    );
    assert_error(
        &err(form(&mock, "/_mock/ui/faults/remove", "id=fault-9", FORM).await),
        404,
        "fault_not_found",
    );
    assert_error(
        &err(form(&mock, "/_mock/ui/restore", "not a file", FORM).await),
        415,
        "invalid_content_type",
    );
    assert_error(
        &err(form(
            &mock,
            "/_mock/ui/restore",
            "not sqlite",
            "application/vnd.sqlite3",
        )
        .await),
        400,
        "invalid_snapshot",
    );
    // Larger than the 1 MiB of other routes: the restore upload has the control API's limit.
    let big = "x".repeat(3 << 20);
    assert_error(
        &err(form(&mock, "/_mock/ui/restore", &big, "application/vnd.sqlite3").await),
        400,
        "invalid_snapshot",
    );
    assert_eq!(
        mock.ok_get("/_mock/faults").await["faults"],
        json!([]),
        "nothing was added"
    );
}
