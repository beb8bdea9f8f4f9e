//! Shared test helpers: start an in-process mock and talk to it as an SDK would (Basic auth,
//! JSON). Methods speak intent; each returns the status and the parsed JSON body.

#![allow(dead_code)]

use mock_stytch::config::{DEFAULT_PROJECT_ID, DEFAULT_SECRET};
use mock_stytch::{Config, MockServer};
use serde_json::{Value, json};

/// A fixed instant for tests whose bodies are snapshotted: no redaction needed.
pub const FROZEN: &str = "2030-01-01T00:00:00Z";

pub struct TestMock {
    pub server: MockServer,
    pub http: reqwest::Client,
}

/// A fresh in-memory mock, seed 42, real-time clock.
pub async fn spawn() -> TestMock {
    spawn_with(Config::for_tests()).await
}

/// A fresh in-memory mock with the clock frozen at [`FROZEN`]: bodies are byte-for-byte stable.
pub async fn spawn_frozen() -> TestMock {
    spawn_with(Config {
        frozen_clock: Some(FROZEN.parse().unwrap()),
        ..Config::for_tests()
    })
    .await
}

pub async fn spawn_with(config: Config) -> TestMock {
    let server = MockServer::spawn(config).await.expect("mock starts");
    TestMock {
        server,
        http: reqwest::Client::new(),
    }
}

impl TestMock {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.server.base_url, path)
    }

    /// Send `method path` with Basic auth and an optional JSON body.
    pub async fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let req = self
            .http
            .request(method.parse().unwrap(), self.url(path))
            .basic_auth(DEFAULT_PROJECT_ID, Some(DEFAULT_SECRET));
        let req = match body {
            Some(b) => req.json(&b),
            None => req,
        };
        let resp = req.send().await.expect("request sent");
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("body read");
        let json = serde_json::from_str(&text)
            .unwrap_or_else(|_| panic!("non-JSON body {status}: {text}"));
        (status, json)
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.call("POST", path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: Value) -> (u16, Value) {
        self.call("PUT", path, Some(body)).await
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.call("GET", path, None).await
    }

    pub async fn delete(&self, path: &str) -> (u16, Value) {
        self.call("DELETE", path, None).await
    }

    /// POST expecting 200; panics with the error body otherwise.
    pub async fn ok_post(&self, path: &str, body: Value) -> Value {
        let (status, v) = self.post(path, body).await;
        assert_eq!(status, 200, "POST {path} failed: {v}");
        v
    }

    pub async fn ok_get(&self, path: &str) -> Value {
        let (status, v) = self.get(path).await;
        assert_eq!(status, 200, "GET {path} failed: {v}");
        v
    }

    /// Create an organization with the given extra settings; returns the organization object.
    pub async fn create_org(&self, name: &str, slug: &str, settings: Value) -> Value {
        let mut body = json!({"organization_name": name, "organization_slug": slug});
        merge(&mut body, settings);
        self.ok_post("/v1/b2b/organizations", body).await["organization"].clone()
    }

    /// Create a member; returns the member object.
    pub async fn create_member(&self, org_id: &str, email: &str, settings: Value) -> Value {
        let mut body = json!({"email_address": email});
        merge(&mut body, settings);
        self.ok_post(&format!("/v1/b2b/organizations/{org_id}/members"), body)
            .await["member"]
            .clone()
    }

    /// Outbox messages matching a query string such as `member_id=...&channel=sms`.
    pub async fn outbox(&self, query: &str) -> Vec<Value> {
        self.ok_get(&format!("/_mock/outbox?{query}")).await["messages"]
            .as_array()
            .unwrap()
            .clone()
    }

    pub async fn advance_clock(&self, seconds: i64) {
        self.ok_post("/_mock/clock", json!({"advance_seconds": seconds}))
            .await;
    }

    pub async fn stop(self) {
        self.server.stop().await.expect("mock stops cleanly");
    }
}

/// Shallow-merge the keys of `extra` into `body`.
pub fn merge(body: &mut Value, extra: Value) {
    if let (Some(b), Value::Object(e)) = (body.as_object_mut(), extra) {
        b.extend(e);
    }
}

/// Assert a Stytch error: status, `error_type`, and the rest of the error shape.
#[track_caller]
pub fn assert_error(resp: &(u16, Value), status: u16, error_type: &str) {
    let (got, body) = resp;
    assert_eq!(*got, status, "status; body: {body}");
    assert_eq!(body["error_type"], error_type, "error_type; body: {body}");
    assert_eq!(body["status_code"], status, "status_code; body: {body}");
    assert!(
        body["request_id"]
            .as_str()
            .is_some_and(|r| r.starts_with("request-id-test-")),
        "{body}"
    );
    assert!(
        body["error_message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    assert!(
        body["error_url"]
            .as_str()
            .is_some_and(|u| u.starts_with("https://stytch.com/docs/")),
        "{body}"
    );
}
