//! The HTTP edge and the control API: auth, envelope, bad bodies, clock, reset, request log.

use mock_stytch::config::{DEFAULT_PROJECT_ID, DEFAULT_SECRET};
use serde_json::{Value, json};

use crate::helpers::{FROZEN, assert_error, spawn, spawn_frozen};

#[tokio::test]
async fn wrong_or_missing_credentials_get_unauthorized_credentials() {
    let mock = spawn().await;
    for auth in [
        None,
        Some((DEFAULT_PROJECT_ID, "wrong")),
        Some(("project-test-other", DEFAULT_SECRET)),
    ] {
        for (method, path) in [
            ("GET", "/v1/b2b/organizations/x"),
            ("POST", "/_mock/reset"),
            ("GET", "/_mock/outbox"),
        ] {
            let mut req = mock.http.request(method.parse().unwrap(), mock.url(path));
            if let Some((user, pass)) = auth {
                req = req.basic_auth(user, Some(pass));
            }
            let resp = req.send().await.unwrap();
            let status = resp.status().as_u16();
            let body: Value = resp.json().await.unwrap();
            assert_error(&(status, body), 401, "unauthorized_credentials");
        }
    }
    // health is open
    let resp = mock
        .http
        .get(mock.url("/_mock/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn bad_bodies_and_unknown_routes_keep_the_error_shape() {
    let mock = spawn().await;
    let raw = |body: &'static str, ct: &'static str| {
        mock.http
            .post(mock.url("/v1/b2b/organizations"))
            .basic_auth(DEFAULT_PROJECT_ID, Some(DEFAULT_SECRET))
            .header("content-type", ct)
            .body(body)
    };
    for (body, ct, status, error_type) in [
        ("{bad", "application/json", 400, "bad_request"),
        ("[1,2]", "application/json", 400, "bad_request"),
        ("\u{0}\u{1}", "application/json", 400, "bad_request"),
        (
            "organization_name=x",
            "application/x-www-form-urlencoded",
            415,
            "invalid_content_type",
        ),
    ] {
        let resp = raw(body, ct).send().await.unwrap();
        let status_got = resp.status().as_u16();
        assert_error(
            &(status_got, resp.json().await.unwrap()),
            status,
            error_type,
        );
    }
    let huge = format!("{{\"organization_name\": \"{}\"}}", "x".repeat(2 << 20));
    let resp = mock
        .http
        .post(mock.url("/v1/b2b/organizations"))
        .basic_auth(DEFAULT_PROJECT_ID, Some(DEFAULT_SECRET))
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    let s = resp.status().as_u16();
    assert_error(&(s, resp.json().await.unwrap()), 413, "request_too_large");
    assert_error(
        &mock.get("/v1/b2b/nothing/here").await,
        404,
        "route_not_found",
    );
    assert_error(
        &mock.call("PATCH", "/v1/b2b/organizations", None).await,
        405,
        "method_not_allowed",
    );
}

#[tokio::test]
async fn the_virtual_clock_moves_only_when_told() {
    let mock = spawn_frozen().await;
    assert_eq!(mock.ok_get("/_mock/clock").await["now"], FROZEN);
    mock.advance_clock(90).await;
    assert_eq!(
        mock.ok_get("/_mock/clock").await["now"],
        "2030-01-01T00:01:30Z"
    );
    let set = mock
        .ok_post("/_mock/clock", json!({"now": "2031-06-01T12:00:00Z"}))
        .await;
    assert_eq!(set["now"], "2031-06-01T12:00:00Z");
    // timestamps written by the API follow the virtual clock
    let org = mock.create_org("Acme", "acme", json!({})).await;
    assert_eq!(org["created_at"], "2031-06-01T12:00:00Z");
    assert_error(
        &mock.post("/_mock/clock", json!({})).await,
        400,
        "invalid_argument",
    );
    assert_error(
        &mock.post("/_mock/clock", json!({"now": "tomorrow"})).await,
        400,
        "invalid_argument",
    );
}

#[tokio::test]
async fn reset_wipes_data_and_restarts_the_id_sequence() {
    let mock = spawn_frozen().await;
    let first = mock.create_org("Acme", "acme", json!({})).await;
    mock.advance_clock(60).await;
    mock.ok_post("/_mock/reset", json!({})).await;
    assert_error(
        &mock.get("/v1/b2b/organizations/acme").await,
        404,
        "organization_not_found",
    );
    assert_eq!(mock.ok_get("/_mock/clock").await["now"], FROZEN);
    let again = mock.create_org("Acme", "acme", json!({})).await;
    assert_eq!(
        first, again,
        "after reset the mock answers like a fresh instance"
    );
}

#[tokio::test]
async fn the_request_log_keeps_bodies_with_every_secret_redacted() {
    // Arrange
    let mock = spawn().await;
    let org = mock
        .create_org(
            "Acme",
            "acme",
            json!({"trusted_metadata": {"secret": "hunter2"}}),
        )
        .await;
    let org_id = org["organization_id"].as_str().unwrap();
    let mfa = json!({
        "organization_id": org_id, "member_id": "member-test-x", "code": "123456",
        "intermediate_session_token": "ist-secret-value", "set_default_mfa": true,
    });
    mock.post("/v1/b2b/otps/sms/authenticate", mfa).await;
    mock.post(
        "/v1/b2b/passwords/authenticate",
        json!({"organization_id": org_id, "email_address": "a@acme.test", "password": "pw-secret"}),
    )
    .await;
    mock.get("/v1/b2b/organizations/nope").await;
    let huge = json!({"organization_id": org_id, "email_address": "a".repeat(900_000)});
    mock.post("/v1/b2b/magic_links/email/login_or_signup", huge)
        .await;

    // Act
    let log = mock.ok_get("/_mock/requests?limit=5").await;

    // Assert: newest first; bodies kept where they name things, redacted where they prove things
    let e: Vec<Value> = log["requests"].as_array().unwrap().clone();
    assert_eq!(e.len(), 5);
    assert_eq!(
        e[0]["body"], "[omitted: too large]",
        "memory per entry is bounded"
    );
    assert_eq!(
        (
            e[1]["path"].as_str(),
            e[1]["status"].as_u64(),
            &e[1]["body"]
        ),
        (Some("/v1/b2b/organizations/nope"), Some(404), &Value::Null)
    );
    assert_eq!(
        e[2]["body"],
        json!({"organization_id": org_id, "email_address": "a@acme.test", "password": "[redacted]"})
    );
    assert_eq!(
        e[3]["body"],
        json!({
            "organization_id": org_id, "member_id": "member-test-x", "code": "[redacted]",
            "intermediate_session_token": "[redacted]", "set_default_mfa": true,
        })
    );
    assert_eq!(e[4]["method"], "POST");
    assert_eq!(e[4]["body"]["organization_name"], "Acme");
    assert_eq!(
        e[4]["body"]["trusted_metadata"],
        json!({"secret": "[redacted]"})
    );
    for secret in ["hunter2", "123456", "ist-secret-value", "pw-secret"] {
        assert!(!log.to_string().contains(secret), "{secret}");
    }
}

#[tokio::test]
async fn outbox_starts_empty_and_filters() {
    let mock = spawn().await;
    assert_eq!(mock.outbox("channel=sms").await.len(), 0);
    assert_error(
        &mock.get("/_mock/outbox?limit=abc").await,
        400,
        "invalid_argument",
    );
}
