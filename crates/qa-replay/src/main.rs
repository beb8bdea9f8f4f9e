//! `stytch-mfa replay PATH...` — see docs/scenarios.md.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = qa_replay::cli::Cli::parse();
    std::process::ExitCode::from(qa_replay::cli::main(cli))
}
