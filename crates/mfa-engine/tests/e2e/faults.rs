//! Issue 18, item 2: the mock's faults on each Stytch call of a login (SMS send, SMS and TOTP
//! authenticate, sessions/authenticate, magic-link authenticate). For every call × fault (a
//! catalog 500 and 400, 429, drop, delay past the client timeout, lose_answer): the engine's
//! error kind and [`Retry`], the stored flow exactly as before (same version, so no
//! write happened; same counters), the rule really hit, and after the rule is cleared the
//! login completes — by retrying the same call, or for `lose_answer` (Stytch acted, the engine
//! never heard) by the documented recovery, with the spent code or token refused on retry.

use std::time::Duration;

use mfa_engine::store::StoredState;
use mfa_engine::{
    EngineConfig, ErrorKind, FlowId, FlowStore, MfaService, Retry, ServiceError, SqliteFlowStore,
};
use mock_control::{FaultAction, FaultRule};
use mock_stytch::config::{DEFAULT_PROJECT_ID, DEFAULT_SECRET};
use stytch_client::{ClientConfig, StytchClient};

use crate::helpers::*;

/// The faulted calls go through a client with this timeout (the retries through the normal
/// one), so that a delay longer than it is a timeout.
const TIMEOUT: Duration = Duration::from_millis(1500);
/// Longer than [`TIMEOUT`] with room: the retry is done before the delayed request would run.
const DELAY_MS: u64 = 8000;

/// A fault and what the engine must make of it.
struct Case {
    name: &'static str,
    action: FaultAction,
    kind: ErrorKind,
    retry: Retry,
    /// Stytch did the work and the answer was lost: a retry of the same call is refused.
    answer_lost: bool,
}

fn cases() -> Vec<Case> {
    let case = |name, action, kind, retry, answer_lost| Case {
        name,
        action,
        kind,
        retry,
        answer_lost,
    };
    vec![
        case(
            "error-500",
            FaultAction::Error {
                error_type: "internal_server_error".into(),
                status: None,
                error_message: None,
            },
            ErrorKind::StytchUnavailable,
            Retry::Now,
            false,
        ),
        // A catalog 4xx: Stytch refused and did nothing; repeating the same call cannot help,
        // but nothing was stored either, so the call works once Stytch stops refusing.
        case(
            "error-400",
            FaultAction::Error {
                error_type: "bad_request".into(),
                status: None,
                error_message: None,
            },
            ErrorKind::Refused,
            Retry::No,
            false,
        ),
        case(
            "429",
            FaultAction::TooManyRequests,
            ErrorKind::RateLimited,
            Retry::Later,
            false,
        ),
        case(
            "drop",
            FaultAction::Drop,
            ErrorKind::NoAnswer,
            Retry::Now,
            false,
        ),
        case(
            "delay",
            FaultAction::Delay { ms: DELAY_MS },
            ErrorKind::NoAnswer,
            Retry::Now,
            false,
        ),
        case(
            "lose-answer",
            FaultAction::LoseAnswer,
            ErrorKind::NoAnswer,
            Retry::Now,
            true,
        ),
    ]
}

impl Case {
    #[track_caller]
    fn assert_error(&self, call: &str, err: &ServiceError) {
        assert_eq!(
            (err.kind(), err.retry(), err.is_retryable()),
            (self.kind, self.retry, self.retry != Retry::No),
            "{call} under {}: {err:?}",
            self.name
        );
    }

    /// Put the rule on `path`, run the faulted call, check the rule was hit once, clear it.
    async fn apply<T>(
        &self,
        app: &TestApp,
        path: &str,
        call: impl std::future::Future<Output = Result<T, ServiceError>>,
    ) -> ServiceError {
        let rule = app
            .control
            .add_fault(&FaultRule::new(path, self.action.clone()))
            .await
            .expect("fault added");
        let err = match call.await {
            Ok(_) => panic!("{path} under {}: the call succeeded", self.name),
            Err(e) => e,
        };
        let faults = app.control.faults().await.expect("faults listed");
        assert_eq!(
            faults.iter().map(|f| (&f.id, f.hits)).collect::<Vec<_>>(),
            vec![(&rule.id, 1)],
            "{path} under {}",
            self.name
        );
        assert_eq!(app.control.clear_faults().await.expect("cleared"), 1);
        err
    }
}

/// A second engine on the same flow file whose Stytch client gives up after [`TIMEOUT`].
async fn impatient(app: &TestApp) -> Service {
    let client = StytchClient::new(
        ClientConfig::new(&app.mock.base_url, DEFAULT_PROJECT_ID, DEFAULT_SECRET)
            .with_timeout(TIMEOUT),
    )
    .expect("client");
    let store = SqliteFlowStore::open(&app.db_path).await.expect("store");
    MfaService::with_clock(client, store, app.clock.clone(), EngineConfig::default())
}

/// What of a stored flow a fault must not change. Every write bumps `version`.
#[derive(Debug, PartialEq)]
struct Persisted {
    version: i64,
    state: StoredState,
    failures: Option<i64>,
    sms_sent: Option<bool>,
    challenge_method: Option<String>,
}

async fn persisted(app: &TestApp, id: FlowId) -> Persisted {
    let r = app.service.store().load(id).await.expect("flow is stored");
    Persisted {
        version: r.version,
        state: r.state,
        failures: r.failures,
        sms_sent: r.sms_sent,
        challenge_method: r.challenge_method,
    }
}

/// How many flows the store holds (a failed primary authentication must add none).
fn stored_flows(app: &TestApp) -> i64 {
    rusqlite::Connection::open(&app.db_path)
        .expect("flow file")
        .query_row("SELECT COUNT(*) FROM login_flows", [], |r| r.get(0))
        .expect("count")
}

/// A member enrolled by SMS who logged out and signed in again: an SMS challenge, code sent.
async fn sms_challenge(app: &TestApp, email: &str) -> (String, String, FlowId) {
    let (org, member) = app.org_with_member(REQUIRED, email).await;
    let first = app.enroll_by_sms(&org, &member, email).await;
    app.service.logout(first.flow_id).await.expect("logout");
    let step = app.login_with_magic_link(&org, email).await.expect("login");
    (org, member, expect_challenge(step).flow_id)
}

/// A member enrolled by TOTP signing in again, one TOTP window later.
async fn totp_challenge(app: &TestApp, email: &str) -> (String, String, FlowId) {
    let (org, member) = app.org_with_member(REQUIRED, email).await;
    let step = app.login_with_magic_link(&org, email).await.expect("login");
    let setup = app.service.enroll_totp(expect_enroll(&step)).await.unwrap();
    let code = app.totp_code(&org, &member).await;
    expect_signed_in(
        app.service
            .confirm_enrollment(setup.prompt.flow_id, code.into())
            .await
            .expect("confirm"),
    );
    app.advance_mock_clock(30).await;
    let step = app.login_with_magic_link(&org, email).await.expect("login");
    (org, member, expect_challenge(step).flow_id)
}

#[tokio::test]
async fn sms_send_under_each_fault_keeps_the_flow_and_a_resend_completes_it() {
    let app = spawn_app().await;
    let impatient = impatient(&app).await;
    for case in cases() {
        let email = format!("sms-send-{}@example.com", case.name);
        let (_, member, flow) = sms_challenge(&app, &email).await;
        let before = persisted(&app, flow).await;

        let path = "/v1/b2b/otps/sms/send";
        let err = case.apply(&app, path, impatient.send_sms_code(flow)).await;

        case.assert_error("sms send", &err);
        assert_eq!(persisted(&app, flow).await, before, "{}", case.name);
        // Sending again is right whether or not the lost send went out: the newest code counts.
        let prompt = app.service.send_sms_code(flow).await.expect("resend");
        assert!(prompt.sms_sent, "{}", case.name);
        let code = app.latest_sms_code(&member).await;
        let done = app.service.submit_code(flow, code.into()).await;
        app.assert_session_is_live(&expect_signed_in(done.expect("signed in")))
            .await;
    }
}

#[tokio::test]
async fn sms_authenticate_under_each_fault_never_spends_a_code_twice() {
    let app = spawn_app().await;
    let impatient = impatient(&app).await;
    for case in cases() {
        let email = format!("sms-auth-{}@example.com", case.name);
        let (org, member, flow) = sms_challenge(&app, &email).await;
        let code = app.latest_sms_code(&member).await;
        let before = persisted(&app, flow).await;

        let path = "/v1/b2b/otps/sms/authenticate";
        let faulted = impatient.submit_code(flow, code.clone().into());
        let err = case.apply(&app, path, faulted).await;

        case.assert_error("sms authenticate", &err);
        assert_eq!(persisted(&app, flow).await, before, "{}", case.name);
        let retry = app.service.submit_code(flow, code.into()).await;
        if case.answer_lost {
            assert_spent_login_code(&app, flow, &before, retry).await;
            let again = expect_challenge(app.login_with_magic_link(&org, &email).await.unwrap());
            let code = app.latest_sms_code(&member).await;
            let done = app.service.submit_code(again.flow_id, code.into()).await;
            app.assert_session_is_live(&expect_signed_in(done.expect("new login")))
                .await;
        } else {
            app.assert_session_is_live(&expect_signed_in(retry.expect("retry")))
                .await;
        }
    }
}

#[tokio::test]
async fn totp_authenticate_under_each_fault_never_spends_a_code_twice() {
    let app = spawn_app().await;
    let impatient = impatient(&app).await;
    for case in cases() {
        let email = format!("totp-auth-{}@example.com", case.name);
        let (org, member, flow) = totp_challenge(&app, &email).await;
        let code = app.totp_code(&org, &member).await;
        let before = persisted(&app, flow).await;

        let path = "/v1/b2b/totp/authenticate";
        let faulted = impatient.submit_code(flow, code.clone().into());
        let err = case.apply(&app, path, faulted).await;

        case.assert_error("totp authenticate", &err);
        assert_eq!(persisted(&app, flow).await, before, "{}", case.name);
        let retry = app.service.submit_code(flow, code.into()).await;
        if case.answer_lost {
            assert_spent_login_code(&app, flow, &before, retry).await;
            // Sign in again, in the next TOTP window (the lost call used this one's code).
            app.advance_mock_clock(30).await;
            let again = expect_challenge(app.login_with_magic_link(&org, &email).await.unwrap());
            let code = app.totp_code(&org, &member).await;
            let done = app.service.submit_code(again.flow_id, code.into()).await;
            app.assert_session_is_live(&expect_signed_in(done.expect("new login")))
                .await;
        } else {
            app.assert_session_is_live(&expect_signed_in(retry.expect("retry")))
                .await;
        }
    }
}

/// After a lost answer Stytch had spent the IST on a session the engine never received: the
/// retry is refused as an expired flow (sign in again), and the flow is neither completed nor
/// counted a wrong code.
async fn assert_spent_login_code(
    app: &TestApp,
    flow: FlowId,
    before: &Persisted,
    retry: Result<mfa_engine::LoginStep, ServiceError>,
) {
    let err = retry.expect_err("a spent code is not accepted twice");
    assert_eq!(
        (err.kind(), err.retry()),
        (ErrorKind::FlowExpired, Retry::No),
        "{err:?}"
    );
    assert_eq!(&persisted(app, flow).await, before);
}

#[tokio::test]
async fn sessions_authenticate_under_each_fault_adds_no_flow_and_a_retry_adopts_the_session() {
    let app = spawn_app().await;
    let impatient = impatient(&app).await;
    for case in cases() {
        let email = format!("session-{}@example.com", case.name);
        let (org, _) = app.org_with_member(OPTIONAL, &email).await;
        let signed_in = expect_signed_in(app.login_with_magic_link(&org, &email).await.unwrap());
        let flows = stored_flows(&app);

        let path = "/v1/b2b/sessions/authenticate";
        let faulted = impatient.start_from_session(signed_in.session_token.clone());
        let err = case.apply(&app, path, faulted).await;

        case.assert_error("sessions authenticate", &err);
        assert_eq!(stored_flows(&app), flows, "{}", case.name);
        // A read: the same call is right even after a lost answer.
        let adopted = app
            .service
            .start_from_session(signed_in.session_token.clone())
            .await
            .expect("retry");
        assert_eq!(adopted.member_id, signed_in.member_id);
        assert_eq!(stored_flows(&app), flows + 1, "{}", case.name);
        app.assert_session_is_live(&adopted).await;
    }
}

#[tokio::test]
async fn magic_link_authenticate_under_each_fault_adds_no_flow_and_a_link_is_used_once() {
    let app = spawn_app().await;
    let impatient = impatient(&app).await;
    for case in cases() {
        let email = format!("link-{}@example.com", case.name);
        let (org, _) = app.org_with_member(OPTIONAL, &email).await;
        let token = app.magic_link_token(&org, &email).await;
        let flows = stored_flows(&app);

        let path = "/v1/b2b/magic_links/authenticate";
        let faulted = impatient.login_with_magic_link(token.clone().into());
        let err = case.apply(&app, path, faulted).await;

        case.assert_error("magic-link authenticate", &err);
        assert_eq!(stored_flows(&app), flows, "{}", case.name);
        let retry = app.service.login_with_magic_link(token.into()).await;
        let signed_in = if case.answer_lost {
            let err = retry.expect_err("a used link is not accepted twice");
            assert_eq!(
                (err.kind(), err.retry()),
                (ErrorKind::LinkUnusable, Retry::No),
                "{err:?}"
            );
            assert_eq!(stored_flows(&app), flows);
            // The documented recovery: request a new link.
            app.login_with_magic_link(&org, &email).await
        } else {
            retry
        };
        app.assert_session_is_live(&expect_signed_in(signed_in.expect("signed in")))
            .await;
        assert_eq!(stored_flows(&app), flows + 1, "{}", case.name);
    }
}
