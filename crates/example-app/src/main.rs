//! `stytch-mfa-demo`: parse the options, set up logging, run the app (see `lib.rs`).

use clap::Parser;

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .init();
    if let Err(e) = example_app::run(example_app::Cli::parse()).await {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}
