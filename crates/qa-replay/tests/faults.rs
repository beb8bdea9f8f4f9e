//! The `fault:` and `clear_faults` steps: a rule added by a scenario changes what the next
//! engine step sees (a `429` on the SMS send reaches the enrollment step as
//! `too_many_requests`), `times` and `clear_faults` end it, and without the fault step the same
//! expectations fail — so the step, not luck, makes the error.

use std::path::Path;

use qa_replay::cli::run_all;
use qa_replay::runner::{Target, Verdict};
use qa_replay::scenario::parse;

const WITH_FAULTS: &str = r#"
name: a 429 on the SMS send reaches enroll_sms; times and clear_faults end it
organizations:
  acme: { mfa_policy: REQUIRED_FOR_ALL }
members:
  alice: { org: acme, email: alice@acme.test }
steps:
  - login: { member: alice, via: magic_link }
  - expect: { state: enroll }
  - fault: { method: POST, path: /v1/b2b/otps/sms/send, action: { kind: too_many_requests }, times: 1 }
  - enroll_sms: { phone: "+14155550123" }
  - expect: { error: too_many_requests, state: enroll }
  - fault: { path: "/v1/b2b/otps/**", action: { kind: error, error_type: internal_server_error } }
  - enroll_sms: { phone: "+14155550123" }
  - expect: { error: internal_server_error, state: enroll }
  - clear_faults
  - enroll_sms: { phone: "+14155550123" }
  - submit_code: from_outbox
  - expect: { state: signed_in }
"#;

async fn replay(text: &str) -> Verdict {
    let loaded = parse(Path::new("faults.yaml"), text).expect("the scenario loads");
    let mut reports = run_all(vec![loaded], Target::InProcess, 1).await;
    assert_eq!(reports.len(), 1);
    let report = reports.remove(0);
    for t in &report.trace {
        println!("{t:?}");
    }
    report.verdict
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_steps_make_the_sms_step_fail_then_clear() {
    let verdict = replay(WITH_FAULTS).await;
    assert!(matches!(verdict, Verdict::Passed), "{verdict:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_fault_step_the_expected_error_does_not_happen() {
    let without = WITH_FAULTS.replace(
        "  - fault: { method: POST, path: /v1/b2b/otps/sms/send, action: { kind: too_many_requests }, times: 1 }\n",
        "",
    );
    assert_ne!(without, WITH_FAULTS);
    match replay(&without).await {
        Verdict::Failed { step, reason } => {
            assert_eq!(
                step, 4,
                "the expect after the first enroll_sms (1-based): {reason}"
            );
            assert!(reason.contains("too_many_requests"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_bad_fault_step_is_a_load_error_with_its_line() {
    let bad = WITH_FAULTS.replace("kind: too_many_requests", "kind: explode");
    let err = parse(Path::new("faults.yaml"), &bad).expect_err("unknown kind");
    assert_eq!(err.line, 10, "{err}");
    assert!(err.message.contains("explode"), "{err}");
}
