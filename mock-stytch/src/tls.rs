//! `--tls`: HTTPS on loopback with a local CA, for SDKs that accept only an `https://`
//! `custom_base_url`.
//!
//! [`TlsCert::load_or_create`] keeps three PEM files in one directory: `ca.pem` (what clients
//! trust), `cert.pem` (the server certificate for `localhost`, `127.0.0.1` and `::1`, signed by
//! that CA) and `key.pem` (its private key, mode 0600). They are generated once with rcgen and
//! reused on every later start, so clients keep trusting the same CA across restarts. The CA's
//! own private key is never written: it signs the one server certificate and is dropped, so a
//! machine that trusts `ca.pem` trusts nothing else issued by it. [`serve`] runs the router over
//! tokio-rustls with every handshake in its own task (a silent client cannot stall accepting).
//!
//! This module must never overwrite a file it did not write (a directory holding only some of
//! the three files is refused, not regenerated) and never reaches the network.

use std::fs;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, anyhow};
use axum::serve::{Listener, ListenerExt};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::server::TlsStream;

use crate::config::DbLocation;

/// The CA certificate clients trust (`SSL_CERT_FILE`, `REQUESTS_CA_BUNDLE`, `NODE_EXTRA_CA_CERTS`).
pub const CA_FILE: &str = "ca.pem";
/// The server certificate (leaf only; the CA is the trust anchor, not sent).
pub const CERT_FILE: &str = "cert.pem";
/// The server certificate's private key.
pub const KEY_FILE: &str = "key.pem";
/// The names the server certificate is valid for.
pub const NAMES: [&str; 3] = ["localhost", "127.0.0.1", "::1"];
/// A client that has not finished its handshake by then is dropped.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Where the certificate files live.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TlsDir {
    /// This directory (created when missing); the files are reused on the next start.
    Kept(PathBuf),
    /// A fresh directory under the system temp dir, removed when the last [`TlsCert`] clone is
    /// dropped: what `--in-memory` uses, since nothing else of the instance survives either.
    Temporary,
}

impl TlsDir {
    /// The default for a database: `<db file>.tls/` next to it; temporary for an in-memory one.
    pub fn for_db(db: &DbLocation) -> TlsDir {
        match db {
            DbLocation::File(path) => {
                let mut dir = path.clone().into_os_string();
                dir.push(".tls");
                TlsDir::Kept(PathBuf::from(dir))
            }
            DbLocation::Memory => TlsDir::Temporary,
        }
    }
}

/// Whether this start made the files or found them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CertOrigin {
    Generated,
    Reused,
}

/// A loaded local CA and server certificate, ready to serve.
#[derive(Clone)]
pub struct TlsCert {
    /// The directory holding the three files.
    pub dir: PathBuf,
    /// `<dir>/ca.pem`: the file clients must trust.
    pub ca_file: PathBuf,
    pub origin: CertOrigin,
    config: Arc<ServerConfig>,
    /// Keeps a [`TlsDir::Temporary`] directory alive; it is removed with the last clone.
    _temp: Option<Arc<tempfile::TempDir>>,
}

impl std::fmt::Debug for TlsCert {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsCert")
            .field("dir", &self.dir)
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

impl TlsCert {
    /// Load the files from `dir`, or generate them when the directory has none of them.
    pub fn load_or_create(dir: TlsDir) -> anyhow::Result<TlsCert> {
        let (path, temp) = match dir {
            TlsDir::Kept(path) => {
                fs::create_dir_all(&path).with_context(|| {
                    format!("cannot create the TLS directory {}", path.display())
                })?;
                (path, None)
            }
            TlsDir::Temporary => {
                let temp = tempfile::Builder::new()
                    .prefix("mock-stytch-tls-")
                    .tempdir()
                    .context("cannot create a temporary TLS directory")?;
                (temp.path().to_path_buf(), Some(Arc::new(temp)))
            }
        };
        let files = [CA_FILE, CERT_FILE, KEY_FILE].map(|name| path.join(name));
        let origin = match files.iter().filter(|f| f.exists()).count() {
            0 => {
                let generated = generate()?;
                // The key first and the CA last: a crash in between leaves an incomplete set,
                // which the next start refuses instead of serving a certificate nobody trusts.
                write_new(&files[2], &generated.key_pem, 0o600)?;
                write_new(&files[1], &generated.cert_pem, 0o644)?;
                write_new(&files[0], &generated.ca_pem, 0o644)?;
                CertOrigin::Generated
            }
            3 => CertOrigin::Reused,
            _ => {
                let names = |exists: bool| {
                    files
                        .iter()
                        .filter(|f| f.exists() == exists)
                        .filter_map(|f| f.file_name()?.to_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                return Err(anyhow!(
                    "the TLS directory {} holds {} but not {}; remove it to generate a new CA \
                     (clients must then trust the new {CA_FILE})",
                    path.display(),
                    names(true),
                    names(false),
                ));
            }
        };
        let config = server_config(&read(&files[1])?, &read(&files[2])?)
            .with_context(|| format!("the certificate in {} is unusable", path.display()))?;
        Ok(TlsCert {
            ca_file: files[0].clone(),
            dir: path,
            origin,
            config: Arc::new(config),
            _temp: temp,
        })
    }

    /// The CA certificate, PEM.
    pub fn ca_pem(&self) -> anyhow::Result<String> {
        String::from_utf8(read(&self.ca_file)?).context("ca.pem is not UTF-8")
    }

    /// Lines for the start banner: the CA file and how each SDK is told to trust it.
    pub fn banner(&self, base: &str, project_id: &str, secret: &str) -> String {
        let ca = self.ca_file.display();
        let origin = match self.origin {
            CertOrigin::Generated => "generated now",
            CertOrigin::Reused => "reused",
        };
        format!(
            "\x20 TLS CA:     {ca} ({origin}; certificate for {names})\n\
             Trust it:  Python  export SSL_CERT_FILE={ca} REQUESTS_CA_BUNDLE={ca}\n\
             \x20          Node    export NODE_EXTRA_CA_CERTS={ca}\n\
             Python:  stytch.B2BClient(project_id=\"{project_id}\", secret=\"{secret}\", custom_base_url=\"{base}\")\n\
             Node:    new stytch.B2BClient({{ project_id: \"{project_id}\", secret: \"{secret}\", custom_base_url: \"{base}\" }})\n\
             Control: curl --cacert {ca} -u {project_id}:{secret} {base}/_mock/outbox",
            names = NAMES.join(", "),
        )
    }
}

struct Generated {
    ca_pem: String,
    cert_pem: String,
    key_pem: String,
}

/// A fresh CA (ECDSA P-256, may sign end-entity certificates only) and a server certificate
/// for [`NAMES`] signed by it. Validity is rcgen's default (1975 to 4096): the files are made
/// for a test machine and must not expire under a suite that runs for years.
fn generate() -> anyhow::Result<Generated> {
    let ca_key = KeyPair::generate().context("generate the CA key")?;
    let mut ca = CertificateParams::default();
    // A per-CA suffix keeps two generated CAs apart in one trust bundle.
    let id: String = ca
        .key_identifier(&ca_key)
        .iter()
        .take(4)
        .map(|b| format!("{b:02x}"))
        .collect();
    ca.distinguished_name
        .push(DnType::CommonName, format!("mock-stytch local CA {id}"));
    ca.distinguished_name
        .push(DnType::OrganizationName, "mock-stytch");
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca.self_signed(&ca_key).context("self-sign the CA")?;

    let key = KeyPair::generate().context("generate the server key")?;
    let mut leaf = CertificateParams::new(NAMES.map(str::to_owned).to_vec())
        .context("server certificate names")?;
    leaf.distinguished_name
        .push(DnType::CommonName, "mock-stytch localhost");
    leaf.is_ca = IsCa::ExplicitNoCa;
    leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    leaf.use_authority_key_identifier_extension = true;
    let issuer = Issuer::from_params(&ca, &ca_key);
    let cert = leaf
        .signed_by(&key, &issuer)
        .context("sign the server certificate")?;
    Ok(Generated {
        ca_pem: ca_cert.pem(),
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
    })
}

fn server_config(cert_pem: &[u8], key_pem: &[u8]) -> anyhow::Result<ServerConfig> {
    let certs = CertificateDer::pem_slice_iter(cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| anyhow!("{CERT_FILE}: {e}"))?;
    if certs.is_empty() {
        return Err(anyhow!("{CERT_FILE} holds no certificate"));
    }
    let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|e| anyhow!("{KEY_FILE}: {e}"))?;
    // An explicit provider: the workspace may enable more than one rustls backend, and then
    // rustls cannot pick a process default on its own.
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .context("certificate and key do not belong together")?;
    // The router is served over HTTP/1.1 only (axum's `http2` feature is off).
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

fn read(path: &Path) -> anyhow::Result<Vec<u8>> {
    fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

/// Write a file that must not exist yet (never clobber what someone else put there).
fn write_new(path: &Path, contents: &str, mode: u32) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(contents.as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))
}

/// Serve `app` over TLS on `listener` until `shutdown` resolves (in-flight requests finish).
pub async fn serve(
    listener: TcpListener,
    cert: &TlsCert,
    app: axum::extract::connect_info::IntoMakeServiceWithConnectInfo<axum::Router, SocketAddr>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let listener = TlsListener {
        tcp: listener,
        acceptor: TlsAcceptor::from(cert.config.clone()),
        pending: JoinSet::new(),
    };
    // `tap_io` is what gives a custom listener axum's `ConnectInfo<SocketAddr>`.
    axum::serve(listener.tap_io(|_| {}), app)
        .with_graceful_shutdown(shutdown)
        .await
}

/// A TCP listener that yields connections once their TLS handshake is done.
struct TlsListener {
    tcp: TcpListener,
    acceptor: TlsAcceptor,
    /// Handshakes in progress, each in its own task.
    pending: JoinSet<Option<(TlsStream<TcpStream>, SocketAddr)>>,
}

impl Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            tokio::select! {
                accepted = self.tcp.accept() => match accepted {
                    Ok((tcp, addr)) => {
                        let acceptor = self.acceptor.clone();
                        self.pending.spawn(handshake(acceptor, tcp, addr));
                    }
                    Err(e) => accept_error(e).await,
                },
                Some(done) = self.pending.join_next(), if !self.pending.is_empty() => {
                    if let Ok(Some(connection)) = done {
                        return connection;
                    }
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}

async fn handshake(
    acceptor: TlsAcceptor,
    tcp: TcpStream,
    addr: SocketAddr,
) -> Option<(TlsStream<TcpStream>, SocketAddr)> {
    match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
        Ok(Ok(stream)) => Some((stream, addr)),
        // A client that does not trust the CA ends here ("UnknownCA"): worth a visible line.
        Ok(Err(e)) => {
            tracing::info!(%addr, "TLS handshake failed: {e}");
            None
        }
        Err(_) => {
            tracing::info!(%addr, "TLS handshake timed out after {HANDSHAKE_TIMEOUT:?}");
            None
        }
    }
}

/// As axum does for plain TCP: per-connection errors are skipped, others (EMFILE) back off.
async fn accept_error(e: io::Error) {
    use io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        e.kind(),
        ConnectionRefused | ConnectionAborted | ConnectionReset
    ) {
        return;
    }
    tracing::error!("accept error: {e}");
    tokio::time::sleep(Duration::from_secs(1)).await;
}
