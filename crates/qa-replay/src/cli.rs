//! The `stytch-mfa` command line. Exit codes: 0 all passed (or not runnable), 1 a scenario
//! failed, 2 invalid input (a file that does not parse, a bad option). Every file is loaded and
//! checked before anything runs.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;

use clap::{Parser, Subcommand};

use crate::report;
use crate::runner::{Target, Verdict, run_scenario};
use crate::scenario::{Loaded, load};

#[derive(Parser, Debug)]
#[command(name = "stytch-mfa", about = "Stytch B2B MFA tools")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Replay scenario files (or directories of *.yaml) through the MFA engine. A scenario
    /// with `matrix:` axes runs once per policy combination, each case named by it, with
    /// `expect: model` expectations from the policy matrix's reference model.
    Replay(ReplayArgs),
    /// Write a scenario from a running mock's request log (a manual session, e.g. in the
    /// example app) or from a HAR file of a backend's calls to Stytch. Secrets never reach the
    /// recording: right codes become from_outbox/totp_now.
    Record(RecordArgs),
}

#[derive(clap::Args, Debug)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["target", "har"])))]
pub struct RecordArgs {
    /// The running mock whose `/_mock/requests` log is read (e.g. http://127.0.0.1:9010).
    #[arg(long)]
    pub target: Option<String>,
    /// Instead: a HAR 1.2 file of a backend's calls to Stytch (real or mock). Its bodies are
    /// redacted with the mock's allow-list before anything reads them; calls to /_mock are
    /// skipped.
    #[arg(long)]
    pub har: Option<PathBuf>,
    #[arg(long, env = "STYTCH_PROJECT_ID", default_value = mock_stytch::config::DEFAULT_PROJECT_ID)]
    pub project_id: String,
    #[arg(long, env = "STYTCH_SECRET", default_value = mock_stytch::config::DEFAULT_SECRET, hide_default_value = true, hide_env_values = true)]
    pub secret: String,
    /// How many of the newest requests to read (the mock keeps the last 1,000). Reset the mock
    /// (`POST /_mock/reset`) before a session to record only that session.
    #[arg(long, default_value_t = 1000)]
    pub limit: usize,
    /// The scenario's name.
    #[arg(long, default_value = "recorded session")]
    pub name: String,
    /// Write the scenario here instead of stdout.
    #[arg(long, short)]
    pub out: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
pub struct ReplayArgs {
    /// Scenario files, or directories whose *.yaml / *.yml files are replayed.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Run against this server (a running mock, or https://test.stytch.com) instead of a
    /// fresh in-process mock per scenario.
    #[arg(long)]
    pub target: Option<String>,
    #[arg(long, env = "STYTCH_PROJECT_ID", default_value = mock_stytch::config::DEFAULT_PROJECT_ID)]
    pub project_id: String,
    #[arg(long, env = "STYTCH_SECRET", default_value = mock_stytch::config::DEFAULT_SECRET, hide_default_value = true, hide_env_values = true)]
    pub secret: String,
    /// Write a JUnit XML report here.
    #[arg(long)]
    pub junit: Option<PathBuf>,
    /// Write a self-contained HTML report here: summary, every case with its result and time,
    /// and each failure's step trace with the API requests and their redacted bodies.
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// How many scenarios (matrix cases count one each) run at once.
    #[arg(long, default_value_t = 4)]
    pub jobs: usize,
    /// Where the engine keeps login flows: a PostgreSQL URL (postgres://user@host/db), sqlite:PATH
    /// or a file path (shared by all scenarios of the run), or sqlite::memory:. Default: a
    /// private in-memory SQLite database per scenario.
    #[arg(long, value_name = "URL|PATH")]
    pub flow_store: Option<mfa_engine::store::FlowStoreLocation>,
}

/// Expand directories into their scenario files, sorted.
pub fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(p)
                .map_err(|e| format!("{}: {e}", p.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| matches!(f.extension().and_then(|x| x.to_str()), Some("yaml" | "yml")))
                .collect();
            files.sort();
            out.extend(files);
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

/// Load every file and expand matrix scenarios into their cases; all errors are reported, not
/// just the first.
pub fn load_all(files: &[PathBuf]) -> Result<Vec<Loaded>, Vec<String>> {
    let mut loaded = Vec::new();
    let mut errors = Vec::new();
    for f in files {
        match load(f) {
            Ok(l) => loaded.extend(l.cases()),
            Err(e) => errors.push(e.to_string()),
        }
    }
    if errors.is_empty() {
        Ok(loaded)
    } else {
        Err(errors)
    }
}

pub fn main(cli: Cli) -> u8 {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return 2;
        }
    };
    match cli.command {
        Command::Replay(args) => runtime.block_on(replay(args)),
        Command::Record(args) => runtime.block_on(record(args)),
    }
}

/// `stytch-mfa record`: exit 0 with the scenario written, 2 when the log or HAR cannot be read.
pub async fn record(args: RecordArgs) -> u8 {
    let source = match (&args.har, &args.target) {
        (Some(path), _) => std::fs::read_to_string(path)
            .map_err(|e| format!("{}: {e}", path.display()))
            .and_then(|text| crate::record::read_har(&text)),
        (None, Some(target)) => {
            crate::record::fetch(target, &args.project_id, &args.secret, args.limit).await
        }
        (None, None) => Err("give --target URL or --har FILE".into()),
    };
    let (log, dir) = match source {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: cannot read the request log: {e}");
            return 2;
        }
    };
    let yaml = crate::record::scenario_from_log(&log, &dir, &args.name);
    match &args.out {
        None => {
            print!("{yaml}");
            0
        }
        Some(path) => match std::fs::write(path, yaml) {
            Ok(()) => {
                eprintln!("wrote {} ({} requests read)", path.display(), log.len());
                0
            }
            Err(e) => {
                eprintln!("error: cannot write {}: {e}", path.display());
                2
            }
        },
    }
}

pub async fn replay(args: ReplayArgs) -> u8 {
    let files = match expand(&args.paths) {
        Ok(f) if !f.is_empty() => f,
        Ok(_) => {
            eprintln!("error: no scenario files found");
            return 2;
        }
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    let loaded = match load_all(&files) {
        Ok(l) => l,
        Err(errors) => {
            for e in &errors {
                eprintln!("{e}");
            }
            eprintln!("{} invalid scenario file(s); nothing was run", errors.len());
            return 2;
        }
    };
    if let Some(location) = args.flow_store
        && let Err(e) = crate::runner::use_flow_store(location)
    {
        eprintln!("error: {e}");
        return 2;
    }
    let target = match args.target {
        None => Target::InProcess,
        Some(url) => Target::Url {
            base_url: url,
            project_id: args.project_id,
            secret: args.secret,
        },
    };
    let reports = run_all(loaded, target, args.jobs.max(1)).await;
    print!("{}", report::render(&reports));
    println!("{}", report::summary(&reports));
    if let Some(path) = &args.junit
        && let Err(e) = std::fs::write(path, report::junit(&reports))
    {
        eprintln!("error: cannot write {}: {e}", path.display());
        return 2;
    }
    if let Some(path) = &args.report
        && let Err(e) = std::fs::write(path, report::html(&reports))
    {
        eprintln!("error: cannot write {}: {e}", path.display());
        return 2;
    }
    if reports
        .iter()
        .any(|r| matches!(r.verdict, Verdict::Failed { .. }))
    {
        1
    } else {
        0
    }
}

/// Run scenarios in parallel (at most `jobs` at once), results in input order. Shows a one-line
/// progress counter on stderr when it is a terminal and the run is long.
pub async fn run_all(
    loaded: Vec<Loaded>,
    target: Target,
    jobs: usize,
) -> Vec<crate::runner::ScenarioReport> {
    // Scenario futures hold engine/sqlx borrows that are not `Send` for every lifetime, so they
    // run concurrently on one thread (a LocalSet); the mocks they talk to run on the runtime's
    // worker threads. The work is I/O-bound, so this is still parallel where it matters.
    let local = tokio::task::LocalSet::new();
    local.run_until(run_local(loaded, target, jobs)).await
}

async fn run_local(
    loaded: Vec<Loaded>,
    target: Target,
    jobs: usize,
) -> Vec<crate::runner::ScenarioReport> {
    let total = loaded.len();
    let progress = std::io::stderr().is_terminal() && total > 3;
    let permits = Arc::new(tokio::sync::Semaphore::new(jobs));
    let target = Arc::new(target);
    // Kept so a scenario that panics is still reported (as failed), not dropped from the results.
    let names: Vec<(String, String)> = loaded
        .iter()
        .map(|l| (l.scenario.name.clone(), l.path.display().to_string()))
        .collect();
    let mut set = tokio::task::JoinSet::new();
    let mut task_index = std::collections::HashMap::new();
    for (i, l) in loaded.into_iter().enumerate() {
        let permits = permits.clone();
        let target = target.clone();
        let handle = set.spawn_local(async move {
            let _permit = permits.acquire_owned().await;
            (i, run_scenario(&l, &target).await)
        });
        task_index.insert(handle.id(), i);
    }
    let mut out: Vec<Option<crate::runner::ScenarioReport>> = (0..total).map(|_| None).collect();
    let mut done = 0;
    while let Some(joined) = set.join_next_with_id().await {
        match joined {
            Ok((_, (i, r))) => out[i] = Some(r),
            Err(e) => {
                let i = task_index[&e.id()];
                out[i] = Some(panicked(&names[i], e));
            }
        }
        done += 1;
        if progress {
            let width = 30;
            let filled = done * width / total;
            eprint!(
                "\r[{}{}] {done}/{total}",
                "#".repeat(filled),
                "-".repeat(width - filled)
            );
        }
    }
    if progress {
        eprintln!();
    }
    out.into_iter().flatten().collect()
}

/// The report of a scenario whose task panicked (a bug in the runner or the engine): failed at
/// step 0 with the panic message, so the summary and the exit code still count it.
fn panicked(
    (name, path): &(String, String),
    e: tokio::task::JoinError,
) -> crate::runner::ScenarioReport {
    let reason = match e.try_into_panic() {
        Ok(p) => p
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_else(|| "a panic without a message".into()),
        Err(_) => "the task was cancelled".into(),
    };
    crate::runner::ScenarioReport {
        name: name.clone(),
        path: path.clone(),
        verdict: Verdict::Failed {
            step: 0,
            reason: format!("the runner panicked: {reason}"),
        },
        trace: vec![],
        seconds: 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panicking_scenario_is_reported_failed_with_its_message() {
        // Arrange
        let join_error = tokio::spawn(async { panic!("engine bug") })
            .await
            .expect_err("the task panics");
        let names = ("broken".to_owned(), "scenarios/broken.yaml".to_owned());

        // Act
        let report = panicked(&names, join_error);

        // Assert
        assert_eq!(report.name, "broken");
        match report.verdict {
            Verdict::Failed { step: 0, reason } => {
                assert!(reason.contains("engine bug"), "{reason}")
            }
            other => panic!("expected a failure, got {other:?}"),
        }
    }
}
