//! `GET /_mock/requests.har`: the request log as HAR 1.2 — every field HAR 1.2 requires, with
//! its type; the same entries, bodies and redaction as `/_mock/requests`, plus the redacted JSON
//! answers; behind the control API's credentials; and no secret a request or an answer carried
//! (codes, passwords, tokens, the API secret; the whole secrets tour) anywhere in the file.

use mock_stytch::config::{DEFAULT_PROJECT_ID, DEFAULT_SECRET};
use serde_json::{Value, json};

use crate::helpers::{TestMock, assert_error, spawn_frozen};
use crate::mfa_helpers::*;
use crate::secrets_tour::{Api, occurs, tour};

const HAR: &str = "/_mock/requests.har";

/// The HAR as served (text, so a secret can be searched for anywhere in it), with its
/// content type.
async fn fetch_har(mock: &TestMock) -> (String, String) {
    let resp = mock
        .http
        .get(mock.url(HAR))
        .basic_auth(DEFAULT_PROJECT_ID, Some(DEFAULT_SECRET))
        .send()
        .await
        .expect("request sent");
    assert_eq!(resp.status(), 200);
    let ctype = resp.headers()["content-type"].to_str().unwrap().to_owned();
    (resp.text().await.expect("body"), ctype)
}

const PASSWORD: &str = "Sandbox-Secret-Horse-77";

/// A few calls of every kind: a refused and an accepted SMS code, a GET, a password login.
/// Returns the right code, the IST and the session token it gave.
async fn traffic(mock: &TestMock) -> (String, String, String) {
    let (org, m) = org_and_member(
        mock,
        json!({"mfa_policy": "REQUIRED_FOR_ALL"}),
        json!({"mfa_phone_number": PHONE}),
    )
    .await;
    let ist = primary_ist(mock, &org, &m).await;
    mock.ok_mfa(
        "/v1/b2b/otps/sms/send",
        body(&org, &m, json!({"intermediate_session_token": ist})),
    )
    .await;
    let code = last_sms_code(mock, &m).await;
    mock.post(
        "/v1/b2b/otps/sms/authenticate",
        body(
            &org,
            &m,
            json!({"code": "999999", "intermediate_session_token": ist}),
        ),
    )
    .await;
    let done = mock
        .ok_post(
            "/v1/b2b/otps/sms/authenticate",
            body(
                &org,
                &m,
                json!({"code": code, "intermediate_session_token": ist}),
            ),
        )
        .await;
    let session_token = done["session_token"].as_str().unwrap().to_owned();
    mock.post(
        "/v1/b2b/passwords/authenticate",
        json!({"organization_id": org, "email_address": "ada@acme.com",
               "password": PASSWORD}),
    )
    .await;
    (code, ist, session_token)
}

#[track_caller]
fn str_at<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} must be a string: {v}"))
}

#[track_caller]
fn int_at(v: &Value, key: &str) -> i64 {
    v[key]
        .as_i64()
        .unwrap_or_else(|| panic!("{key} must be an integer: {v}"))
}

#[track_caller]
fn num_at(v: &Value, key: &str) -> f64 {
    v[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key} must be a number: {v}"))
}

/// Lists of `{name, value}` (headers, query strings, cookies).
#[track_caller]
fn pairs_at(v: &Value, key: &str) {
    let list = v[key]
        .as_array()
        .unwrap_or_else(|| panic!("{key} must be an array: {v}"));
    for p in list {
        str_at(p, "name");
        str_at(p, "value");
    }
}

/// Every field HAR 1.2 requires (log, creator, entry, request, response, content, cache,
/// timings), with its JSON type.
#[track_caller]
fn assert_har_1_2(har: &Value) {
    let log = &har["log"];
    assert_eq!(log["version"], "1.2", "{log}");
    str_at(&log["creator"], "name");
    str_at(&log["creator"], "version");
    for e in log["entries"].as_array().expect("log.entries is an array") {
        let started = str_at(e, "startedDateTime");
        chrono::DateTime::parse_from_rfc3339(started)
            .unwrap_or_else(|_| panic!("startedDateTime is not ISO 8601: {started}"));
        let time = num_at(e, "time");
        assert!(time >= 0.0, "{e}");
        let req = &e["request"];
        str_at(req, "method");
        let url = str_at(req, "url");
        assert!(url.starts_with("http://127.0.0.1:"), "absolute URL: {url}");
        str_at(req, "httpVersion");
        pairs_at(req, "headers");
        pairs_at(req, "queryString");
        pairs_at(req, "cookies");
        int_at(req, "headersSize");
        int_at(req, "bodySize");
        if let Some(post) = req.get("postData") {
            str_at(post, "mimeType");
            str_at(post, "text");
        }
        let resp = &e["response"];
        int_at(resp, "status");
        str_at(resp, "statusText");
        str_at(resp, "httpVersion");
        pairs_at(resp, "headers");
        pairs_at(resp, "cookies");
        int_at(&resp["content"], "size");
        str_at(&resp["content"], "mimeType");
        str_at(resp, "redirectURL");
        int_at(resp, "headersSize");
        int_at(resp, "bodySize");
        assert!(e["cache"].is_object(), "{e}");
        let t = &e["timings"];
        let parts = num_at(t, "send") + num_at(t, "wait") + num_at(t, "receive");
        assert!((parts - time).abs() < 1e-6, "timings add up to time: {e}");
    }
}

#[tokio::test]
async fn the_har_is_har_1_2_and_holds_what_the_request_log_holds() {
    // Arrange
    let mock = spawn_frozen().await;
    traffic(&mock).await;
    let logged = mock.ok_get("/_mock/requests?limit=1000").await["requests"]
        .as_array()
        .unwrap()
        .clone();

    // Act
    let (text, ctype) = fetch_har(&mock).await;
    let har: Value = serde_json::from_str(&text).expect("the HAR is JSON");

    // Assert: structure
    assert!(ctype.starts_with("application/json"), "{ctype}");
    assert_har_1_2(&har);
    // Assert: the log's entries, oldest first, bodies exactly as the log redacted them
    let entries = har["log"]["entries"].as_array().unwrap();
    assert_eq!(
        entries.len(),
        logged.len() + 1,
        "the log, then the GET that read it"
    );
    assert_eq!(
        logged.len(),
        7,
        "org, member, send, outbox, two codes, password"
    );
    assert!(str_at(&entries[logged.len()]["request"], "url").ends_with("/_mock/requests"));
    for (e, l) in entries.iter().zip(logged.iter().rev()) {
        assert_eq!(e["request"]["method"], l["method"]);
        let url = str_at(&e["request"], "url");
        assert!(url.ends_with(str_at(l, "path")), "{url} vs {l}");
        assert_eq!(e["response"]["status"], l["status"]);
        assert_eq!(e["startedDateTime"], l["received_at"]);
        match e["request"].get("postData") {
            Some(p) => {
                let body: Value = serde_json::from_str(str_at(p, "text")).unwrap();
                assert_eq!(body, l["body"], "{e}");
            }
            None => assert_eq!(l["body"], Value::Null, "{l}"),
        }
    }
    let refused = entries
        .iter()
        .find(|e| e["response"]["status"] == 404)
        .expect("the wrong code is logged");
    assert_eq!(refused["response"]["statusText"], "Not Found");
    let authenticated = entries
        .iter()
        .find(|e| {
            e["response"]["status"] == 200
                && str_at(&e["request"], "url").ends_with("/otps/sms/authenticate")
        })
        .expect("the right code is logged");
    let answer: Value =
        serde_json::from_str(str_at(&authenticated["response"]["content"], "text")).unwrap();
    assert_eq!(answer["status_code"], 200, "{answer}");
    assert!(str_at(&answer["member"], "member_id").starts_with("member-test-"));
    assert_eq!(answer["member"]["email_address"], "ada@acme.com");
    assert_eq!(answer["member"]["mfa_phone_number_verified"], true);
    assert_eq!(answer["session_token"], "[redacted]");
    let limited: Value = mock.ok_get(&format!("{HAR}?limit=2")).await;
    assert_eq!(limited["log"]["entries"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn no_secret_a_request_carried_is_in_the_har() {
    // Arrange
    let mock = spawn_frozen().await;
    let (code, ist, session_token) = traffic(&mock).await;

    // Act
    let (text, _) = fetch_har(&mock).await;

    // Assert
    for secret in [
        code.as_str(),
        "999999",
        &ist,
        &session_token,
        PASSWORD,
        DEFAULT_SECRET,
    ] {
        assert!(
            !text.contains(secret),
            "a secret reached the HAR: {secret}\n{text}"
        );
    }
    assert!(text.contains("[redacted]"), "{text}");
}

#[tokio::test]
async fn the_har_needs_the_control_credentials() {
    let mock = spawn_frozen().await;
    let resp = mock.http.get(mock.url(HAR)).send().await.unwrap();
    let status = resp.status().as_u16();
    let v: Value = resp.json().await.unwrap();
    assert_error(&(status, v), 401, "unauthorized_credentials");
}

#[tokio::test]
async fn no_secret_of_the_secrets_tour_is_in_the_har() {
    // Arrange: every secret-bearing flow, its secrets collected from requests and answers
    let mock = spawn_frozen().await;
    let api = Api {
        http: reqwest::Client::new(),
        base: mock.server.base_url.clone(),
    };
    let t = tour(&api).await;

    // Act
    let (text, _) = fetch_har(&mock).await;

    // Assert: the HAR is real (it names the routes walked, with bodies and answers) …
    assert!(text.contains("/v1/b2b/recovery_codes/recover"));
    assert!(
        text.contains(r#"\"recovery_code\":\"[redacted]\""#),
        "{text}"
    );
    assert!(
        text.contains(r#"\"session_token\":\"[redacted]\""#),
        "{text}"
    );
    // … and holds none of the secret values the tour met
    assert!(t.secrets.len() >= 30, "only {}", t.secrets.len());
    for (label, secret) in &t.secrets {
        assert!(
            !occurs(&text, secret),
            "the HAR contains {label} = {secret}"
        );
    }
}
