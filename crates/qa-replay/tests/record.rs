//! `stytch-mfa record`: a session played against a running mock is recorded from its request
//! log into a scenario file, and that file replays green on a fresh in-process mock.

mod recording;

use std::path::Path;

use qa_replay::record::{fetch, scenario_from_log};
use qa_replay::runner::{Target, Verdict, run_scenario};
use qa_replay::scenario::load;

const SESSION: &str = "\
name: the manual session
organizations:
  acme: { mfa_policy: REQUIRED_FOR_ALL }
  open: { mfa_policy: OPTIONAL }
members:
  alice: { org: acme, email: alice@acme.test }
  bob: { org: acme, email: bob@acme.test, password: \"Correct-Horse-Battery-9\" }
  carl: { org: open, email: carl@open.test }
steps:
  - login: { member: alice, via: magic_link }
  - enroll_sms: { phone: \"+14155550131\" }
  - submit_code: wrong
  - expect: { error: wrong_code }
  - submit_code: from_outbox
  - sign_out
  - login: { member: alice, via: magic_link }
  - submit_code: from_outbox
  - sign_out
  - login: { member: bob, via: password }
  - enroll_totp
  - submit_code: totp_now
  - sign_out
  - advance_clock: { seconds: 30 }
  - login: { member: bob, via: password }
  - submit_recovery_code: from_enrollment
  - sign_out
  - login: { member: carl, via: magic_link }
  - begin_enrollment: {}
  - enroll_sms: { phone: \"+14155550132\" }
  - submit_code: from_outbox
  - step_up
  - submit_code: from_outbox
  - sign_out
";

async fn play_session_against(mock: &mock_stytch::MockServer, dir: &Path) {
    let path = dir.join("session.yaml");
    std::fs::write(&path, SESSION).expect("write");
    let loaded = load(&path).expect("the session file loads");
    let target = Target::Url {
        base_url: mock.base_url.clone(),
        project_id: mock_stytch::config::DEFAULT_PROJECT_ID.into(),
        secret: mock_stytch::config::DEFAULT_SECRET.into(),
    };
    let report = run_scenario(&loaded, &target).await;
    assert_eq!(
        report.verdict,
        Verdict::Passed,
        "{}",
        qa_replay::report::render(std::slice::from_ref(&report))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recorded_session_replays_green_on_a_fresh_mock() {
    // Arrange: a session against a running mock, as a tester would click it through.
    let mock = mock_stytch::MockServer::spawn(mock_stytch::Config::for_tests())
        .await
        .expect("mock");
    let tmp = tempfile::tempdir().expect("tempdir");
    play_session_against(&mock, tmp.path()).await;

    // Act: record it from the request log, then replay the recording somewhere else.
    let (log, dir) = fetch(
        &mock.base_url,
        mock_stytch::config::DEFAULT_PROJECT_ID,
        mock_stytch::config::DEFAULT_SECRET,
        1000,
    )
    .await
    .expect("the log reads");
    let yaml = scenario_from_log(&log, &dir, "recorded");
    let recorded = tmp.path().join("recorded.yaml");
    std::fs::write(&recorded, &yaml).expect("write");

    // Assert
    recording::assert_replays_green(&recorded, &yaml).await;
    let steps = recording::recorded_steps(&yaml);
    let expected = [
        r#"  - login: {"member":"alice","via":"magic_link"}"#,
        r#"  - enroll_sms: {"phone":"+14155550131"}"#,
        r#"  - submit_code: "wrong""#,
        r#"  - submit_code: "from_outbox""#,
        "  - sign_out",
        r#"  - login: {"member":"alice","via":"magic_link"}"#,
        r#"  - submit_code: "from_outbox""#,
        "  - sign_out",
        r#"  - login: {"member":"bob","via":"password"}"#,
        "  - enroll_totp",
        r#"  - submit_code: "totp_now""#,
        "  - sign_out",
        r#"  - advance_clock: {"seconds":30}"#,
        r#"  - login: {"member":"bob","via":"password"}"#,
        r#"  - submit_recovery_code: "from_enrollment""#,
        "  - sign_out",
        r#"  - login: {"member":"carl","via":"magic_link"}"#,
        "  - begin_enrollment: {}",
        r#"  - enroll_sms: {"phone":"+14155550132"}"#,
        r#"  - submit_code: "from_outbox""#,
        "  - step_up",
        r#"  - submit_code: "from_outbox""#,
        "  - sign_out",
    ];
    assert_eq!(steps, expected, "{yaml}");
    assert!(yaml.contains("mfa_policy\":\"REQUIRED_FOR_ALL"), "{yaml}");
    assert!(
        !yaml.contains("Correct-Horse"),
        "a password reached the recording:\n{yaml}"
    );
    let _ = mock.stop().await;
}
