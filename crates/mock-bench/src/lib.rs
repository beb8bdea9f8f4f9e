//! `mock-bench`: the benchmark of issues 10 and 16. One run measures the physical limits (a bare
//! axum server answering a fixed body of the same size, [`baseline`]; the machine's RS256 limit,
//! cores × one core's signatures/s) and the mock with the same load generator ([`load`]) and
//! connection count, and reports every figure beside its baseline, as a ratio, against its target
//! ([`report`]).
//!
//! Layout: the in-process mock (file-backed SQLite in WAL mode, default configuration) runs on a
//! "server" runtime, the generator on a "loadgen" runtime, like two processes on one 2-core box;
//! cold start, RSS and the 100k-member scale figures use the release `mock-stytch` binary
//! ([`process`]). RS256 implementations are compared on one thread ([`rsa_bench`]). One module
//! per group of figures: `in_process` (HTTP throughput), `passwords` (password logins), `outbox`
//! (outbox reads at 1k and 100k messages), `offline` (RS256, SQLite without HTTP), `binary`
//! (cold start, RSS, scale); `compare` holds what they share.
//!
//! Loopback only: every server binds 127.0.0.1:0. Every loop is bounded in count and time, and the
//! run stops by itself (≤ 3 minutes by default, well under a minute with `--quick`).

pub mod baseline;
mod binary;
pub mod client;
mod compare;
mod context;
mod in_process;
pub mod load;
mod offline;
mod outbox;
mod passwords;
pub mod process;
pub mod report;
pub mod rsa_bench;
pub mod sqlite_bench;
pub mod stats;
pub mod world;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use tokio::runtime::Handle;

use crate::load::Spec;
use crate::report::{Report, Row};

/// What to run; see `bench --help`.
#[derive(Clone, Debug)]
pub struct Options {
    pub quick: bool,
    pub connections: usize,
    /// Skip the release-binary figures (cold start, RSS, scale).
    pub skip_binary: bool,
    pub skip_rsa: bool,
    /// Use this mock-stytch binary instead of building `target/release/mock-stytch`.
    pub mock_bin: Option<PathBuf>,
}

/// Sizes and durations derived from the mode.
#[derive(Clone, Copy, Debug)]
pub struct Plan {
    pub spec: Spec,
    pub world_members: usize,
    /// Members given a TOTP registration for the step-up figure, 3 single-use steps each: enough
    /// for the warm-up and the measured window at a few thousand requests/s.
    pub totp_pool: usize,
    pub rsa_budget: Duration,
    pub keygen_samples: usize,
    pub cold_runs: usize,
    pub scale_orgs: usize,
    pub scale_per_org: usize,
    /// Time bound on seeding the scale members (the target is 60 s for 100k).
    pub seed_budget: Duration,
}

impl Plan {
    pub fn new(o: &Options) -> Plan {
        let n = o.connections.max(1);
        let round = |x: usize| x.div_ceil(n) * n;
        if o.quick {
            Plan {
                spec: Spec {
                    connections: n,
                    warmup: Duration::from_millis(300),
                    duration: Duration::from_secs(1),
                    max_ops: 2_000_000,
                },
                world_members: round(2000),
                totp_pool: round(2000),
                rsa_budget: Duration::from_millis(300),
                keygen_samples: 1,
                cold_runs: 3,
                scale_orgs: 1000,
                scale_per_org: 10,
                seed_budget: Duration::from_secs(30),
            }
        } else {
            Plan {
                spec: Spec {
                    connections: n,
                    warmup: Duration::from_millis(500),
                    duration: Duration::from_millis(2500),
                    max_ops: 5_000_000,
                },
                world_members: round(6000),
                totp_pool: round(6000),
                rsa_budget: Duration::from_millis(700),
                keygen_samples: 3,
                cold_runs: 9,
                scale_orgs: 1000,
                scale_per_org: 100,
                seed_budget: Duration::from_secs(90),
            }
        }
    }
}

/// The whole benchmark. `server` is the runtime the baseline and the in-process mock run on.
pub async fn run(opts: &Options, server: &Handle) -> anyhow::Result<Report> {
    let plan = Plan::new(opts);
    let started = Instant::now();
    let mut report = Report::default();
    context::context(&mut report, opts, &plan);

    let rs256 = offline::rs256_limit(&plan)?;
    if !opts.skip_rsa {
        offline::rsa_figures(&mut report, &plan)?;
    }
    in_process::in_process(&mut report, &plan, server, rs256).await?;
    outbox::figure(&mut report, &plan, server).await?;
    offline::sqlite_figures(&mut report, &plan).await?;
    if !opts.skip_binary {
        let bin = match &opts.mock_bin {
            Some(b) => b.clone(),
            None => tokio::task::spawn_blocking(process::build_mock_binary).await??,
        };
        binary::binary_figures(&mut report, &plan, &bin).await?;
    }
    report.section(
        "Not measured here",
        "",
        [
            "figure",
            "mock",
            "baseline (bare axum)",
            "ratio",
            "target",
            "verdict",
        ],
    );
    report.row(Row {
        figure: "engine: persisted flow transitions (criterion)".into(),
        mock: "measured by criterion: `cargo bench -p mfa-engine --bench transitions` (see below)"
            .into(),
        baseline: "–".into(),
        ratio: "–".into(),
        target: "≥ 10,000/s in-process".into(),
        met: None,
    });
    report.context.push((
        "whole run took".into(),
        format!("{:.0} s", started.elapsed().as_secs_f64()),
    ));
    Ok(report)
}
