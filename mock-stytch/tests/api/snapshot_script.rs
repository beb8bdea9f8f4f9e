//! The request script of the snapshot tests: a world built before the snapshot point, and 50
//! varied requests after it (creates, SMS and TOTP with codes read from the control API,
//! sessions, magic links, email OTP, a clock move, searches, a refused code), each answer
//! recorded as the raw bytes the mock sent. Later requests are built from earlier answers, so a
//! replay that drifts (another id, code or token) shows in every answer after the drift.

#![allow(dead_code)]

use mock_stytch::config::{DEFAULT_PROJECT_ID, DEFAULT_SECRET};
use serde_json::{Value, json};

use crate::mfa_helpers::{OTHER_PHONE, PHONE};

/// How many requests [`script`] sends.
pub const SCRIPT_LEN: usize = 50;

/// One answer as it came: request line, status and body bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub request: String,
    pub status: u16,
    pub body: Vec<u8>,
}

/// Sends requests to one mock and keeps every answer.
pub struct Run {
    base: String,
    http: reqwest::Client,
    pub answers: Vec<Answer>,
}

impl Run {
    pub fn new(base: &str) -> Run {
        Run {
            base: base.to_owned(),
            http: reqwest::Client::new(),
            answers: Vec::new(),
        }
    }

    /// Send with the project's credentials; record the answer; return its JSON.
    pub async fn call(&mut self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let req = self
            .http
            .request(method.parse().unwrap(), format!("{}{path}", self.base))
            .basic_auth(DEFAULT_PROJECT_ID, Some(DEFAULT_SECRET));
        let req = match body {
            Some(b) => req.json(&b),
            None => req,
        };
        let resp = req.send().await.expect("the mock answers");
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await.expect("body read").to_vec();
        let json: Value = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| panic!("{method} {path}: non-JSON {status}"));
        self.answers.push(Answer {
            request: format!("{method} {path}"),
            status,
            body: bytes,
        });
        (status, json)
    }

    /// [`Run::call`] expecting 200.
    pub async fn ok(&mut self, method: &str, path: &str, body: Option<Value>) -> Value {
        let (status, v) = self.call(method, path, body).await;
        assert_eq!(status, 200, "{method} {path}: {v}");
        v
    }

    async fn post(&mut self, path: &str, body: Value) -> Value {
        self.ok("POST", path, Some(body)).await
    }

    async fn get(&mut self, path: &str) -> Value {
        self.ok("GET", path, None).await
    }

    async fn org(&mut self, name: &str, slug: &str) -> String {
        // Newcomers of the org's domain join just in time (magic link, email OTP).
        let v = self
            .post(
                "/v1/b2b/organizations",
                json!({"organization_name": name, "organization_slug": slug,
                       "email_jit_provisioning": "RESTRICTED",
                       "email_allowed_domains": [format!("{slug}.com")]}),
            )
            .await;
        s(&v["organization"]["organization_id"])
    }

    async fn member(&mut self, org: &str, email: &str, extra: Value) -> String {
        let mut body = json!({"email_address": email});
        if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            b.extend(e.clone());
        }
        let v = self
            .post(&format!("/v1/b2b/organizations/{org}/members"), body)
            .await;
        s(&v["member_id"])
    }

    /// Magic-link login over HTTP (3 requests); the session token (the org asks no MFA).
    async fn login(&mut self, org: &str, email: &str) -> String {
        self.post(
            "/v1/b2b/magic_links/email/login_or_signup",
            json!({"organization_id": org, "email_address": email}),
        )
        .await;
        let outbox = self
            .get(&format!("/_mock/outbox?to={email}&channel=email&limit=1"))
            .await;
        let token = outbox["messages"][0]["token"].clone();
        let v = self
            .post(
                "/v1/b2b/magic_links/authenticate",
                json!({"magic_links_token": token}),
            )
            .await;
        s(&v["session_token"])
    }

    async fn sms_code(&mut self, member: &str) -> String {
        let v = self
            .get(&format!(
                "/_mock/outbox?member_id={member}&channel=sms&limit=1"
            ))
            .await;
        s(&v["messages"][0]["code"])
    }

    async fn totp_code(&mut self, org: &str, member: &str) -> String {
        let v = self
            .get(&format!(
                "/_mock/totp/code?organization_id={org}&member_id={member}"
            ))
            .await;
        s(&v["code"])
    }
}

pub fn s(v: &Value) -> String {
    v.as_str()
        .unwrap_or_else(|| panic!("not a string: {v}"))
        .to_owned()
}

/// What exists at the snapshot point.
#[derive(Debug, Clone)]
pub struct World {
    pub org: String,
    pub ada: String,
    pub ada_session: String,
    pub bob: String,
    pub bob_session: String,
}

/// Two members with sessions, an SMS code sent to one and a TOTP registration pending for the
/// other: what the script finishes after the snapshot.
pub async fn build_world(base: &str) -> World {
    let mut run = Run::new(base);
    let org = run.org("Acme Inc", "acme").await;
    let ada = run
        .member(&org, "ada@acme.com", json!({"mfa_phone_number": PHONE}))
        .await;
    let bob = run.member(&org, "bob@acme.com", json!({})).await;
    let ada_session = run.login(&org, "ada@acme.com").await;
    let bob_session = run.login(&org, "bob@acme.com").await;
    run.post(
        "/v1/b2b/otps/sms/send",
        json!({"organization_id": org, "member_id": ada, "session_token": ada_session}),
    )
    .await;
    run.post(
        "/v1/b2b/totp",
        json!({"organization_id": org, "member_id": bob, "session_token": bob_session}),
    )
    .await;
    // Last, a refused create: it drew an id and wrote nothing, so the generator in memory is
    // ahead of the counter the last commit stored. The snapshot must hold the one in memory.
    let (status, _) = run
        .call(
            "POST",
            "/v1/b2b/organizations",
            Some(json!({"organization_name": "Acme again", "organization_slug": "acme"})),
        )
        .await;
    assert!(
        (400..500).contains(&status),
        "a duplicate slug is refused: {status}"
    );
    World {
        org,
        ada,
        ada_session,
        bob,
        bob_session,
    }
}

/// The 50 requests after the snapshot point; returns every answer.
pub async fn script(base: &str, w: &World) -> Vec<Answer> {
    let mut run = Run::new(base);
    let org = w.org.as_str();
    // The code sent before the snapshot, and the pending TOTP registration.
    let code = run.sms_code(&w.ada).await;
    let ada = run
        .post(
            "/v1/b2b/otps/sms/authenticate",
            json!({"organization_id": org, "member_id": w.ada, "code": code,
                   "session_token": w.ada_session}),
        )
        .await;
    run.post(
        "/v1/b2b/sessions/authenticate",
        json!({"session_jwt": ada["session_jwt"]}),
    )
    .await;
    let code = run.totp_code(org, &w.bob).await;
    let bob = run
        .post(
            "/v1/b2b/totp/authenticate",
            json!({"organization_id": org, "member_id": w.bob, "code": code,
                   "session_token": w.bob_session}),
        )
        .await;
    run.post(
        "/v1/b2b/sessions/authenticate",
        json!({"session_token": bob["session_token"]}),
    )
    .await;
    // Creates: every one draws ids from the generator.
    for i in 0..4 {
        let other = run.org(&format!("Org {i}"), &format!("org-{i}")).await;
        run.member(&other, &format!("m{i}@org-{i}.com"), json!({}))
            .await;
    }
    // A new member through a magic link, then SMS (one refused code) and TOTP enrollment.
    let carol_session = run.login(org, "carol@acme.com").await;
    let carol = run
        .post(
            "/v1/b2b/sessions/authenticate",
            json!({"session_token": carol_session}),
        )
        .await;
    let carol_id = s(&carol["member"]["member_id"]);
    run.post(
        "/v1/b2b/otps/sms/send",
        json!({"organization_id": org, "member_id": carol_id,
               "mfa_phone_number": OTHER_PHONE, "session_token": carol_session}),
    )
    .await;
    let code = run.sms_code(&carol_id).await;
    let wrong = if code == "000001" { "000002" } else { "000001" };
    let (status, _) = run
        .call(
            "POST",
            "/v1/b2b/otps/sms/authenticate",
            Some(
                json!({"organization_id": org, "member_id": carol_id, "code": wrong,
                        "session_token": carol_session}),
            ),
        )
        .await;
    assert!(
        (400..500).contains(&status),
        "a wrong SMS code is refused: {status}"
    );
    run.post(
        "/v1/b2b/otps/sms/authenticate",
        json!({"organization_id": org, "member_id": carol_id, "code": code,
               "session_token": carol_session}),
    )
    .await;
    run.post(
        "/v1/b2b/totp",
        json!({"organization_id": org, "member_id": carol_id, "session_token": carol_session}),
    )
    .await;
    let code = run.totp_code(org, &carol_id).await;
    run.post(
        "/v1/b2b/totp/authenticate",
        json!({"organization_id": org, "member_id": carol_id, "code": code,
               "session_token": carol_session}),
    )
    .await;
    // The clock moves (persisted offset); sessions and codes read it.
    run.post("/_mock/clock", json!({"advance_seconds": 125}))
        .await;
    run.post(
        "/v1/b2b/sessions/authenticate",
        json!({"session_token": carol_session}),
    )
    .await;
    // Email OTP for a newcomer.
    run.post(
        "/v1/b2b/otps/email/login_or_signup",
        json!({"organization_id": org, "email_address": "dave@acme.com"}),
    )
    .await;
    let outbox = run
        .get("/_mock/outbox?to=dave@acme.com&channel=email&limit=1")
        .await;
    run.post(
        "/v1/b2b/otps/email/authenticate",
        json!({"organization_id": org, "email_address": "dave@acme.com",
               "code": outbox["messages"][0]["code"]}),
    )
    .await;
    // Reads and an update.
    run.post(
        "/v1/b2b/organizations/members/search",
        json!({"organization_ids": [org]}),
    )
    .await;
    run.post("/v1/b2b/organizations/search", json!({})).await;
    run.get(&format!("/v1/b2b/recovery_codes/{org}/{}", w.bob))
        .await;
    run.ok(
        "PUT",
        &format!("/v1/b2b/organizations/{org}/members/{}", w.bob),
        Some(json!({"name": "Bob B."})),
    )
    .await;
    run.get(&format!(
        "/v1/b2b/organizations/{org}/member?member_id={}",
        w.bob
    ))
    .await;
    // Fill up to SCRIPT_LEN with creates.
    let mut i = 0;
    while run.answers.len() < SCRIPT_LEN {
        run.member(org, &format!("filler{i}@acme.com"), json!({}))
            .await;
        i += 1;
    }
    assert_eq!(run.answers.len(), SCRIPT_LEN);
    run.answers
}

/// Assert two runs of the script got byte-identical answers, naming the first that differs.
#[track_caller]
pub fn assert_same_answers(before: &[Answer], after: &[Answer]) {
    assert_eq!(before.len(), after.len());
    for (i, (a, b)) in before.iter().zip(after).enumerate() {
        assert!(
            a == b,
            "answer {i} ({}) differs:\n  after the snapshot: {} {}\n  after the restore:  {} {}",
            a.request,
            a.status,
            String::from_utf8_lossy(&a.body),
            b.status,
            String::from_utf8_lossy(&b.body),
        );
    }
}
