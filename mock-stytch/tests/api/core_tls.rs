//! `--tls`: HTTPS with the local CA for every loopback name, trust only through `ca.pem`, the
//! files reused across restarts and never clobbered, the temporary directory removed at stop,
//! and the binary's banner telling each SDK how to trust the CA.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use mock_stytch::tls::{CA_FILE, CERT_FILE, CertOrigin, KEY_FILE};
use mock_stytch::{Config, MockServer, TlsCert, TlsDir};
use tokio::net::TcpListener;

/// A client that trusts exactly `ca.pem` (no built-in roots).
fn client_trusting(ca: &Path) -> reqwest::Client {
    let pem = std::fs::read(ca).expect("read ca.pem");
    reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).expect("ca.pem parses"))
        .build()
        .expect("client")
}

async fn health(http: &reqwest::Client, url: &str) -> Result<serde_json::Value, reqwest::Error> {
    http.get(format!("{url}/_mock/health"))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await
}

/// The whole error chain as one string (reqwest hides the TLS cause in `source()`).
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        out.push_str(": ");
        out.push_str(&s.to_string());
        cur = s.source();
    }
    out
}

#[tokio::test]
async fn serves_https_for_127_0_0_1_localhost_and_ipv6_loopback() {
    let dir = tempfile::tempdir().unwrap();
    let server = MockServer::spawn_tls(Config::for_tests(), TlsDir::Kept(dir.path().into()))
        .await
        .expect("TLS mock starts");
    assert!(server.base_url.starts_with("https://127.0.0.1:"));
    let cert = server
        .tls
        .clone()
        .expect("the server holds its certificate");
    assert_eq!(cert.ca_file, dir.path().join(CA_FILE));
    let http = client_trusting(&cert.ca_file);
    let body = health(&http, &server.base_url).await.expect("127.0.0.1");
    assert_eq!(body["ok"], true);

    // `localhost`: the name is verified against the certificate; the connection goes to the port.
    let by_name = reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(
            reqwest::Certificate::from_pem(&std::fs::read(&cert.ca_file).unwrap()).unwrap(),
        )
        .resolve("localhost", server.addr)
        .build()
        .unwrap();
    let port = server.addr.port();
    health(&by_name, &format!("https://localhost:{port}"))
        .await
        .expect("localhost");

    // `::1`: a second instance on the IPv6 loopback with the same certificate.
    let v6 = TcpListener::bind("[::1]:0").await.expect("bind ::1");
    let v6_port = v6.local_addr().unwrap().port();
    let state = mock_stytch::AppState::open(Config::for_tests())
        .await
        .unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(mock_stytch::serve_state_tls(v6, state, cert, async move {
        let _ = rx.await;
    }));
    health(&http, &format!("https://[::1]:{v6_port}"))
        .await
        .expect("::1");
    let _ = tx.send(());
    task.await.unwrap().unwrap();

    // A name the certificate does not cover is refused.
    let other = reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(
            reqwest::Certificate::from_pem(&std::fs::read(dir.path().join(CA_FILE)).unwrap())
                .unwrap(),
        )
        .resolve("mock.example.com", server.addr)
        .build()
        .unwrap();
    let err = health(&other, &format!("https://mock.example.com:{port}"))
        .await
        .expect_err("a name outside the certificate");
    assert!(chain(&err).contains("certificate"), "{}", chain(&err));
    server.stop().await.unwrap();
}

#[tokio::test]
async fn a_client_without_the_ca_is_refused_with_a_certificate_error() {
    let dir = tempfile::tempdir().unwrap();
    let server = MockServer::spawn_tls(Config::for_tests(), TlsDir::Kept(dir.path().into()))
        .await
        .unwrap();
    // Another CA, generated in another directory: trusting it must not help.
    let stranger = TlsCert::load_or_create(TlsDir::Temporary).unwrap();
    let wrong = client_trusting(&stranger.ca_file);
    let err = health(&wrong, &server.base_url)
        .await
        .expect_err("untrusted CA");
    let why = chain(&err);
    assert!(
        why.contains("UnknownIssuer") || why.contains("certificate"),
        "{why}"
    );
    // The refused handshake did not stall the listener: the right client still gets in.
    health(
        &client_trusting(&dir.path().join(CA_FILE)),
        &server.base_url,
    )
    .await
    .expect("trusted CA");
    server.stop().await.unwrap();
}

#[tokio::test]
async fn the_files_are_generated_once_and_reused_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let first = TlsCert::load_or_create(TlsDir::Kept(dir.path().into())).unwrap();
    assert_eq!(first.origin, CertOrigin::Generated);
    let ca = std::fs::read(dir.path().join(CA_FILE)).unwrap();
    let key = std::fs::read(dir.path().join(KEY_FILE)).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join(KEY_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "key.pem is readable by others: {mode:o}");
    }
    let ca_text = String::from_utf8(ca.clone()).unwrap();
    assert!(
        ca_text.starts_with("-----BEGIN CERTIFICATE-----"),
        "{ca_text}"
    );
    // The CA's private key is never written: only the server key is a private key.
    for name in [CA_FILE, CERT_FILE] {
        let text = std::fs::read_to_string(dir.path().join(name)).unwrap();
        assert!(!text.contains("PRIVATE KEY"), "{name} holds a private key");
    }
    drop(first);

    // A restart on the same directory serves with the same CA, so the old trust still holds.
    let server = MockServer::spawn_tls(Config::for_tests(), TlsDir::Kept(dir.path().into()))
        .await
        .unwrap();
    assert_eq!(server.tls.as_ref().unwrap().origin, CertOrigin::Reused);
    assert_eq!(std::fs::read(dir.path().join(CA_FILE)).unwrap(), ca);
    assert_eq!(std::fs::read(dir.path().join(KEY_FILE)).unwrap(), key);
    health(
        &client_trusting(&dir.path().join(CA_FILE)),
        &server.base_url,
    )
    .await
    .expect("the reused certificate serves");
    server.stop().await.unwrap();

    // Next to a database file by default.
    let db = dir.path().join("mock.db");
    assert_eq!(
        TlsDir::for_db(&mock_stytch::DbLocation::File(db)),
        TlsDir::Kept(dir.path().join("mock.db.tls"))
    );
    assert_eq!(
        TlsDir::for_db(&mock_stytch::DbLocation::Memory),
        TlsDir::Temporary
    );
}

#[tokio::test]
async fn an_incomplete_directory_is_refused_and_left_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(CA_FILE), "someone else's CA\n").unwrap();
    let err = TlsCert::load_or_create(TlsDir::Kept(dir.path().into())).expect_err("incomplete");
    let msg = format!("{err:#}");
    assert!(
        msg.contains("holds ca.pem but not cert.pem, key.pem") && msg.contains("remove it"),
        "{msg}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join(CA_FILE)).unwrap(),
        "someone else's CA\n"
    );
    assert!(!dir.path().join(KEY_FILE).exists());
    assert!(!dir.path().join(CERT_FILE).exists());

    // A garbled complete set is an error too, not a silent regeneration.
    std::fs::write(dir.path().join(CERT_FILE), "not a certificate\n").unwrap();
    std::fs::write(dir.path().join(KEY_FILE), "not a key\n").unwrap();
    let err = TlsCert::load_or_create(TlsDir::Kept(dir.path().into())).expect_err("garbled");
    assert!(format!("{err:#}").contains("unusable"), "{err:#}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join(KEY_FILE)).unwrap(),
        "not a key\n"
    );
}

#[tokio::test]
async fn a_temporary_directory_is_removed_when_the_server_stops() {
    let server = MockServer::spawn_tls(Config::for_tests(), TlsDir::Temporary)
        .await
        .unwrap();
    let ca = server.tls.as_ref().unwrap().ca_file.clone();
    assert!(ca.is_file(), "{}", ca.display());
    health(&client_trusting(&ca), &server.base_url)
        .await
        .unwrap();
    server.stop().await.unwrap();
    assert!(!ca.exists(), "{} survived the stop", ca.display());
}

/// The real binary: `--tls --in-memory` prints the CA file, the variable for each SDK and the
/// `custom_base_url` one-liners, and serves HTTPS with that CA.
#[tokio::test]
async fn the_binary_banner_says_how_each_sdk_trusts_the_ca() {
    let dir = tempfile::tempdir().unwrap();
    let tls_dir = dir.path().join("tls");
    let mut child = Command::new(env!("CARGO_BIN_EXE_mock-stytch"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--in-memory",
            "--seed",
            "1",
            "--tls",
            "--tls-dir",
        ])
        .arg(&tls_dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("binary starts");
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut banner = String::new();
    for _ in 0..10 {
        out.read_line(&mut banner).unwrap();
    }
    std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    let first = banner.lines().next().unwrap();
    let base = first.rsplit(' ').next().unwrap().to_owned();
    let ca = tls_dir.join(CA_FILE);
    let ca_text = ca.display().to_string();
    let expected = [
        format!("SSL_CERT_FILE={ca_text}"),
        format!("REQUESTS_CA_BUNDLE={ca_text}"),
        format!("NODE_EXTRA_CA_CERTS={ca_text}"),
        format!("custom_base_url=\"{base}\""),
        format!("custom_base_url: \"{base}\""),
        format!("--cacert {ca_text}"),
    ];
    let _guard = KillOnDrop(child);
    assert!(base.starts_with("https://127.0.0.1:"), "{banner}");
    for line in &expected {
        assert!(
            banner.contains(line.as_str()),
            "banner lacks {line}:\n{banner}"
        );
    }
    let body = health(&client_trusting(&ca), &base)
        .await
        .expect("HTTPS with the printed CA");
    assert_eq!(body["ok"], true);
}

struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
