//! Secrets stay secret (issue 11 item 4): password hashes never leave the mock in any response,
//! and no token, code, password, hash, session token/JWT or IST ever reaches the logs (the real
//! binary at RUST_LOG=trace) or the request log (`/_mock/requests`). Both walk the same tour of
//! every secret-bearing flow ([`crate::secrets_tour`]).

use std::process::{Command, Stdio};

use crate::helpers::spawn_frozen;
use crate::secrets_tour::{Api, PASSWORDS, occurs, tour};

const HASH_PREFIXES: &[&str] = &["$2a$", "$2b$", "$2x$", "$2y$", "$argon2"];

#[tokio::test]
async fn password_hashes_and_passwords_never_appear_in_a_response() {
    // Arrange
    let mock = spawn_frozen().await;
    let api = Api {
        http: reqwest::Client::new(),
        base: mock.server.base_url.clone(),
    };

    // Act
    let t = tour(&api).await;

    // Assert: no body carries a hash (any format), the migrated hash's salt+digest, or a password
    let stored: Vec<String> =
        sqlx::query_scalar("SELECT password_hash FROM members WHERE password_hash IS NOT NULL")
            .fetch_all(&mock.server.state.db.sqlx)
            .await
            .unwrap();
    assert!(
        !stored.is_empty(),
        "the tour leaves a member with a password"
    );
    let mut needles: Vec<String> = HASH_PREFIXES.iter().map(|p| p.to_string()).collect();
    needles.extend(stored.iter().cloned());
    needles.push(t.migrated_hash[7..].to_owned()); // "$2b$04$" stripped: salt and digest alone
    needles.extend(PASSWORDS.iter().map(|p| p.to_string()));
    assert!(
        t.bodies.len() >= 50,
        "the tour walked {} calls",
        t.bodies.len()
    );
    for (at, body) in &t.bodies {
        for n in &needles {
            assert!(!body.contains(n.as_str()), "{at} leaks {n}: {body}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_never_reach_the_logs_or_the_request_log() {
    // Arrange: the real binary, everything logged, stderr to a file
    let dir = tempfile::tempdir().unwrap();
    let log_path = dir.path().join("stderr.log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_mock-stytch"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--in-memory",
            "--seed",
            "9",
            "--frozen-clock",
            crate::helpers::FROZEN,
        ])
        .env("RUST_LOG", "trace")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log_path).unwrap())
        .spawn()
        .expect("binary starts");
    let mut first = String::new();
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    std::io::BufRead::read_line(&mut out, &mut first).unwrap();
    std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    let base = first.trim().rsplit(' ').next().unwrap().to_owned();
    let api = Api {
        http: reqwest::Client::new(),
        base,
    };

    // Act
    let mut t = tour(&api).await;
    let (_, requests) = api
        .call(&mut t, "GET", "/_mock/requests?limit=1000", None)
        .await;
    let requests = requests.to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap()
            .success()
    );
    assert!(child.wait().unwrap().success());
    let log = std::fs::read_to_string(&log_path).unwrap();

    // Assert: the log and the request log are real (they name the routes walked) …
    assert!(
        log.contains("/v1/b2b/otps/sms/authenticate") && log.contains("request"),
        "no request lines logged"
    );
    assert!(
        requests.contains("/v1/b2b/recovery_codes/recover"),
        "{requests}"
    );
    assert!(
        requests.contains(r#""recovery_code":"[redacted]""#),
        "the request log carries (redacted) bodies"
    );
    // … and hold none of the ≥ 30 secret values the tour met
    assert!(
        t.secrets.len() >= 30,
        "only {} secrets collected",
        t.secrets.len()
    );
    for (label, secret) in &t.secrets {
        assert!(!occurs(&log, secret), "the log contains {label} = {secret}");
        assert!(
            !occurs(&requests, secret),
            "/_mock/requests contains {label} = {secret}"
        );
    }
}
