//! The client against a tiny in-process HTTP stub: auth header, paths, query strings, and how
//! each kind of failure surfaces. (Flows against the full mock live in mfa-engine's e2e tests.)

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use stytch_client::api::members::MemberUpdateRequest;
use stytch_client::{ClientConfig, StytchClient, StytchError, Unanswered};
use tokio::net::TcpListener;

/// (method, path?query, authorization header, body) of every request the stub saw.
type Seen = Arc<Mutex<Vec<(String, String, Option<String>, String)>>>;

/// Serve `reply` with `status` for every request and record what came in.
async fn stub(status: u16, reply: &'static str) -> (String, Seen) {
    let seen = Seen::default();
    let app = Router::new().fallback(move |State(seen): State<Seen>, req: Request| async move {
        let (parts, body) = req.into_parts();
        let body: Bytes = axum::body::to_bytes(body, 1 << 20)
            .await
            .unwrap_or_default();
        seen.lock().unwrap().push((
            parts.method.to_string(),
            parts.uri.to_string(),
            parts
                .headers
                .get("authorization")
                .map(|v| v.to_str().unwrap_or("").to_owned()),
            String::from_utf8_lossy(&body).into_owned(),
        ));
        let r: Response = (StatusCode::from_u16(status).unwrap(), reply).into_response();
        r
    });
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = app.with_state(seen.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), seen)
}

const MEMBER_BODY: &str = r#"{"status_code":200,"request_id":"request-id-test-1","member_id":"member-1",
  "member":{"organization_id":"org 1","member_id":"member-1","email_address":"a+b@example.com","status":"active",
            "mfa_enrolled":true,"mfa_phone_number":"","totp_registration_id":"member-totp-1","default_mfa_method":"totp"},
  "organization":{"organization_id":"org 1","mfa_policy":"OPTIONAL","mfa_methods":"ALL_ALLOWED","allowed_mfa_methods":[]}}"#;

#[tokio::test]
async fn requests_carry_basic_auth_and_absolute_routes_and_errors_are_typed() {
    // Arrange
    let (base, seen) = stub(200, MEMBER_BODY).await;
    let client = StytchClient::new(ClientConfig::new(
        format!("{base}/ignored/"),
        "project-test-p",
        "s3cret",
    ))
    .unwrap();

    // Act
    let got = client.members_get("org 1", "member-1").await.unwrap();
    let update = MemberUpdateRequest {
        mfa_enrolled: Some(true),
        ..Default::default()
    };
    client
        .members_update("org 1", "member-1", &update)
        .await
        .unwrap();

    // Assert
    assert_eq!(
        got.member.totp_registration_id.as_deref(),
        Some("member-totp-1")
    );
    assert!(got.member.mfa_phone_number.is_none());
    let calls = seen.lock().unwrap().clone();
    assert_eq!(calls[0].0, "GET");
    assert_eq!(
        calls[0].1,
        "/v1/b2b/organizations/org%201/member?member_id=member-1"
    );
    // base64("project-test-p:s3cret")
    assert_eq!(
        calls[0].2.as_deref(),
        Some("Basic cHJvamVjdC10ZXN0LXA6czNjcmV0")
    );
    assert_eq!(calls[1].0, "PUT");
    assert_eq!(calls[1].1, "/v1/b2b/organizations/org%201/members/member-1");
    assert_eq!(calls[1].3, r#"{"mfa_enrolled":true}"#);
}

#[tokio::test]
async fn api_transport_and_decode_failures_are_separate_variants() {
    let (base, _) = stub(401, r#"{"status_code":401,"request_id":"request-id-test-9","error_type":"unauthorized_credentials","error_message":"bad","error_url":"https://stytch.com/docs/api/errors/401"}"#).await;
    let client = StytchClient::new(ClientConfig::new(base, "p", "wrong")).unwrap();
    let err = client.organizations_get("org").await.unwrap_err();
    let api = err.api().expect("api error");
    assert_eq!(
        (api.status, api.error_type.as_str(), api.request_id.as_str()),
        (401, "unauthorized_credentials", "request-id-test-9")
    );

    let (base, _) = stub(200, "not json").await;
    let client = StytchClient::new(ClientConfig::new(base, "p", "s")).unwrap();
    let err = client.organizations_get("org").await.unwrap_err();
    assert!(
        matches!(err, StytchError::Decode { status: 200, .. }),
        "{err:?}"
    );

    // Nothing listens on a port we just released.
    let port = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = StytchClient::new(ClientConfig::new(
        format!("http://127.0.0.1:{port}"),
        "p",
        "s",
    ))
    .unwrap();
    let err = client.organizations_get("org").await.unwrap_err();
    assert!(matches!(err, StytchError::Transport(_)), "{err:?}");
    assert_eq!(err.unanswered(), Some(Unanswered::NotSent), "{err:?}");
}

/// A raw TCP server that reads each request and then either closes the connection without a
/// byte (`hold: false`) or holds it open without answering (`hold: true`).
async fn silent_server(hold: bool) -> String {
    use tokio::io::AsyncReadExt;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = socket.read(&mut buf).await;
                if hold {
                    tokio::time::sleep(std::time::Duration::from_secs(30)).await;
                }
            });
        }
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn a_request_without_an_answer_says_whether_it_went_out() {
    let closed =
        StytchClient::new(ClientConfig::new(silent_server(false).await, "p", "s")).unwrap();
    let held = StytchClient::new(
        ClientConfig::new(silent_server(true).await, "p", "s")
            .with_timeout(std::time::Duration::from_millis(200)),
    )
    .unwrap();

    let lost = closed.organizations_get("org").await.unwrap_err();
    let timed_out = held.organizations_get("org").await.unwrap_err();

    assert_eq!(
        lost.unanswered(),
        Some(Unanswered::ConnectionLost),
        "{lost:?}"
    );
    assert_eq!(
        timed_out.unanswered(),
        Some(Unanswered::TimedOut),
        "{timed_out:?}"
    );
    let (base, _) = stub(
        500,
        r#"{"status_code":500,"error_type":"internal_server_error"}"#,
    )
    .await;
    let answered = StytchClient::new(ClientConfig::new(base, "p", "s"))
        .unwrap()
        .organizations_get("org")
        .await
        .unwrap_err();
    assert_eq!(answered.unanswered(), None, "{answered:?}");
}
