//! `example-app`: the seed guide's backend MFA integration, done through `mfa-engine`, as a
//! small server-rendered axum app — and the one-command demo (`cargo run --release`) that runs
//! it against an in-process mock-stytch with seeded organizations.
//!
//! Layout: [`config`] (CLI/env → settings), [`startup`] (build, seed, serve), [`routes`] (one
//! module per part of the journey), [`views`] + `templates/` (HTML), [`csrf`] and [`cookies`]
//! (the two cookies and form protection), [`error`] (friendly pages), [`proxy`] (the mock
//! dashboard on our origin), [`seed`] and the shared `mock_control` client (demo only).
//!
//! The browser holds only the flow id and a CSRF cookie; every token stays in the engine's
//! SQLite store. Nothing here calls Stytch for a login step except through `MfaService`.

pub mod config;
pub mod cookies;
pub mod csrf;
pub mod error;
pub mod proxy;
pub mod routes;
pub mod seed;
pub mod startup;
pub mod state;
pub mod views;

pub use config::{Backend, Cli, DemoOptions, Settings};
pub use startup::Application;

/// The binary's body: build, print where to go, serve until Ctrl-C.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let app = Application::build(cli.into_settings()?).await?;
    println!("{}", app.banner());
    app.run_until_stopped(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}
