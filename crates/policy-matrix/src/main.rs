//! `policy-matrix`: print the decision table (combination → outcome) of the reference model as
//! Markdown or JSON. Thin: parse arguments, build, write. Never talks to Stytch or the mock.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, ValueEnum};

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Md,
    Json,
}

/// Print the MFA policy decision table from the reference model.
#[derive(Parser)]
struct Args {
    #[arg(long, value_enum, default_value = "md")]
    format: Format,
    /// Write here instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let matrix = policy_matrix::table::build();
    let text = match args.format {
        Format::Md => policy_matrix::render::markdown(&matrix),
        Format::Json => policy_matrix::render::json(&matrix),
    };
    match args.out {
        Some(path) => {
            std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?
        }
        None => print!("{text}"),
    }
    Ok(())
}
