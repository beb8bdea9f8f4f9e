//! A matrix scenario against a server without the control API, as a real Stytch project is:
//! the in-process mock behind a layer that answers 404 to every `/_mock/…` route. The cases
//! whose reached steps need no control API run (and pass); the others are reported not
//! runnable with the steps that need it — none is faked.

use std::net::SocketAddr;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::IntoResponse;
use qa_replay::cli::run_all;
use qa_replay::runner::{Target, Verdict};
use qa_replay::scenario::parse;

/// The returning-MFA journey over policy, phone and entry point (shared with `matrix.rs`).
const MATRIX: &str = include_str!("fixtures/returning-matrix.yaml");

async fn no_control_api(req: Request, next: Next) -> axum::response::Response {
    if req.uri().path().starts_with("/_mock") {
        return (axum::http::StatusCode::NOT_FOUND, "no control API here").into_response();
    }
    next.run(req).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_cases_that_need_no_control_api_run_against_such_a_server() {
    // Arrange
    let state = mock_stytch::AppState::open(mock_stytch::Config::for_tests())
        .await
        .expect("mock state");
    let app = mock_stytch::routes::router(state).layer(axum::middleware::from_fn(no_control_api));
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
    let cases = parse(std::path::Path::new("m.yaml"), MATRIX)
        .expect("loads")
        .cases();
    let target = Target::Url {
        base_url,
        project_id: mock_stytch::config::DEFAULT_PROJECT_ID.into(),
        secret: mock_stytch::config::DEFAULT_SECRET.into(),
    };

    // Act
    let reports = run_all(cases, target, 4).await;

    // Assert
    let mut passed = Vec::new();
    for r in &reports {
        match &r.verdict {
            Verdict::Passed => passed.push(r.name.clone()),
            Verdict::NotRunnable { reason } => assert!(
                reason.starts_with("needs the mock control API: step"),
                "{}: {reason}",
                r.name
            ),
            other => panic!(
                "{}: {other:?}\n{}",
                r.name,
                qa_replay::report::render(std::slice::from_ref(r))
            ),
        }
    }
    passed.sort();
    assert_eq!(
        passed,
        [
            "returning [mfa_policy=OPTIONAL, phone=none, entry=existing_password_reset]",
            "returning [mfa_policy=OPTIONAL, phone=none, entry=password]",
            "returning [mfa_policy=OPTIONAL, phone=verified, entry=existing_password_reset]",
            "returning [mfa_policy=OPTIONAL, phone=verified, entry=password]",
            "returning [mfa_policy=REQUIRED_FOR_ALL, phone=none, entry=existing_password_reset]",
            "returning [mfa_policy=REQUIRED_FOR_ALL, phone=none, entry=password]",
        ]
    );
}
