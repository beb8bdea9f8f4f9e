//! What the recording tests share: `stytch-mfa record --har` run as a user runs it, and the
//! check that a recording replays green against a fresh in-process mock. Each test keeps its
//! own expected steps; this module never decides what a recording should contain.

#![allow(dead_code)] // each test binary uses the part it needs

use std::path::Path;
use std::process::Command;

use qa_replay::runner::{Target, Verdict, run_scenario};
use qa_replay::scenario::load;

/// `stytch-mfa record --har HAR --out OUT`; panics with its stderr unless it succeeds, and
/// returns the recording it wrote.
pub fn record_har(har: &Path, out: &Path) -> String {
    let run = Command::new(env!("CARGO_BIN_EXE_stytch-mfa"))
        .args(["record", "--har"])
        .arg(har)
        .arg("--out")
        .arg(out)
        .output()
        .expect("stytch-mfa runs");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    std::fs::read_to_string(out).expect("the recording is written")
}

/// The recording at `path` (text `yaml`) loads and replays green on a fresh in-process mock.
pub async fn assert_replays_green(path: &Path, yaml: &str) {
    let loaded = load(path).unwrap_or_else(|e| panic!("the recording loads: {e}\n{yaml}"));
    let report = run_scenario(&loaded, &Target::InProcess).await;
    assert_eq!(
        report.verdict,
        Verdict::Passed,
        "{}\n{yaml}",
        qa_replay::report::render(std::slice::from_ref(&report))
    );
}

/// The recording's step lines, without its `expect` steps.
pub fn recorded_steps(yaml: &str) -> Vec<&str> {
    yaml.lines()
        .filter(|l| l.starts_with("  - ") && !l.starts_with("  - expect"))
        .collect()
}
