//! `stytch-mfa record --har` reads the mock's own HAR export (`GET /_mock/requests.har`): a
//! session played against a running mock, downloaded as HAR, records into a scenario that
//! replays green on a fresh in-process mock, with the same steps as the session.

mod recording;

use mock_control::MockControl;
use qa_replay::runner::{Target, Verdict, run_scenario};
use qa_replay::scenario::load;

const SESSION: &str = "\
name: the session exported as HAR
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
  - login: { member: bob, via: password }
  - enroll_totp
  - submit_code: totp_now
  - sign_out
  - login: { member: carl, via: magic_link }
  - begin_enrollment: {}
  - enroll_sms: { phone: \"+14155550132\" }
  - submit_code: from_outbox
  - step_up
  - submit_code: from_outbox
  - sign_out
";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mocks_own_har_records_into_a_scenario_that_replays_green() {
    // Arrange: the session against a running mock, then its HAR downloaded as a browser would.
    let mock = mock_stytch::MockServer::spawn(mock_stytch::Config::for_tests())
        .await
        .expect("mock");
    let tmp = tempfile::tempdir().expect("tempdir");
    let session = tmp.path().join("session.yaml");
    std::fs::write(&session, SESSION).expect("write");
    let played = run_scenario(
        &load(&session).expect("the session loads"),
        &Target::Url {
            base_url: mock.base_url.clone(),
            project_id: mock_stytch::config::DEFAULT_PROJECT_ID.into(),
            secret: mock_stytch::config::DEFAULT_SECRET.into(),
        },
    )
    .await;
    assert_eq!(played.verdict, Verdict::Passed);
    let control = MockControl::new(
        &mock.base_url,
        mock_stytch::config::DEFAULT_PROJECT_ID,
        mock_stytch::config::DEFAULT_SECRET,
    );
    let resp = control
        .request(reqwest::Method::GET, "/_mock/requests.har")
        .send()
        .await
        .expect("the HAR downloads");
    assert_eq!(resp.status(), 200);
    let har_path = tmp.path().join("mock.har");
    std::fs::write(&har_path, resp.text().await.expect("body")).expect("write the HAR");
    let out = tmp.path().join("recorded.yaml");

    // Act
    let yaml = recording::record_har(&har_path, &out);

    // Assert: it records, the recording replays green elsewhere, with the session's steps
    recording::assert_replays_green(&out, &yaml).await;
    let steps = recording::recorded_steps(&yaml);
    let expected = [
        r#"  - login: {"member":"alice","via":"magic_link"}"#,
        r#"  - enroll_sms: {"phone":"+14155550131"}"#,
        r#"  - submit_code: "wrong""#,
        r#"  - submit_code: "from_outbox""#,
        "  - sign_out",
        r#"  - login: {"member":"bob","via":"password"}"#,
        "  - enroll_totp",
        r#"  - submit_code: "totp_now""#,
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
    mock.stop().await.expect("mock stops");
}
