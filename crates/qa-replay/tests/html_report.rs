//! `--report FILE.html` of a run with one deliberate failure, opened offline in headless
//! Chromium (Debian's, over WebDriver, the way the example app's browser tests drive it): the
//! summary and the case table are there, and the failing case's step trace with its API
//! requests and redacted bodies is on the page. The screenshot goes to
//! `target/browser-screenshots/qa-replay-html-report/`. Fails, never skips, without Chromium.

use std::path::PathBuf;
use std::process::Command;

// The example app's WebDriver client, reused as it is (the same file, not a copy).
#[allow(dead_code)]
#[path = "../../example-app/tests/app/browser/webdriver.rs"]
mod webdriver;

const PASSING: &str = "\
name: optional org, straight to a session
organizations:
  acme: { mfa_policy: OPTIONAL }
members:
  zed: { org: acme, email: zed@acme.test }
steps:
  - login: { member: zed, via: magic_link }
  - expect: { state: signed_in }
";

/// `target/` of this build: the test binary lives in `target/<profile>/deps/`.
fn target_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("CARGO_TARGET_DIR") {
        return PathBuf::from(dir);
    }
    let exe = std::env::current_exe().expect("test binary path");
    exe.ancestors()
        .nth(3)
        .expect("target/<profile>/deps/<bin>")
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_html_report_shows_the_failing_cases_trace_in_a_browser() {
    // Arrange: one passing scenario and one with a deliberately wrong expectation.
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("a-passing.yaml"), PASSING).expect("write");
    let failing = PASSING
        .replace("optional org, straight to a session", "deliberately wrong")
        .replace("state: signed_in", "state: challenge");
    std::fs::write(dir.path().join("b-failing.yaml"), failing).expect("write");
    let html = dir.path().join("report.html");

    // Act
    let out = Command::new(env!("CARGO_BIN_EXE_stytch-mfa"))
        .args(["replay", dir.path().to_str().expect("utf-8"), "--report"])
        .arg(&html)
        .output()
        .expect("stytch-mfa runs");
    let page = std::fs::read_to_string(&html).expect("the report is written");
    let driver = webdriver::Driver::start();
    let s = driver.session().await;
    s.goto(&format!("file://{}", html.display())).await;
    let summary = s.text("#summary").await;
    let cases = s.text("#cases").await;
    let failure = s.text("#failure-1").await;
    let shots = target_dir()
        .join("browser-screenshots")
        .join("qa-replay-html-report");
    std::fs::create_dir_all(&shots).expect("screenshot directory");
    std::fs::write(shots.join("01-report.png"), s.screenshot().await).expect("screenshot");
    s.quit().await;

    // Assert
    assert_eq!(out.status.code(), Some(1), "one case failed");
    assert!(summary.contains("1 passed, 1 failed"), "{summary}");
    assert!(cases.contains("PASS"), "{cases}");
    assert!(cases.contains("FAIL"), "{cases}");
    assert!(cases.contains("deliberately wrong"), "{cases}");
    assert!(
        failure.contains("state: expected challenge, got signed_in"),
        "{failure}"
    );
    assert!(failure.contains("login zed via magic_link"), "{failure}");
    assert!(
        failure.contains("POST /v1/b2b/magic_links/authenticate 200 request-id-"),
        "{failure}"
    );
    // The request body as the mock's log keeps it: the token redacted, the email kept.
    assert!(
        failure.contains("\"magic_links_token\": \"[redacted]\""),
        "{failure}"
    );
    assert!(failure.contains("zed@acme.test"), "{failure}");
    assert!(
        !page.contains("<script") && !page.contains("<link") && !page.contains(" src="),
        "the page is self-contained"
    );
    assert!(shots.join("01-report.png").exists());
}
