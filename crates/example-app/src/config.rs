//! What the app is told at start: where to listen, where its files live, and which Stytch to
//! talk to — the embedded mock with demo data (the default) or a real project (`STYTCH_*`).
//!
//! Plain data plus the clap parser; nothing here opens a file or a socket. Must never print
//! the Stytch secret (it is held as a [`Secret`] from the moment it is parsed).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use mfa_engine::store::FlowStoreLocation;
use stytch_client::{ClientConfig, Secret};

/// Default data directory, relative to the working directory: `cargo run` at the repo root puts
/// it next to the build output, which `.gitignore` already ignores.
pub const DEFAULT_DATA_DIR: &str = "target/stytch-mfa-demo";

/// How long the app waits for one Stytch call (`--stytch-timeout-ms`): a member should see
/// "Stytch did not answer" within seconds, not after the client's 30 s default.
pub const DEFAULT_STYTCH_TIMEOUT_MS: u64 = 10_000;

/// `stytch-mfa-demo`: the seed guide's backend MFA integration as a web app.
#[derive(Debug, Parser)]
#[command(name = "stytch-mfa-demo", version, about)]
pub struct Cli {
    /// Address to serve the app on. 127.0.0.1:3000 is Stytch's default test redirect origin.
    #[arg(long, env = "DEMO_LISTEN", default_value = "127.0.0.1:3000")]
    pub listen: SocketAddr,
    /// Directory for the app's files: flows.db (login flows), csrf.key, and in demo mode the
    /// mock's mock.db and demo.json (what was seeded).
    #[arg(long, env = "DEMO_DATA_DIR", default_value = DEFAULT_DATA_DIR)]
    pub data_dir: PathBuf,
    /// Where login flows live: a PostgreSQL URL (postgres://user:password@host/db, shared by
    /// every replica of the app), sqlite:PATH or a file path (one machine), or sqlite::memory:.
    /// Default: DATA_DIR/flows.db. --fresh deletes only that default file.
    #[arg(long, env = "DEMO_FLOW_STORE", value_name = "URL|PATH")]
    pub flow_store: Option<FlowStoreLocation>,
    /// Demo mode: forget the mock's state and every login flow, then seed the demo data again.
    #[arg(long)]
    pub fresh: bool,
    /// The origin browsers use to reach the app (magic links point here). Default: derived from
    /// --listen (`http://localhost:PORT` for a loopback address).
    #[arg(long, env = "DEMO_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Talk to this Stytch project instead of the embedded mock (needs STYTCH_SECRET too).
    #[arg(long, env = "STYTCH_PROJECT_ID")]
    pub project_id: Option<String>,
    #[arg(long, env = "STYTCH_SECRET", hide_env_values = true)]
    pub secret: Option<String>,
    /// API origin; default chosen from the project id (test.stytch.com / api.stytch.com).
    #[arg(long, env = "STYTCH_BASE_URL")]
    pub base_url: Option<String>,
    /// Organizations to offer on the sign-in page when talking to a real Stytch (comma
    /// separated); without them the page asks for an organization id.
    #[arg(
        long = "organization-id",
        env = "STYTCH_ORGANIZATION_IDS",
        value_delimiter = ','
    )]
    pub organization_ids: Vec<String>,
    /// Milliseconds to wait for one Stytch call; past it the member sees "Stytch did not
    /// answer" with a Retry (the sign-in is kept).
    #[arg(
        long,
        env = "DEMO_STYTCH_TIMEOUT_MS",
        value_name = "MS",
        default_value_t = DEFAULT_STYTCH_TIMEOUT_MS
    )]
    pub stytch_timeout_ms: u64,
}

/// Everything [`crate::startup::Application::build`] needs.
#[derive(Clone, Debug)]
pub struct Settings {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    /// `None`: SQLite in `data_dir/flows.db`.
    pub flow_store: Option<FlowStoreLocation>,
    pub public_url: Option<String>,
    pub backend: Backend,
}

#[derive(Clone, Debug)]
pub enum Backend {
    /// Start mock-stytch in-process on a loopback port and seed the demo organizations.
    Demo(DemoOptions),
    /// A real (or externally run) Stytch: no mock, no seeding, no dashboard proxy.
    Stytch {
        client: ClientConfig,
        organization_ids: Vec<String>,
    },
}

#[derive(Clone, Debug)]
pub struct DemoOptions {
    /// Wipe the mock state and flows before starting.
    pub fresh: bool,
    /// bcrypt cost of the password hashes the embedded mock makes itself (the mock's default,
    /// 4: a hash never leaves the mock, so a higher cost only slows sign-in down).
    pub password_hash_cost: u32,
    /// The engine's timeout for one call to the embedded mock.
    pub stytch_timeout: Duration,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            fresh: false,
            password_hash_cost: mock_stytch::config::DEFAULT_BCRYPT_COST,
            stytch_timeout: Duration::from_millis(DEFAULT_STYTCH_TIMEOUT_MS),
        }
    }
}

impl Cli {
    /// Decide the mode: `STYTCH_PROJECT_ID` + `STYTCH_SECRET` select a real Stytch; one
    /// without the other is a mistake worth refusing rather than silently running the demo.
    pub fn into_settings(self) -> anyhow::Result<Settings> {
        let timeout = Duration::from_millis(self.stytch_timeout_ms);
        let backend = match (self.project_id, self.secret) {
            (None, None) => {
                if self.base_url.is_some() {
                    anyhow::bail!(
                        "STYTCH_BASE_URL is set but STYTCH_PROJECT_ID/STYTCH_SECRET are not"
                    );
                }
                Backend::Demo(DemoOptions {
                    fresh: self.fresh,
                    stytch_timeout: timeout,
                    ..DemoOptions::default()
                })
            }
            (Some(project_id), Some(secret)) => {
                let secret = Secret::new(secret);
                let client = match self.base_url {
                    Some(base) => ClientConfig::new(base, project_id, secret),
                    None => ClientConfig::stytch_project(project_id, secret),
                };
                Backend::Stytch {
                    client: client.with_timeout(timeout),
                    organization_ids: self.organization_ids,
                }
            }
            (Some(_), None) => anyhow::bail!("STYTCH_PROJECT_ID is set but STYTCH_SECRET is not"),
            (None, Some(_)) => anyhow::bail!("STYTCH_SECRET is set but STYTCH_PROJECT_ID is not"),
        };
        Ok(Settings {
            listen: self.listen,
            data_dir: self.data_dir,
            flow_store: self.flow_store,
            public_url: self.public_url,
            backend,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> anyhow::Result<Settings> {
        let mut argv = vec!["stytch-mfa-demo"];
        argv.extend_from_slice(args);
        Cli::try_parse_from(argv)?.into_settings()
    }

    #[test]
    fn no_credentials_means_the_demo() {
        let s = parse(&["--fresh"]).unwrap();
        assert!(matches!(
            s.backend,
            Backend::Demo(DemoOptions { fresh: true, .. })
        ));
    }

    #[test]
    fn credentials_select_a_real_stytch_and_half_of_them_is_refused() {
        let s = parse(&[
            "--project-id",
            "project-test-1",
            "--secret",
            "s",
            "--base-url",
            "http://127.0.0.1:9",
        ])
        .unwrap();
        match s.backend {
            Backend::Stytch { client, .. } => assert_eq!(client.base_url, "http://127.0.0.1:9"),
            other => panic!("{other:?}"),
        }
        assert!(parse(&["--project-id", "project-test-1"]).is_err());
    }

    #[test]
    fn the_stytch_timeout_reaches_both_backends() {
        let demo = parse(&["--stytch-timeout-ms", "2500"]).unwrap();
        assert!(
            matches!(&demo.backend, Backend::Demo(o) if o.stytch_timeout == Duration::from_millis(2500)),
            "{demo:?}"
        );
        let real = parse(&["--project-id", "project-test-1", "--secret", "s"]).unwrap();
        match real.backend {
            Backend::Stytch { client, .. } => assert_eq!(
                client.timeout,
                Duration::from_millis(DEFAULT_STYTCH_TIMEOUT_MS)
            ),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn flow_store_takes_a_postgres_url_or_a_sqlite_path_and_defaults_to_none() {
        assert_eq!(parse(&[]).unwrap().flow_store, None);
        let s = parse(&["--flow-store", "postgres://app@db/flows"]).unwrap();
        assert_eq!(
            s.flow_store,
            Some(FlowStoreLocation::Postgres(
                "postgres://app@db/flows".into()
            ))
        );
        let s = parse(&["--flow-store", "sqlite:/var/lib/app/flows.db"]).unwrap();
        assert_eq!(
            s.flow_store,
            Some(FlowStoreLocation::SqliteFile(
                "/var/lib/app/flows.db".into()
            ))
        );
        assert!(parse(&["--flow-store", "mysql://app@db/flows"]).is_err());
    }
}
