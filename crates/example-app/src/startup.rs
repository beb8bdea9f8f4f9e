//! Build and run the app: `Application::build(settings)` binds the listener, opens the flow
//! store, and in demo mode starts mock-stytch in-process (state in `DATA_DIR/mock.db`) and
//! seeds it once; `run_until_stopped(shutdown)` serves until the future resolves, then stops
//! the mock cleanly. Tests build it on port 0 with a temp data directory.
//!
//! Must never seed or proxy anything when a real Stytch is configured.

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use mfa_engine::MfaService;
use mfa_engine::store::{AnyFlowStore, FlowStoreLocation};
use mock_control::MockControl;
use mock_stytch::MockServer;
use mock_stytch::config::{DEFAULT_PROJECT_ID, DEFAULT_SECRET};
use stytch_client::{ClientConfig, StytchClient};
use tokio::net::TcpListener;

use crate::config::{Backend, DemoOptions, Settings};
use crate::csrf::CsrfKey;
use crate::seed::{self, DemoData};
use crate::state::{AppState, Demo, Inner, OrgChoice};

pub struct Application {
    listener: TcpListener,
    state: AppState,
    /// The embedded mock (demo mode); stopped after the server.
    mock: Option<MockServer>,
    data_dir: PathBuf,
}

/// Files of the data directory.
fn mock_db(dir: &Path) -> PathBuf {
    dir.join("mock.db")
}
fn flows_db(dir: &Path) -> PathBuf {
    dir.join("flows.db")
}
fn demo_json(dir: &Path) -> PathBuf {
    dir.join("demo.json")
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        let dir = settings.data_dir.clone();
        std::fs::create_dir_all(&dir)?;
        let listener = TcpListener::bind(settings.listen).await?;
        let addr = listener.local_addr()?;
        let public_url = settings
            .public_url
            .clone()
            .map(|u| u.trim_end_matches('/').to_owned())
            .unwrap_or_else(|| default_public_url(addr));
        let csrf_key = CsrfKey::load_or_create(&dir.join("csrf.key"))?;
        let flows = settings
            .flow_store
            .clone()
            .unwrap_or_else(|| FlowStoreLocation::SqliteFile(flows_db(&dir)));
        let (mfa, demo, organizations, mock) = match settings.backend {
            Backend::Demo(opts) => {
                let (mfa, demo, mock) = start_demo(&dir, &opts, &flows).await?;
                let orgs = demo
                    .data
                    .organizations
                    .iter()
                    .map(|o| OrgChoice {
                        organization_id: o.organization_id.clone(),
                        name: o.name.clone(),
                        policy: o.policy.clone(),
                    })
                    .collect();
                (mfa, Some(demo), orgs, Some(mock))
            }
            Backend::Stytch {
                client,
                organization_ids,
            } => {
                let mfa = open_engine(client, &flows).await?;
                let orgs = lookup_organizations(&mfa, &organization_ids).await;
                (mfa, None, orgs, None)
            }
        };
        let state = AppState::new(Inner {
            mfa,
            csrf_key,
            demo,
            organizations,
            public_url,
        });
        Ok(Application {
            listener,
            state,
            mock,
            data_dir: dir,
        })
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    /// The URL to open in a browser.
    pub fn url(&self) -> &str {
        &self.state.public_url
    }

    /// The embedded mock's own URL (demo mode), for tests and the banner.
    pub fn mock_url(&self) -> Option<&str> {
        self.mock.as_ref().map(|m| m.base_url.as_str())
    }

    /// What to print at start: where to go and whom to sign in as.
    pub fn banner(&self) -> String {
        let url = self.url();
        let mut out = format!("Stytch MFA demo: open {url}\n");
        match &self.state.demo {
            Some(demo) => {
                out.push_str(&format!(
                    "  mock dashboard (emails, SMS codes, TOTP codes, clock): {url}/_mock/ui\n"
                ));
                out.push_str(&format!(
                    "  every demo account's password: {}\n",
                    demo.data.password
                ));
                for m in &demo.data.members {
                    out.push_str(&format!(
                        "  {:<24} {:<10} {}\n",
                        m.email, m.organization_name, m.story
                    ));
                }
                out.push_str(&format!(
                    "  state: {} (start with --fresh to reset it)\n",
                    self.data_dir.display()
                ));
            }
            None => out.push_str("  talking to the configured Stytch project (no demo data)\n"),
        }
        out
    }

    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let app = crate::routes::router(self.state.clone());
        // A dashboard tab open through the proxy streams the mock's events: end them with ours.
        let mock = self.mock.as_ref().map(|m| m.state.clone());
        let shutdown = async move {
            shutdown.await;
            if let Some(m) = mock {
                m.events.close();
            }
        };
        axum::serve(self.listener, app)
            .with_graceful_shutdown(shutdown)
            .await?;
        if let Some(mock) = self.mock {
            mock.stop().await?;
        }
        Ok(())
    }
}

/// Loopback addresses become `localhost` (Stytch's default test redirect origin).
fn default_public_url(addr: SocketAddr) -> String {
    if addr.ip().is_loopback() || addr.ip().is_unspecified() {
        format!("http://localhost:{}", addr.port())
    } else {
        format!("http://{addr}")
    }
}

async fn open_engine(
    client: ClientConfig,
    flows: &FlowStoreLocation,
) -> anyhow::Result<MfaService<AnyFlowStore>> {
    let stytch = StytchClient::new(client)?;
    let store = AnyFlowStore::open(flows)
        .await
        .map_err(|e| anyhow::anyhow!("flow store {flows}: {e}"))?;
    Ok(MfaService::new(stytch, store))
}

/// Start the mock on its file, open the engine against it, and seed it unless a previous run
/// did (`demo.json` next to a database that existed before this start).
async fn start_demo(
    dir: &Path,
    opts: &DemoOptions,
    flows: &FlowStoreLocation,
) -> anyhow::Result<(MfaService<AnyFlowStore>, Demo, MockServer)> {
    if opts.fresh {
        for name in [
            "mock.db",
            "mock.db-wal",
            "mock.db-shm",
            "flows.db",
            "flows.db-wal",
            "flows.db-shm",
            "demo.json",
        ] {
            match std::fs::remove_file(dir.join(name)) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
                _ => {}
            }
        }
    }
    let mock_existed = mock_db(dir).exists();
    let config = mock_stytch::Config {
        db: mock_stytch::DbLocation::File(mock_db(dir)),
        password_hash_cost: opts.password_hash_cost,
        ..mock_stytch::Config::default()
    };
    let mock = MockServer::spawn(config).await?;
    let client = ClientConfig::new(&mock.base_url, DEFAULT_PROJECT_ID, DEFAULT_SECRET)
        .with_timeout(opts.stytch_timeout);
    let mfa = open_engine(client, flows).await?;
    let control = MockControl::new(&mock.base_url, DEFAULT_PROJECT_ID, DEFAULT_SECRET);
    let previous: Option<DemoData> = if mock_existed {
        seed::load(&demo_json(dir))?
    } else {
        None
    };
    let data = match previous {
        Some(data) => data,
        None => {
            tracing::info!("seeding the demo organizations and members");
            seed::seed(&control, &demo_json(dir)).await?
        }
    };
    Ok((mfa, Demo { control, data }, mock))
}

/// Names for the configured organization ids; an unreadable one is listed by its id.
async fn lookup_organizations(mfa: &MfaService<AnyFlowStore>, ids: &[String]) -> Vec<OrgChoice> {
    let mut out = Vec::new();
    for id in ids {
        let name = match mfa.stytch().organizations_get(id).await {
            Ok(resp) => resp.organization.organization_name,
            Err(e) => {
                tracing::warn!(organization_id = %id, error = %e, "organization lookup failed");
                id.clone()
            }
        };
        out.push(OrgChoice {
            organization_id: id.clone(),
            name,
            policy: String::new(),
        });
    }
    out
}
