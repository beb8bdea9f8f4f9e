//! Replays the curated suite in scenarios/ against the in-process mock, and checks the
//! command's contract: a wrong expectation exits 1 with a trace, a malformed file exits 2 with
//! file:line:col before anything runs, and --junit writes a report.

use std::path::{Path, PathBuf};
use std::process::Command;

use std::time::Instant;

use qa_replay::cli::{expand, load_all, run_all};
use qa_replay::runner::{Target, Verdict};
use qa_replay::scenario::load;

fn scenarios_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios")
}

fn stytch_mfa(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_stytch-mfa"))
        .args(args)
        .output()
        .expect("stytch-mfa runs");
    (
        out.status.code().expect("exit code"),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const GOOD: &str = "\
name: optional org, straight to a session
organizations:
  acme: { mfa_policy: OPTIONAL }
members:
  zed: { org: acme, email: zed@acme.test }
steps:
  - login: { member: zed, via: magic_link }
  - expect: { state: signed_in }
";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curated_suite_replays_green_against_the_in_process_mock() {
    // Arrange
    let files = expand(&[scenarios_dir()]).expect("scenarios/ lists");
    assert!(
        files.len() >= 12,
        "the curated suite has {} files",
        files.len()
    );
    let cases = load_all(&files).expect("every curated scenario loads");
    let total = cases.len();
    let started = Instant::now();

    // Act
    let reports = run_all(cases, Target::InProcess, 4).await;

    // Assert
    let failures: Vec<String> = reports
        .iter()
        .filter(|r| {
            matches!(
                r.verdict,
                Verdict::Failed { .. } | Verdict::NotRunnable { .. }
            )
        })
        .map(|r| qa_replay::report::render(std::slice::from_ref(r)))
        .collect();
    assert_eq!(reports.len(), total);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // A figure for the closing note, not an assertion: the suite's time budget is CI's.
    eprintln!(
        "curated suite: {} files, {total} cases ({}), {:.1} s",
        files.len(),
        qa_replay::report::summary(&reports),
        started.elapsed().as_secs_f64()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_returning_mfa_matrix_runs_every_valid_combination_and_passes() {
    // Arrange
    let file = scenarios_dir().join("matrix-returning-mfa.yaml");
    let cases = load(&file).expect("loads").cases();

    // Act
    let reports = run_all(cases, Target::InProcess, 4).await;

    // Assert: 2 policies x 3 method rules x 2 entry points x 12 member shapes, of which 4
    // name a default method the member lacks (the space's invalid points): 96 run, 48 refused.
    let passed: Vec<&str> = reports
        .iter()
        .filter(|r| r.verdict == Verdict::Passed)
        .map(|r| r.name.as_str())
        .collect();
    let refused = reports
        .iter()
        .filter(|r| matches!(r.verdict, Verdict::Refused { .. }))
        .count();
    let failed: Vec<String> = reports
        .iter()
        .filter(|r| matches!(r.verdict, Verdict::Failed { .. }))
        .map(|r| qa_replay::report::render(std::slice::from_ref(r)))
        .collect();
    assert!(failed.is_empty(), "{}", failed.join("\n"));
    assert_eq!((passed.len(), refused), (96, 48));
    let unique: std::collections::HashSet<&&str> = passed.iter().collect();
    assert_eq!(unique.len(), passed.len(), "each case has its own name");
    assert!(
        passed.contains(
            &"returning MFA across policies and factors [mfa_policy=OPTIONAL, mfa_methods=[totp], \
              enrolled=true, phone=verified, totp=active, default=totp, entry=password]"
        ),
        "{passed:#?}"
    );
}

#[test]
fn a_wrong_expectation_exits_1_with_a_step_trace() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("wrong.yaml");
    std::fs::write(&path, GOOD.replace("state: signed_in", "state: challenge")).expect("write");

    let (code, stdout, _) = stytch_mfa(&["replay", path.to_str().expect("utf-8 path")]);

    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("FAIL  optional org, straight to a session"),
        "{stdout}"
    );
    assert!(
        stdout.contains("state: expected challenge, got signed_in"),
        "{stdout}"
    );
    assert!(stdout.contains("login zed via magic_link"), "{stdout}");
    assert!(
        stdout.contains("POST /v1/b2b/magic_links/authenticate 200 request-id-"),
        "{stdout}"
    );
    assert!(stdout.contains("0 passed, 1 failed"), "{stdout}");
}

#[test]
fn a_malformed_file_exits_2_with_file_line_column_before_running() {
    let dir = tempfile::tempdir().expect("temp dir");
    let good = dir.path().join("good.yaml");
    std::fs::write(&good, GOOD).expect("write");
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, GOOD.replace("- expect: { state", "- expect: { stat")).expect("write");

    let (code, stdout, stderr) = stytch_mfa(&["replay", dir.path().to_str().expect("utf-8")]);

    assert_eq!(code, 2, "{stdout}{stderr}");
    let location = format!("{}:8:", bad.display());
    assert!(stderr.contains(&location), "{stderr}");
    assert!(stderr.contains("unknown field `stat`"), "{stderr}");
    assert!(stderr.contains("hint:"), "{stderr}");
    assert!(stdout.is_empty(), "nothing ran: {stdout}");
}

#[test]
fn an_unknown_member_is_reported_with_its_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bad = dir.path().join("ref.yaml");
    std::fs::write(&bad, GOOD.replace("member: zed,", "member: zoe,")).expect("write");

    let (code, _, stderr) = stytch_mfa(&["replay", bad.to_str().expect("utf-8")]);

    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains(&format!("{}:7:", bad.display())),
        "{stderr}"
    );
    assert!(stderr.contains("unknown member `zoe`"), "{stderr}");
}

#[test]
fn junit_report_is_written() {
    let dir = tempfile::tempdir().expect("temp dir");
    let good = dir.path().join("good.yaml");
    std::fs::write(&good, GOOD).expect("write");
    let junit = dir.path().join("junit.xml");

    let (code, stdout, stderr) = stytch_mfa(&[
        "replay",
        good.to_str().expect("utf-8"),
        "--junit",
        junit.to_str().expect("utf-8"),
    ]);

    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("1 passed, 0 failed"), "{stdout}");
    let xml = std::fs::read_to_string(&junit).expect("junit written");
    assert!(
        xml.contains("<testsuite name=\"stytch-mfa replay\" tests=\"1\" failures=\"0\""),
        "{xml}"
    );
    assert!(
        xml.contains("name=\"optional org, straight to a session\""),
        "{xml}"
    );
}

const SMALL_MATRIX: &str = "\
name: empty lists
matrix:
  org: acme
  member: pat
  allowed_mfa_methods: [[totp], []]
  allowed_auth_methods: [all, []]
organizations:
  acme: {}
members:
  pat: { org: acme, email: pat@acme.test }
steps:
  - login: { member: pat, via: matrix }
  - expect: model
";

#[test]
fn matrix_cases_are_named_by_their_combination_and_invalid_ones_are_refused_by_the_server() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("m.yaml");
    std::fs::write(&file, SMALL_MATRIX).expect("write");
    let junit = dir.path().join("junit.xml");

    let (code, stdout, stderr) = stytch_mfa(&[
        "replay",
        file.to_str().expect("utf-8"),
        "--junit",
        junit.to_str().expect("utf-8"),
    ]);

    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stdout.contains("1 passed, 0 failed, 3 refused combinations"),
        "{stdout}"
    );
    let xml = std::fs::read_to_string(&junit).expect("junit written");
    assert!(
        xml.contains("tests=\"4\" failures=\"0\" skipped=\"3\""),
        "{xml}"
    );
    assert!(
        xml.contains("name=\"empty lists [mfa_methods=[totp], auth_methods=ALL_ALLOWED]\""),
        "{xml}"
    );
    // The space's reason, confirmed by the server's own refusal of the setup call.
    assert!(
        xml.contains(
            "refused by the API: RestrictedAuthMethodsWithEmptyList (the server answered \
             allowed_auth_methods_required_for_restricted)"
        ),
        "{xml}"
    );
}
