//! `mock-stytch`: run the Stytch B2B mock. Thin: parse arguments, set up logging, serve.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use mock_stytch::config::{
    BCRYPT_COSTS, DEFAULT_BCRYPT_COST, DEFAULT_DB, DEFAULT_LISTEN, DEFAULT_PROJECT_ID,
    DEFAULT_SECRET,
};
use mock_stytch::{Config, DbLocation, TlsCert, TlsDir};

/// A stateful, deterministic mock of the Stytch B2B API (organizations, members, primary auth,
/// sessions with RS256 JWTs, SMS OTP, TOTP, recovery codes) for offline MFA testing.
///
/// Point the official SDKs at it with `environment="http://HOST:PORT"` (Python) or
/// `env: "http://HOST:PORT/"` (Node); with --tls use `custom_base_url="https://HOST:PORT"` and
/// trust the printed CA file. The control API under /_mock/ moves the virtual clock,
/// shows the outbox (magic links, SMS codes) and resets state.
#[derive(Parser, Debug)]
#[command(name = "mock-stytch", version)]
struct Args {
    /// Address to listen on.
    #[arg(long, env = "MOCK_STYTCH_LISTEN", default_value = DEFAULT_LISTEN)]
    listen: String,
    /// SQLite database file; created if missing, kept across restarts.
    #[arg(long, env = "MOCK_STYTCH_DB", default_value = DEFAULT_DB, conflicts_with = "in_memory")]
    db: PathBuf,
    /// Keep nothing: the database lives in a temporary directory (no fsync), removed when the
    /// mock stops (after a kill, by the next mock that starts); nothing survives the process.
    #[arg(long, env = "MOCK_STYTCH_IN_MEMORY")]
    in_memory: bool,
    /// Seed for every id, token, code, secret and signing key. Default: chosen at random once
    /// and stored in the database.
    #[arg(long, env = "MOCK_STYTCH_SEED")]
    seed: Option<u64>,
    /// Freeze the virtual clock at this RFC 3339 instant (only /_mock/clock moves it).
    #[arg(long, env = "MOCK_STYTCH_FROZEN_CLOCK", value_parser = parse_time)]
    frozen_clock: Option<chrono::DateTime<chrono::Utc>>,
    /// Project id clients authenticate with (Basic auth user name).
    #[arg(long, env = "STYTCH_PROJECT_ID", default_value = DEFAULT_PROJECT_ID)]
    project_id: String,
    /// Secret clients authenticate with (Basic auth password).
    #[arg(long, env = "STYTCH_SECRET", default_value = DEFAULT_SECRET, hide_env_values = true)]
    secret: String,
    /// Make every SMS OTP code equal to this value (demos). Default: derived from the seed.
    #[arg(long, env = "MOCK_STYTCH_FIXED_OTP")]
    fixed_otp: Option<String>,
    /// Serve HTTPS (for the SDKs' `custom_base_url`, which must be https://) with a certificate
    /// for localhost, 127.0.0.1 and ::1 from a local CA generated on first use. The banner
    /// prints the CA file and the variables that make each SDK trust it.
    #[arg(long, env = "MOCK_STYTCH_TLS")]
    tls: bool,
    /// Where --tls keeps ca.pem, cert.pem and key.pem. Default: `<db>.tls/` next to the
    /// database; with --in-memory a temporary directory removed at exit.
    #[arg(long, env = "MOCK_STYTCH_TLS_DIR", requires = "tls")]
    tls_dir: Option<PathBuf>,
    /// bcrypt cost (4–31) of the passwords the mock hashes itself (the password resets). The
    /// default 4 keeps a password login near 1 ms; a hash never leaves the mock, so clients cannot
    /// tell. Hashes imported with passwords.migrate keep their own algorithm and cost.
    #[arg(long, env = "MOCK_STYTCH_BCRYPT_COST", default_value_t = DEFAULT_BCRYPT_COST,
          value_parser = clap::value_parser!(u32).range(*BCRYPT_COSTS.start() as i64..=*BCRYPT_COSTS.end() as i64))]
    bcrypt_cost: u32,
    /// Replace the state by this snapshot file's (from POST /_mock/snapshot) before serving,
    /// with --db (the file's data overwrite the database's) or --in-memory. The mock then
    /// answers the requests that follow exactly as after the snapshot point (frozen clock).
    /// Takes the snapshot's seed; a different --seed is refused.
    #[arg(long, env = "MOCK_STYTCH_RESTORE", value_name = "FILE")]
    restore: Option<PathBuf>,
    /// Load this fixture file (YAML or JSON: organizations, members with their factors, live
    /// sessions) after the database opens and before serving. Idempotent: organizations are
    /// matched by slug and members by email, so restarting with the same file changes nothing.
    /// A bad file exits with an error naming the file and the place. Format: README "Fixtures".
    #[arg(long, env = "MOCK_STYTCH_FIXTURES")]
    fixtures: Option<PathBuf>,
}

fn parse_time(s: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|e| format!("not an RFC 3339 timestamp ({e}); example: 2030-01-01T00:00:00Z"))
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "mock_stytch=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mock-stytch: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> anyhow::Result<()> {
    let config = Config {
        project_id: args.project_id,
        secret: args.secret,
        db: if args.in_memory {
            DbLocation::Memory
        } else {
            DbLocation::File(args.db)
        },
        seed: args.seed,
        frozen_clock: args.frozen_clock,
        fixed_otp: args.fixed_otp,
        password_hash_cost: args.bcrypt_cost,
        restore: args.restore,
        ..Config::default()
    };
    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e} (is another mock already running? try --listen 127.0.0.1:0)", args.listen))?;
    let tls = match (args.tls, args.tls_dir) {
        (false, _) => None,
        (true, Some(dir)) => Some(TlsCert::load_or_create(TlsDir::Kept(dir))?),
        (true, None) => Some(TlsCert::load_or_create(TlsDir::for_db(&config.db))?),
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    let base = format!("{scheme}://{}", listener.local_addr()?);
    let state = mock_stytch::AppState::open(config.clone()).await?;
    if let Some(path) = &args.fixtures {
        let loaded = match mock_stytch::fixtures::load_file(&state, path).await {
            Ok(loaded) => loaded,
            Err(e) => {
                state.close().await;
                return Err(e);
            }
        };
        tracing::info!(file = %path.display(), summary = %loaded.summary(), "fixtures loaded");
    }
    let text = match &tls {
        None => banner(&base, &config),
        Some(cert) => tls_banner(&base, &config, cert),
    };
    // A closed stdout (a test that read only the first line) must not kill the server.
    let _ = writeln!(std::io::stdout().lock(), "{text}");
    match tls {
        None => mock_stytch::serve_state(listener, state, shutdown_signal()).await,
        Some(cert) => mock_stytch::serve_state_tls(listener, state, cert, shutdown_signal()).await,
    }
}

fn db_line(c: &Config) -> String {
    match &c.db {
        DbLocation::File(p) => p.display().to_string(),
        DbLocation::Memory => "in memory (nothing is kept)".into(),
    }
}

fn tls_banner(base: &str, c: &Config, cert: &TlsCert) -> String {
    format!(
        "mock-stytch listening on {base}\n\
         \x20 project_id: {pid}\n\
         \x20 secret:     {secret}\n\
         \x20 database:   {db}\n\
         {tls}",
        pid = c.project_id,
        secret = c.secret,
        db = db_line(c),
        tls = cert.banner(base, &c.project_id, &c.secret),
    )
}

fn banner(base: &str, c: &Config) -> String {
    let db = db_line(c);
    format!(
        "mock-stytch listening on {base}\n\
         \x20 project_id: {pid}\n\
         \x20 secret:     {secret}\n\
         \x20 database:   {db}\n\
         Python:  stytch.B2BClient(project_id=\"{pid}\", secret=\"{secret}\", environment=\"{base}\")\n\
         Node:    new stytch.B2BClient({{ project_id: \"{pid}\", secret: \"{secret}\", env: \"{base}/\" }})\n\
         Control: curl -u {pid}:{secret} {base}/_mock/outbox",
        pid = c.project_id,
        secret = c.secret,
    )
}

/// Ctrl-C or SIGTERM: stop accepting, finish in-flight requests, close the database.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bcrypt_cost_defaults_to_four_and_must_be_one_bcrypt_accepts() {
        let parse = |extra: &[&str]| Args::try_parse_from([&["mock-stytch"], extra].concat());
        assert_eq!(parse(&[]).unwrap().bcrypt_cost, 4);
        assert_eq!(parse(&["--bcrypt-cost", "12"]).unwrap().bcrypt_cost, 12);
        assert!(parse(&["--bcrypt-cost", "3"]).is_err());
        assert!(parse(&["--bcrypt-cost", "32"]).is_err());
    }
}
