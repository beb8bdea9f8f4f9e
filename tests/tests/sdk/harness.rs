//! Runs one SDK script against a fresh mock and checks its per-check report.
//!
//! Protocol with the scripts (tests/sdk/python/compat.py, tests/sdk/node/compat.mjs):
//! * environment: `MOCK_BASE_URL`, `STYTCH_PROJECT_ID`, `STYTCH_SECRET`, `COMPAT_CHECKS`
//!   (comma-separated check names or group prefixes such as `totp`; empty = all),
//!   `STYTCH_SCHEMAS_DIR` (Python validates bodies against it), `SDK_NODE_DIR` (Node).
//! * stdout: one line per check, `PASS <name>` or `FAIL <name>: <why>`, then a final
//!   `<sdk>: N passed, N failed`; exit status non-zero when anything failed.
//! * `@@restart` on stdout asks the harness to stop the mock and start it again on the same
//!   database file; the harness answers on the script's stdin with the new base URL (the
//!   port changes) or with `@@error <why>`.
//! * over TLS ([`Transport::Tls`]) `MOCK_BASE_URL` is `https://127.0.0.1:PORT` (the scripts
//!   pass it as `custom_base_url`), and the mock's CA (`<db>.tls/ca.pem`, kept across a
//!   restart) is in `MOCK_CA_FILE`, `SSL_CERT_FILE`, `REQUESTS_CA_BUNDLE` and
//!   `NODE_EXTRA_CA_CERTS`.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use mock_stytch::config::{DEFAULT_PROJECT_ID, DEFAULT_SECRET};
use mock_stytch::{Config, DbLocation, MockServer, TlsDir};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::Command;

use crate::install;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sdk {
    Python,
    Node,
}

impl Sdk {
    fn name(self) -> &'static str {
        match self {
            Sdk::Python => "python",
            Sdk::Node => "node",
        }
    }
}

/// How the scripts reach the mock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    /// `http://`, given to the SDKs as their environment (`environment=` / `env:`).
    Http,
    /// `https://` with the mock's local CA (`--tls`), given as `custom_base_url`.
    Tls,
}

/// How long one script run may take before the test fails.
const RUN_TIMEOUT: Duration = Duration::from_secs(240);

/// `tests/sdk/schemas`: the response schemas generated from the pinned Python SDK by
/// `tests/sdk/python/gen_schemas.py` (checked against it by [`crate::schemas`]).
pub fn schemas_dir() -> PathBuf {
    install::sdk_dir().join("schemas")
}

/// What one script run printed, parsed.
struct Report {
    passed: BTreeSet<String>,
    failed: Vec<(String, String)>,
    summary: Option<(usize, usize)>,
}

fn parse(stdout: &str) -> Report {
    let mut report = Report {
        passed: BTreeSet::new(),
        failed: Vec::new(),
        summary: None,
    };
    for line in stdout.lines() {
        if let Some(name) = line.strip_prefix("PASS ") {
            report.passed.insert(name.trim().to_owned());
        } else if let Some(rest) = line.strip_prefix("FAIL ") {
            let (name, why) = rest.split_once(": ").unwrap_or((rest, ""));
            report.failed.push((name.trim().to_owned(), why.to_owned()));
        } else if let Some((_, counts)) = line.split_once(": ") {
            // `<sdk>: N passed, N failed`
            let nums: Vec<usize> = counts
                .split(", ")
                .filter_map(|part| part.split_once(' ').and_then(|(n, _)| n.parse().ok()))
                .collect();
            if counts.ends_with(" failed") && nums.len() == 2 {
                report.summary = Some((nums[0], nums[1]));
            }
        }
    }
    report
}

fn mock_config(db: PathBuf) -> Config {
    Config {
        db: DbLocation::File(db),
        ..Config::for_tests()
    }
}

/// Start the mock on `db`. Under heavy machine load the mock has been seen to fail opening a
/// brand-new SQLite file with `database is locked` (tests/sdk/FINDINGS.md); that is retried
/// twice and every failed attempt is written to `notes`, which the test prints.
async fn spawn_mock(
    db: &std::path::Path,
    transport: Transport,
    notes: &mut String,
) -> Result<MockServer, String> {
    let mut last = String::new();
    for attempt in 1..=3 {
        let config = mock_config(db.to_path_buf());
        let spawned = match transport {
            Transport::Http => MockServer::spawn(config).await,
            Transport::Tls => {
                let dir = TlsDir::for_db(&config.db);
                MockServer::spawn_tls(config, dir).await
            }
        };
        match spawned {
            Ok(m) => return Ok(m),
            Err(e) => {
                last = format!("{e:#}");
                notes.push_str(&format!(
                    "NOTE mock start attempt {attempt} failed: {last}\n"
                ));
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    }
    Err(last)
}

/// Start a fresh mock (SQLite file in a temp dir, so the script can ask for a restart), run
/// the SDK script with `COMPAT_CHECKS=<group>`, and require that exactly `expected` ran and
/// passed. On any failure the test panics with the script's full stdout and stderr.
pub async fn run_group(sdk: Sdk, group: &str, expected: &[&str]) {
    run_group_over(sdk, Transport::Http, group, expected).await
}

/// [`run_group`] with the mock reached over `transport`; `group` may name several groups
/// (comma-separated), `expected` lists every check they hold.
pub async fn run_group_over(sdk: Sdk, transport: Transport, group: &str, expected: &[&str]) {
    let runtime_dir = tokio::task::spawn_blocking(move || match sdk {
        Sdk::Python => install::python(),
        Sdk::Node => install::node_dir(),
    })
    .await
    .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));

    let schemas = schemas_dir();
    assert!(
        schemas.is_dir(),
        "the response schemas folder {} is missing (regenerate it with tests/sdk/python/gen_schemas.py)",
        schemas.display()
    );

    let tmp = tempfile::tempdir().expect("temp dir");
    let db = tmp.path().join("mock.db");
    let mut notes = String::new();
    let mut mock = Some(
        spawn_mock(&db, transport, &mut notes)
            .await
            .unwrap_or_else(|e| panic!("{notes}mock does not start: {e}")),
    );
    let base_url = mock
        .as_ref()
        .map(|m| m.base_url.clone())
        .unwrap_or_default();
    let ca_file = mock
        .as_ref()
        .and_then(|m| m.tls.as_ref())
        .map(|t| t.ca_file.clone());
    assert_eq!(
        ca_file.is_some(),
        transport == Transport::Tls,
        "the mock's TLS does not match the requested transport {transport:?}"
    );

    let sdk_dir = install::sdk_dir();
    let mut cmd = match sdk {
        Sdk::Python => {
            let mut c = Command::new(&runtime_dir);
            c.arg("-u")
                .arg(sdk_dir.join("python/compat.py"))
                .env("PYTHONDONTWRITEBYTECODE", "1");
            c
        }
        Sdk::Node => {
            let mut c = Command::new("node");
            c.arg(sdk_dir.join("node/compat.mjs"))
                .env("SDK_NODE_DIR", &runtime_dir);
            c
        }
    };
    cmd.env("MOCK_BASE_URL", &base_url)
        .env("STYTCH_PROJECT_ID", DEFAULT_PROJECT_ID)
        .env("STYTCH_SECRET", DEFAULT_SECRET)
        .env("COMPAT_CHECKS", group)
        .env("STYTCH_SCHEMAS_DIR", &schemas)
        .env_remove("SSL_CERT_FILE")
        .env_remove("REQUESTS_CA_BUNDLE")
        .env_remove("NODE_EXTRA_CA_CERTS")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    if let Some(ca) = &ca_file {
        for var in [
            "MOCK_CA_FILE",
            "SSL_CERT_FILE",
            "REQUESTS_CA_BUNDLE",
            "NODE_EXTRA_CA_CERTS",
        ] {
            cmd.env(var, ca);
        }
    }
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start the {} script: {e}", sdk.name()));
    let mut stdin = child.stdin.take().expect("stdin");
    let stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let stderr_task = tokio::spawn(async move {
        let mut buf = String::new();
        let _ = stderr.read_to_string(&mut buf).await;
        buf
    });

    let mut transcript = String::new();
    let drive = async {
        let mut lines = BufReader::new(stdout).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            transcript.push_str(&line);
            transcript.push('\n');
            if line.trim() == "@@restart" {
                let answer = match mock.take() {
                    Some(old) => match old.stop().await {
                        Ok(()) => match spawn_mock(&db, transport, &mut notes).await {
                            Ok(new) => {
                                let url = new.base_url.clone();
                                mock = Some(new);
                                url
                            }
                            Err(e) => format!("@@error restart failed: {e}"),
                        },
                        Err(e) => format!("@@error stop failed: {e:#}"),
                    },
                    None => "@@error no mock running".to_owned(),
                };
                let _ = stdin.write_all(format!("{answer}\n").as_bytes()).await;
                let _ = stdin.flush().await;
            }
        }
        child.wait().await
    };
    let status = tokio::time::timeout(RUN_TIMEOUT, drive).await;
    let stderr_text = match tokio::time::timeout(Duration::from_secs(5), stderr_task).await {
        Ok(Ok(s)) => s,
        _ => String::from("<stderr unavailable>"),
    };
    if let Some(m) = mock.take() {
        let _ = m.stop().await;
    }

    // Shown by `cargo test -- --nocapture`, and by libtest for a failed test.
    println!(
        "--- {} script, group `{group}` ---\n{notes}{transcript}",
        sdk.name()
    );

    let context = |msg: String| -> String {
        format!(
            "{} SDK, group `{group}`: {msg}\n(the script's stdout is printed above)\n--- script stderr ---\n{stderr_text}",
            sdk.name()
        )
    };
    let status = match status {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => panic!("{}", context(format!("waiting for the script failed: {e}"))),
        Err(_) => panic!(
            "{}",
            context(format!("script did not finish within {RUN_TIMEOUT:?}"))
        ),
    };

    let report = parse(&transcript);
    let expected: BTreeSet<String> = expected.iter().map(|s| (*s).to_owned()).collect();
    let ran: BTreeSet<String> = report
        .passed
        .iter()
        .cloned()
        .chain(report.failed.iter().map(|(n, _)| n.clone()))
        .collect();
    let mut problems = Vec::new();
    for (name, why) in &report.failed {
        problems.push(format!("check {name} FAILED: {why}"));
    }
    for missing in expected.difference(&ran) {
        problems.push(format!("check {missing} did not run"));
    }
    for extra in ran.difference(&expected) {
        problems.push(format!(
            "check {extra} ran but is not listed for this group in the Rust harness"
        ));
    }
    match report.summary {
        Some((p, f)) if p == report.passed.len() && f == report.failed.len() => {}
        other => problems.push(format!("summary line missing or inconsistent: {other:?}")),
    }
    if !status.success() && report.failed.is_empty() {
        problems.push(format!("script exited with {status}"));
    }
    if status.success() && !report.failed.is_empty() {
        problems.push("script exited 0 despite failed checks".to_owned());
    }
    if ran.is_empty() {
        problems.push("no check ran".to_owned());
    }
    if !problems.is_empty() {
        panic!("{}", context(problems.join("\n")));
    }
}

/// Declares the `python` and `node` tests of one feature module: each runs the group's checks
/// through one SDK against its own fresh mock.
macro_rules! sdk_group {
    ($group:literal, [$($check:literal),* $(,)?]) => {
        /// The checks of this group, as both scripts name them.
        pub const CHECKS: &[&str] = &[$($check),*];

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn python() {
            $crate::harness::run_group($crate::harness::Sdk::Python, $group, CHECKS).await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn node() {
            $crate::harness::run_group($crate::harness::Sdk::Node, $group, CHECKS).await;
        }
    };
}
pub(crate) use sdk_group;
