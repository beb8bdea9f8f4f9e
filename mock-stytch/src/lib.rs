//! `mock-stytch`: a stateful mock of the Stytch B2B API that the official SDKs can be pointed at.
//!
//! Layout: [`config`] says how an instance behaves, [`state`] holds what every handler shares
//! (database, clock, id generator), [`http`] turns handler results into Stytch's wire envelope
//! and guards every route with Basic auth, and [`routes`] has one module per API family.
//! [`model`] holds the mock's *own* wire structs: the mock depends on none of the project's
//! crates, so a serialisation bug cannot hide on both sides of a test.
//!
//! This crate must never reach the network: everything it needs is derived from the seed.

pub mod clock;
pub mod config;
pub mod dashboard;
pub mod db;
pub mod error;
pub mod events;
pub mod faults;
pub mod fixtures;
pub mod http;
pub mod ids;
pub mod jwt;
pub mod mfa;
pub mod model;
pub mod redact;
pub mod routes;
pub mod snapshot;
pub mod state;
pub mod tls;

use std::future::Future;
use std::net::SocketAddr;

use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub use config::{Config, DbLocation};
pub use state::AppState;
pub use tls::{TlsCert, TlsDir};

/// Serve the mock on an already-bound listener until `shutdown` resolves.
///
/// In-flight requests finish before this returns, and the database is closed cleanly.
pub async fn serve(
    listener: TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let state = AppState::open(config).await?;
    serve_state(listener, state, shutdown).await
}

/// Like [`serve`], for a caller that opened the state itself (to seed data or to share it).
pub async fn serve_state(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    serve_state_over(listener, state, None, shutdown).await
}

/// Like [`serve_state`], over HTTPS with `tls`'s certificate (`--tls`; see [`tls`]).
pub async fn serve_state_tls(
    listener: TcpListener,
    state: AppState,
    tls: TlsCert,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    serve_state_over(listener, state, Some(tls), shutdown).await
}

async fn serve_state_over(
    listener: TcpListener,
    state: AppState,
    tls: Option<TlsCert>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let app = routes::router(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    // Open dashboard event streams end first, or a graceful shutdown would wait for them.
    let events = state.clone();
    let shutdown = async move {
        shutdown.await;
        events.events.close();
    };
    match tls {
        None => {
            axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await?
        }
        Some(cert) => tls::serve(listener, &cert, app, shutdown).await?,
    }
    state.close().await;
    Ok(())
}

/// A mock running in this process on a loopback port; stop it with [`MockServer::stop`].
pub struct MockServer {
    /// `http://127.0.0.1:PORT` — what the SDKs take as `environment=` / `env:`; with TLS
    /// `https://127.0.0.1:PORT`, their `custom_base_url`.
    pub base_url: String,
    pub addr: SocketAddr,
    pub state: AppState,
    /// The certificate when serving HTTPS ([`MockServer::spawn_tls`]); clients trust its `ca_file`.
    pub tls: Option<TlsCert>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

impl MockServer {
    /// Bind `127.0.0.1:0`, open the state and serve in a background task.
    pub async fn spawn(config: Config) -> anyhow::Result<MockServer> {
        MockServer::spawn_over(config, None).await
    }

    /// Like [`MockServer::spawn`], serving HTTPS with the local CA kept in `dir`.
    pub async fn spawn_tls(config: Config, dir: TlsDir) -> anyhow::Result<MockServer> {
        let cert = TlsCert::load_or_create(dir)?;
        MockServer::spawn_over(config, Some(cert)).await
    }

    async fn spawn_over(config: Config, tls: Option<TlsCert>) -> anyhow::Result<MockServer> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let state = AppState::open(config).await?;
        let (tx, rx) = oneshot::channel::<()>();
        let scheme = if tls.is_some() { "https" } else { "http" };
        let task = tokio::spawn(serve_state_over(
            listener,
            state.clone(),
            tls.clone(),
            async move {
                let _ = rx.await;
            },
        ));
        Ok(MockServer {
            base_url: format!("{scheme}://{addr}"),
            addr,
            state,
            tls,
            shutdown: Some(tx),
            task: Some(task),
        })
    }

    /// Graceful stop: in-flight requests finish, the database is closed.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        match self.task.take() {
            Some(task) => task.await?,
            None => Ok(()),
        }
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

#[cfg(test)]
mod tests {
    /// Callers spawn the mock on any runtime thread: its start and serve futures must be `Send`.
    #[test]
    fn start_and_serve_futures_are_send() {
        fn assert_send<T: Send>(_: &T) {}
        let spawn = crate::MockServer::spawn(crate::Config::for_tests());
        assert_send(&spawn);
        let open = crate::AppState::open(crate::Config::for_tests());
        assert_send(&open);
    }
}
