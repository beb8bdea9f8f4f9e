//! `stytch-mfa-demo`: parse the options, set up logging, run the app (see `lib.rs`).
//! The embedded mock logs every request; it is quiet by default so the banner stays readable
//! (`RUST_LOG=info` shows it).

use clap::Parser;

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,mock_stytch=warn".into()),
        )
        .init();
    if let Err(e) = example_app::run(example_app::Cli::parse()).await {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}
