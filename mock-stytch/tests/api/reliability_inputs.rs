//! Bad input never yields a 5xx, a panic or a dropped connection: every route gets a fixed
//! corpus of nasty bodies plus generated ones (proptest strategies, fixed seed), ≥ 10,000
//! requests in all. Every answer must be a Stytch-shaped 2xx or 4xx (the dashboard's page and
//! redirects excepted: they are HTML and 303s by design).

use mock_stytch::config::{DEFAULT_PROJECT_ID, DEFAULT_SECRET};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config as PtConfig, RngAlgorithm, TestRng, TestRunner};
use serde_json::{Map, Value, json};

use crate::helpers::{TestMock, spawn};
use crate::reliability_auth::declared_routes;

/// Field names the API reads somewhere: generated bodies use these so they reach handler logic.
const FIELDS: &[&str] = &[
    "organization_id",
    "member_id",
    "email_address",
    "organization_name",
    "organization_slug",
    "code",
    "intermediate_session_token",
    "session_token",
    "session_jwt",
    "session_duration_minutes",
    "session_custom_claims",
    "magic_links_token",
    "password",
    "mfa_phone_number",
    "mfa_policy",
    "mfa_methods",
    "allowed_mfa_methods",
    "auth_methods",
    "allowed_auth_methods",
    "set_mfa_enrollment",
    "set_default_mfa",
    "recovery_code",
    "sso_token",
    "oauth_token",
    "member_session_id",
    "roles",
    "query",
    "limit",
    "cursor",
    "organization_ids",
    "advance_seconds",
    "now",
    "expiration_minutes",
    "password_reset_token",
    "existing_password",
    "new_password",
    "hash",
    "hash_type",
    "secret",
    "recovery_codes",
    "provider",
    "trusted_metadata",
    "default_mfa_method",
    "mfa_enrolled",
];

fn nasty_string() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("x".repeat(100_000)),
        Just("\u{0}\u{feff}\u{202e}".to_owned()),
        Just("'; DROP TABLE members; --".to_owned()),
        Just("../../etc/passwd".to_owned()),
        Just("+1".to_owned()),
        Just("a@b".to_owned()),
        Just("member-test-00000000-0000-4000-8000-000000000000".to_owned()),
        "\\PC{0,40}",
        "[0-9]{0,12}",
    ]
}

fn value(ids: Vec<String>) -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        nasty_string().prop_map(Value::from),
        proptest::sample::select(ids).prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            proptest::collection::btree_map("[a-z_]{1,12}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn body(ids: Vec<String>) -> impl Strategy<Value = Value> {
    proptest::collection::vec((proptest::sample::select(FIELDS), value(ids)), 0..6).prop_map(
        |pairs| {
            Value::Object(
                pairs
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), v))
                    .collect::<Map<_, _>>(),
            )
        },
    )
}

/// Send raw bytes; assert the answer is a Stytch-shaped non-5xx.
async fn send(mock: &TestMock, method: &str, path: &str, bytes: Vec<u8>, ct: &str) {
    let resp = mock
        .http
        .request(method.parse().unwrap(), mock.url(path))
        .basic_auth(DEFAULT_PROJECT_ID, Some(DEFAULT_SECRET))
        .header("content-type", ct)
        .body(bytes)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{method} {path}: connection failed: {e}"));
    let status = resp.status().as_u16();
    // The dashboard's event stream never ends by itself: its head is the whole answer here.
    if path == "/_mock/ui/events" && status == 200 {
        assert_eq!(resp.headers()["content-type"], "text/event-stream");
        return;
    }
    // A snapshot download is the SQLite file itself, not an envelope; its errors are Stytch's.
    if path == "/_mock/snapshot" && status == 200 {
        let bytes = resp.bytes().await.unwrap();
        assert!(bytes.starts_with(b"SQLite format 3\0"), "{method} {path}");
        return;
    }
    let text = resp.text().await.unwrap();
    // The dashboard answers a page (200) or a redirect (303) instead of JSON; its errors are JSON.
    if path.starts_with("/_mock/ui") && (200..400).contains(&status) {
        return;
    }
    // The HAR export is a file in HAR 1.2's shape, not an envelope; its errors are Stytch's.
    if path == "/_mock/requests.har" && status == 200 {
        let har: Value = serde_json::from_str(&text)
            .unwrap_or_else(|_| panic!("{method} {path} → non-JSON HAR: {text}"));
        assert_eq!(har["log"]["version"], "1.2", "{method} {path}");
        return;
    }
    let v: Value = serde_json::from_str(&text)
        .unwrap_or_else(|_| panic!("{method} {path} → {status} non-JSON: {text}"));
    assert!(status < 500, "{method} {path} → {status}: {v}");
    assert_eq!(v["status_code"], status, "{method} {path}");
    if status >= 400 {
        let t = v["error_type"].as_str().unwrap_or("");
        assert!(
            !t.is_empty() && t != "internal_server_error",
            "{method} {path} → {v}"
        );
    }
}

fn concrete(path: &str, org: &str, member: &str) -> String {
    path.replace("{organization_id}", org)
        .replace("{member_id}", member)
        .replace("{project_id}", DEFAULT_PROJECT_ID)
        .split('/')
        .map(|s| if s.starts_with('{') { "x" } else { s })
        .collect::<Vec<_>>()
        .join("/")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_and_nasty_bodies_never_cause_a_5xx() {
    const GENERATED_PER_ROUTE_MIN: usize = 10_000;
    let mock = spawn().await;
    let org = mock.create_org("Acme", "acme", json!({})).await;
    let org_id = org["organization_id"].as_str().unwrap().to_owned();
    let member = mock
        .create_member(
            &org_id,
            "ada@acme.com",
            json!({"mfa_phone_number": "+14155552671"}),
        )
        .await;
    let member_id = member["member_id"].as_str().unwrap().to_owned();
    let other = mock.create_org("Other", "other", json!({})).await;
    let ids = vec![
        org_id.clone(),
        member_id.clone(),
        other["organization_id"].as_str().unwrap().to_owned(),
        "acme".into(),
    ];

    // Never reset or move the clock from inside the fuzz: that is the control API working.
    let routes: Vec<_> = declared_routes()
        .into_iter()
        .filter(|(_, p)| p != "/_mock/reset" && p != "/_mock/ui/reset")
        .collect();
    let corpus: Vec<(Vec<u8>, &str)> = vec![
        (b"".to_vec(), "application/json"),
        (b"{".to_vec(), "application/json"),
        (b"null".to_vec(), "application/json"),
        (b"[]".to_vec(), "application/json"),
        (b"\"str\"".to_vec(), "application/json"),
        (vec![0xff, 0xfe, 0x00, 0x7b], "application/json"),
        (
            br#"{"organization_id": 1, "member_id": [], "code": {}}"#.to_vec(),
            "application/json",
        ),
        (
            format!(r#"{{"email_address": "{}"}}"#, "a".repeat(1 << 19)).into_bytes(),
            "application/json",
        ),
        (b"a=b".to_vec(), "application/x-www-form-urlencoded"),
        (b"{}".to_vec(), "text/plain"),
        (vec![b'{'; 2 << 20], "application/json"),
    ];
    let mut sent = 0usize;
    for (method, path) in &routes {
        let p = concrete(path, &org_id, &member_id);
        for (bytes, ct) in &corpus {
            send(&mock, method, &p, bytes.clone(), ct).await;
            sent += 1;
        }
    }

    let per_route = GENERATED_PER_ROUTE_MIN.div_ceil(routes.len());
    let mut runner = TestRunner::new_with_rng(
        PtConfig::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]),
    );
    let strategy = body(ids);
    for (method, path) in &routes {
        let p = concrete(path, &org_id, &member_id);
        for _ in 0..per_route {
            let b = strategy.new_tree(&mut runner).unwrap().current();
            send(
                &mock,
                method,
                &p,
                serde_json::to_vec(&b).unwrap(),
                "application/json",
            )
            .await;
            sent += 1;
        }
    }
    assert!(sent >= GENERATED_PER_ROUTE_MIN, "sent {sent}");
    eprintln!(
        "bad-input fuzz: {sent} requests over {} routes, no 5xx",
        routes.len()
    );

    // The server is still healthy and still writes (the fuzz may have deleted its own fixtures).
    mock.ok_get("/_mock/health").await;
    mock.create_org("After", "after-fuzz", json!({})).await;
}
