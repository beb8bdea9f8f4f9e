//! `bench`: run issue 10's benchmark and (optionally) write the results into BENCHMARKS.md.
//! Thin: parse arguments, build the two runtimes, call [`mock_bench::run`].

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

/// Compare mock-stytch with a bare axum server (the physical limit for HTTP + this load generator
/// on this machine) in one run, and judge every figure against issue 10's targets.
/// Loopback only; bounded in time (default ≤ 3 minutes, --quick well under one).
#[derive(Parser, Debug)]
#[command(name = "bench")]
struct Args {
    /// A few seconds per figure and a 10k-member scale test instead of 100k.
    #[arg(long)]
    quick: bool,
    /// Write the results between the markers of this Markdown file (e.g. BENCHMARKS.md).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Keep-alive connections of the load generator.
    #[arg(long, default_value_t = 50)]
    connections: usize,
    /// Skip the release-binary figures (cold start, RSS, scale).
    #[arg(long)]
    skip_binary: bool,
    /// Skip the RS256 implementation comparison.
    #[arg(long)]
    skip_rsa: bool,
    /// The mock-stytch binary to start (default: build and use target/release/mock-stytch).
    #[arg(long)]
    mock_bin: Option<PathBuf>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let opts = mock_bench::Options {
        quick: args.quick,
        connections: args.connections.max(1),
        skip_binary: args.skip_binary,
        skip_rsa: args.skip_rsa,
        mock_bin: args.mock_bin,
    };
    let runtime = |name: &str| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name(name)
            .enable_all()
            .build()
    };
    let (server, loadgen) = match (runtime("server"), runtime("loadgen")) {
        (Ok(s), Ok(l)) => (s, l),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("bench: cannot start tokio: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = loadgen.block_on(mock_bench::run(&opts, server.handle()));
    loadgen.shutdown_timeout(std::time::Duration::from_secs(5));
    server.shutdown_timeout(std::time::Duration::from_secs(5));
    let report = match result {
        Ok(r) => r,
        Err(e) => {
            eprintln!("bench: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(path) = args.out {
        if let Err(e) = mock_bench::report::write(&path, &report) {
            eprintln!("bench: cannot write {}: {e:#}", path.display());
            return ExitCode::FAILURE;
        }
        println!("\nwrote {}", path.display());
    }
    ExitCode::SUCCESS
}
